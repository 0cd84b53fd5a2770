"""Test data for the news feeds, search and subscriptions: published articles as the newsroom leaves them."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import text

from app.extensions import db
from app.models import Article, ArticleText, District, User, utcnow
from app.news.signals import article_changed


def clear_search_index() -> None:
    """Empty the SQLite full-text table (not a model, so the suite's table cleaning does not reach it)."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DELETE FROM news_fts"))
        db.session.commit()


@pytest.fixture
def clean_search_index(app):
    """The full-text table empty before and after the test (use with ``pytest.mark.usefixtures``)."""
    with app.app_context():
        clear_search_index()
    yield
    with app.app_context():
        clear_search_index()


def publish(author: User, district: District | None, texts: dict[str, tuple[str, str, str]],
            published_at: datetime | None = None, status: str = "published") -> Article:
    """An article with ``texts`` {lang: (title, summary, body)}, committed, and the newsroom's signal sent."""
    when = published_at or utcnow() - timedelta(minutes=5)
    article = Article(district_id=district.id if district else None, kind="news", status=status,
                      published_at=when if status in ("published", "archived") else None,
                      author_id=author.id, created_at=when, updated_at=when)
    for lang, (title, summary, body) in texts.items():
        article.texts.append(ArticleText(lang=lang, title=title, summary=summary, body_md=body,
                                         body_html=f"<p>{escape(body)}</p>"))
    db.session.add(article)
    db.session.commit()
    article_changed.send(article.id)
    return article
