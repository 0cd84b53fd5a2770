"""News feeds, search and subscriptions: email subscriptions to a district's news, and the full-text search index.

SQLite: an FTS5 table ``news_fts`` (one row per published article text, rowid = article_texts.id) that
app/services/news_search.py keeps up to date. PostgreSQL: a stored generated tsvector column
``article_texts.search_vector`` (Russian stemming for Russian texts, the simple configuration for Azerbaijani
and English; title, summary and body weighted A, B, C) with a GIN index; PostgreSQL maintains both, and ranking
reads the stored vector instead of parsing every matching text again.

Revision ID: 0014_news_search
Revises: 0012_news
"""
import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = '0014_news_search'
down_revision = '0013_proposals'
branch_labels = None
depends_on = None

PG_VECTOR = (
    "setweight(to_tsvector(CASE lang WHEN 'ru' THEN 'russian'::regconfig ELSE 'simple'::regconfig END, title), 'A')"
    " || setweight(to_tsvector(CASE lang WHEN 'ru' THEN 'russian'::regconfig ELSE 'simple'::regconfig END, summary), 'B')"
    " || setweight(to_tsvector(CASE lang WHEN 'ru' THEN 'russian'::regconfig ELSE 'simple'::regconfig END, body_md), 'C')"
)


def upgrade():
    op.create_table('news_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=8), server_default='pending', nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('confirmed_at', TS, nullable=True),
    sa.Column('ended_at', TS, nullable=True),
    sa.Column('last_period', sa.String(length=8), nullable=True),
    sa.Column('last_sent_at', TS, nullable=True),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_news_subscriptions_subscription_email_lowercase')),
    sa.CheckConstraint("lang IN ('az', 'ru', 'en')", name=op.f('ck_news_subscriptions_subscription_lang_known')),
    sa.CheckConstraint("status IN ('pending', 'active', 'ended')", name=op.f('ck_news_subscriptions_subscription_status_known')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_news_subscriptions_district_id_districts')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_news_subscriptions_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_news_subscriptions')),
    sa.UniqueConstraint('email', 'district_id', 'lang', name='uq_news_subscriptions_email_district_lang')
    )
    with op.batch_alter_table('news_subscriptions', schema=None) as batch_op:
        batch_op.create_index('ix_news_subscriptions_digest', ['status', 'district_id', 'lang'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        # Diacritics folded (ü = u, ş = s) so a search typed without them still finds the word; ə stays ə.
        # lang ("az"), district ("d12", "national") and article_id are indexed too, so that a search narrows
        # by language and district, and the service finds an article's rows, inside the index.
        op.execute("CREATE VIRTUAL TABLE news_fts USING fts5("
                   "title, summary, body, lang, district, article_id, "
                   "tokenize = 'unicode61 remove_diacritics 2')")
        # Ranked by bm25: the title weighs most, then the summary, then the body; the keys not at all.
        op.execute("INSERT INTO news_fts (news_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0, 0.0, 0.0, 0.0)')")
        # Whatever is already published becomes searchable at once.
        op.execute("INSERT INTO news_fts (rowid, title, summary, body, lang, district, article_id) "
                   "SELECT t.id, t.title, t.summary, t.body_md, t.lang, "
                   "coalesce('d' || a.district_id, 'national'), t.article_id "
                   "FROM article_texts t JOIN articles a ON a.id = t.article_id WHERE a.status = 'published'")
    elif dialect == 'postgresql':
        op.execute(f"ALTER TABLE article_texts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({PG_VECTOR}) STORED")
        op.execute("CREATE INDEX ix_article_texts_search ON article_texts USING gin (search_vector)")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute("DROP TABLE IF EXISTS news_fts")
    elif dialect == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_article_texts_search")
        op.execute("ALTER TABLE article_texts DROP COLUMN IF EXISTS search_vector")
    with op.batch_alter_table('news_subscriptions', schema=None) as batch_op:
        batch_op.drop_index('ix_news_subscriptions_digest')
    op.drop_table('news_subscriptions')
