"""Database objects the models do not describe: the full-text indexes of the news.

SQLite: FTS5 keeps its index in a virtual table ``news_fts`` and five shadow tables
(``news_fts_data``, ...). PostgreSQL: a GIN expression index ``ix_article_texts_search``.
Migration 0014 creates them and app/services/news_search.py uses them; schema comparisons
(``flask db check``, tests/test_migrations.py) skip them through ``include_name``.
"""
from __future__ import annotations

UNMANAGED_TABLE_PREFIX = "news_fts"
UNMANAGED_INDEXES = frozenset({"ix_article_texts_search"})


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's ``include_name`` hook: False for the full-text indexes' tables and index."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(UNMANAGED_TABLE_PREFIX)
    if type_ == "index":
        return name not in UNMANAGED_INDEXES
    return True
