"""The newsroom: public news pages under /news, and the writers' and editors' pages under /office/news."""
from flask import Blueprint

from app.services import news_cache

bp = Blueprint("news", __name__)
office_bp = Blueprint("news_office", __name__)


@bp.record_once
def _setup(state) -> None:
    """The news cache (cleared on ``article_changed``) and the labels templates use."""
    from app.services import news

    news_cache.init_app(state.app)
    state.app.jinja_env.globals.update(ARTICLE_KIND_LABELS=news.KIND_LABELS, ARTICLE_STATUS_LABELS=news.STATUS_LABELS,
                                       ARTICLE_LANG_LABELS=news.LANG_LABELS)


from app.news import office, routes  # noqa: E402,F401  (the views register on the blueprints)
