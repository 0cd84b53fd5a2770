"""News: the public pages (``/news``), the newsroom (``/office/news``), Atom feeds, the sitemap, search and
subscriptions."""
from flask import Blueprint

bp = Blueprint("news", __name__)
office_bp = Blueprint("news_office", __name__)
feeds_bp = Blueprint("newsfeeds", __name__)


@bp.record_once
def _setup(state) -> None:
    """The labels templates use."""
    from app.news import service as news

    state.app.jinja_env.globals.update(ARTICLE_KIND_LABELS=news.KIND_LABELS, ARTICLE_STATUS_LABELS=news.STATUS_LABELS,
                                       ARTICLE_LANG_LABELS=news.LANG_LABELS)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes (None: the routes spell full paths), views registered."""
    from app.news import feeds_views, office, public  # noqa: F401  (importing the views registers them)

    # The feeds, search and subscriptions spell their full paths (under /news, and the sitemap at the root).
    return ((bp, "/news"), (office_bp, "/office/news"), (feeds_bp, None))
