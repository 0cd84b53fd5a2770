"""Fast pages at national scale (issue 20): indexes for the inbox, the accountability pages and news search.

- The inbox's open appeals by deadline (its default view, "overdue", "due within"): a partial index of the open
  appeals only, ``(district_id, due_at, id)``, so that its first page reads the few open appeals due first instead of
  stepping over years of closed ones due earlier. The statuses are the model's ``OPEN_STATUSES`` (a migration keeps
  its own copy: a new open status needs a migration of this index).
- The inbox of every status, by deadline or newest first: the id joins ``(district_id, due_at)`` and
  ``(district_id, created_at)``, so that the ids of a page far down the list are read from the index alone; and
  "assigned to me" by deadline, ``(district_id, assignee_id, due_at, id)``.
- "Overdue now" per district and category on the accountability pages: a partial index of the open appeals,
  ``(district_id, category_id, due_at)``, read in the order the figures are grouped in (no hashing).
- The digital take-up: a partial index of the appeals not filed online (source other than web and api), by the
  day they were filed; the others are counted from the rollups.
- News search on PostgreSQL: the texts' full-text GIN index split by language (three partial indexes), so that a
  search in one language reads only that language's entries; and every district's published articles by
  publication time, read newest first when a word is very common (app/news/search.py).

Revision ID: 0031_fast_pages
Revises: 0030_kpi
"""
import sqlalchemy as sa
from alembic import op

revision = '0031_fast_pages'
down_revision = '0030_kpi'
branch_labels = None
depends_on = None

OPEN_STATUSES = ("submitted", "registered", "in_progress", "info_requested", "reopened")
IS_OPEN = sa.text(f"status IN ({', '.join(repr(status) for status in OPEN_STATUSES)})")
# app/accountability/kpi.py ONLINE_APPEAL_SOURCES: what is not one of them was filed offline.
IS_OFFLINE = sa.text("source NOT IN ('web', 'api')")
LANGUAGES = ("az", "ru", "en")


def upgrade():
    op.create_index('ix_appeals_open_district_due', 'appeals', ['district_id', 'due_at', 'id'],
                    postgresql_where=IS_OPEN, sqlite_where=IS_OPEN)
    op.drop_index('ix_appeals_district_due', table_name='appeals')
    op.create_index('ix_appeals_district_due', 'appeals', ['district_id', 'due_at', 'id'])
    op.drop_index('ix_appeals_district_created', table_name='appeals')
    op.create_index('ix_appeals_district_created', 'appeals', ['district_id', 'created_at', 'id'])
    op.create_index('ix_appeals_district_assignee_due', 'appeals', ['district_id', 'assignee_id', 'due_at', 'id'])
    op.create_index('ix_appeals_open_district_category', 'appeals', ['district_id', 'category_id', 'due_at'],
                    postgresql_where=IS_OPEN, sqlite_where=IS_OPEN)
    op.create_index('ix_appeals_offline', 'appeals', ['created_at', 'district_id'],
                    postgresql_where=IS_OFFLINE, sqlite_where=IS_OFFLINE)
    op.create_index('ix_articles_published', 'articles', ['status', 'published_at'])
    if op.get_bind().dialect.name == 'postgresql':
        for lang in LANGUAGES:
            op.execute(f"CREATE INDEX ix_article_texts_search_{lang} ON article_texts USING gin (search_vector) "
                       f"WHERE lang = '{lang}'")
        op.execute("DROP INDEX IF EXISTS ix_article_texts_search")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE INDEX IF NOT EXISTS ix_article_texts_search ON article_texts USING gin (search_vector)")
        for lang in LANGUAGES:
            op.execute(f"DROP INDEX IF EXISTS ix_article_texts_search_{lang}")
    op.drop_index('ix_articles_published', table_name='articles')
    op.drop_index('ix_appeals_offline', table_name='appeals')
    op.drop_index('ix_appeals_open_district_category', table_name='appeals')
    op.drop_index('ix_appeals_district_assignee_due', table_name='appeals')
    op.drop_index('ix_appeals_district_created', table_name='appeals')
    op.create_index('ix_appeals_district_created', 'appeals', ['district_id', 'created_at'])
    op.drop_index('ix_appeals_district_due', table_name='appeals')
    op.create_index('ix_appeals_district_due', 'appeals', ['district_id', 'due_at'])
    op.drop_index('ix_appeals_open_district_due', table_name='appeals')
