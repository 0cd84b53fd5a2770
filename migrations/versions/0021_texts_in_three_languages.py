"""Texts staff write for residents, in az, ru and en: reception place and topics, an event's place, commitments.

``reception_sessions.place`` and ``.topics`` become ``place_az`` and ``topics_az`` (existing rows keep their text
there) with ``_ru`` and ``_en`` beside them; ``articles.place`` becomes ``place_az`` with ``place_ru`` and
``place_en``. Polls' descriptions and commitments (descriptions, milestone titles) already had their three columns.
The translations are optional (NULL: shown in Azerbaijani). The renames run in place (``ALTER TABLE … RENAME
COLUMN``, SQLite 3.25+ and PostgreSQL), so the tables keep their constraints and are not copied.

Revision ID: 0021_texts_in_three_languages
Revises: 0020_notification_centre
"""
import sqlalchemy as sa
from alembic import op

revision = '0021_texts_in_three_languages'
down_revision = '0020_notification_centre'
branch_labels = None
depends_on = None


# (table, column, type, NOT NULL in Azerbaijani)
TRANSLATED = (
    ('reception_sessions', 'place', sa.String(length=300), True),
    ('reception_sessions', 'topics', sa.Text(), False),
    ('articles', 'place', sa.String(length=300), False),
)


def upgrade():
    for table, column, type_, required in TRANSLATED:
        # recreate='never': a rename in place on SQLite too, instead of copying the table (and its constraints).
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            batch_op.alter_column(column, new_column_name=f'{column}_az', existing_type=type_,
                                  existing_nullable=not required)
            batch_op.add_column(sa.Column(f'{column}_ru', type_, nullable=True))
            batch_op.add_column(sa.Column(f'{column}_en', type_, nullable=True))


def downgrade():
    # The Russian and English texts are dropped; the Azerbaijani ones go back to the single column.
    for table, column, type_, required in reversed(TRANSLATED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(f'{column}_en')
            batch_op.drop_column(f'{column}_ru')
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            batch_op.alter_column(f'{column}_az', new_column_name=column, existing_type=type_,
                                  existing_nullable=not required)
