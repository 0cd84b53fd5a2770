"""Similar appeals: the appeals' full-text index and the followers of an appeal.

The index lets a resident who is writing an appeal see the open public appeals of the same district and category
that look alike (app/appeals/similar.py).

- SQLite: an FTS5 table ``appeals_fts`` over the appeals themselves (external content: it stores only the index,
  and reads nothing back), of the subject, the text, and the district and category ids as keys, so that a search
  narrows to one district and category inside the index. Three triggers keep it in step with every write to
  ``appeals``, whoever makes it (the filing use case, the demo seeder, a restore). A later migration that rebuilds
  ``appeals`` on SQLite (``batch_alter_table`` with a copy) drops these triggers and must create them again.
- PostgreSQL: a stored generated tsvector column ``appeals.search_vector`` (the 'simple' configuration: no
  stemming, as none exists for Azerbaijani; the subject weighs A, the text B) with a GIN index. PostgreSQL keeps it.
  The Latin letters with diacritics are folded first (ü = u, ş = s; ə and ı stay), as SQLite's tokenizer folds
  them, so that both engines find the same appeals (app/appeals/similar.py folds the words searched alike).

Revision ID: 0024_similar_appeals
Revises: 0023_area_alerts
"""
import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = '0024_similar_appeals'
down_revision = '0023_area_alerts'
branch_labels = None
depends_on = None

FTS_COLUMNS = "subject, text, district_id, category_id"
# The same pairs as app/appeals/similar.py FOLD_FROM / FOLD_TO (a migration keeps its own copy).
FOLD_FROM = "ÇçĞğİÖöŞşÜüÂâÄäÁáÀàÉéÈèÊêËëÍíÌìÎîÏïÓóÒòÔôÚúÙùÛûÑñÝýŸÿ"
FOLD_TO = "CcGgIOoSsUuAaAaAaAaEeEeEeEeIiIiIiIiOoOoOoUuUuUuNnYyYy"


def _folded(column: str) -> str:
    return f"to_tsvector('simple'::regconfig, translate(coalesce({column}, ''), '{FOLD_FROM}', '{FOLD_TO}'))"


PG_VECTOR = f"setweight({_folded('subject')}, 'A') || setweight({_folded('text')}, 'B')"
TRIGGERS = ("appeals_fts_after_insert", "appeals_fts_after_delete", "appeals_fts_after_update")


def upgrade():
    op.create_table('appeal_followers',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_appeal_followers_appeal_id_appeals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_appeal_followers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'appeal_id', name=op.f('pk_appeal_followers'))
    )
    with op.batch_alter_table('appeal_followers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_followers_appeal_id'), ['appeal_id'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        # Diacritics folded (ü = u, ş = s) so that a word typed without them still matches; ə stays ə.
        op.execute(f"CREATE VIRTUAL TABLE appeals_fts USING fts5({FTS_COLUMNS}, content='appeals', "
                   "content_rowid='id', tokenize='unicode61 remove_diacritics 2')")
        new = "new.id, new.subject, new.text, new.district_id, new.category_id"
        old = "'delete', old.id, old.subject, old.text, old.district_id, old.category_id"
        insert = f"INSERT INTO appeals_fts (rowid, {FTS_COLUMNS}) VALUES ({new});"
        # An external-content index forgets a row by being told the values it indexed: the old row's.
        delete = f"INSERT INTO appeals_fts (appeals_fts, rowid, {FTS_COLUMNS}) VALUES ({old});"
        op.execute(f"CREATE TRIGGER appeals_fts_after_insert AFTER INSERT ON appeals BEGIN {insert} END")
        op.execute(f"CREATE TRIGGER appeals_fts_after_delete AFTER DELETE ON appeals BEGIN {delete} END")
        op.execute(f"CREATE TRIGGER appeals_fts_after_update AFTER UPDATE OF {FTS_COLUMNS} ON appeals "
                   f"BEGIN {delete} {insert} END")
        # The appeals filed so far become searchable at once.
        op.execute("INSERT INTO appeals_fts (appeals_fts) VALUES ('rebuild')")
    elif dialect == 'postgresql':
        op.execute(f"ALTER TABLE appeals ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({PG_VECTOR}) STORED")
        op.execute("CREATE INDEX ix_appeals_search ON appeals USING gin (search_vector)")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for trigger in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS appeals_fts")
    elif dialect == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_appeals_search")
        op.execute("ALTER TABLE appeals DROP COLUMN IF EXISTS search_vector")
    with op.batch_alter_table('appeal_followers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_followers_appeal_id'))
    op.drop_table('appeal_followers')
