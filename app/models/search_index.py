"""Database objects the models do not describe: the full-text indexes of the news and of the appeals.

SQLite: FTS5 keeps its index in a virtual table ``news_fts`` and five shadow tables
(``news_fts_data``, ...). PostgreSQL: a stored generated column ``article_texts.search_vector``
(tsvector) and its GIN indexes, one per language since migration 0031 (``ix_article_texts_search_az`` …, before
that one ``ix_article_texts_search``); the model does not map the column, so SQLAlchemy never writes or reads it
(the search service names it in SQL).
Migration 0014 creates them and app/news/search.py uses them. The appeals' own, for "similar appeals" when
filing (migration 0024, app/appeals/similar.py): the FTS5 table ``appeals_fts`` (kept by triggers on ``appeals``)
and its shadow tables on SQLite; ``appeals.search_vector`` and ``ix_appeals_search`` on PostgreSQL.
Schema comparisons (``flask db check``, tests/test_migrations.py) skip them through ``include_name``.
"""
from __future__ import annotations

UNMANAGED_TABLE_PREFIXES = ("news_fts", "appeals_fts")
UNMANAGED_INDEXES = frozenset({"ix_article_texts_search", "ix_appeals_search", "ix_article_texts_search_az",
                               "ix_article_texts_search_ru", "ix_article_texts_search_en"})
UNMANAGED_COLUMNS = frozenset({("article_texts", "search_vector"), ("appeals", "search_vector")})


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's ``include_name`` hook: False for the full-text indexes' tables, column and index."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(UNMANAGED_TABLE_PREFIXES)
    if type_ == "index":
        return name not in UNMANAGED_INDEXES
    if type_ == "column":
        return (parent_names.get("table_name"), name) not in UNMANAGED_COLUMNS
    return True
