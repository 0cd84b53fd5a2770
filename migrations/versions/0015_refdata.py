"""Reference data in the portal: department kinds and each category's default kind, the working-day calendar's
exceptions declared by government decisions, and closed accounts.

Revision ID: 0015_refdata
Revises: 0011_staff
"""
import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = '0015_refdata'
down_revision = '0014_news_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('decision', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.CheckConstraint("kind IN ('rest_day', 'working_day')", name=op.f('ck_calendar_exceptions_calendar_kind_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_calendar_exceptions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_exceptions')),
    sa.UniqueConstraint('day', name=op.f('uq_calendar_exceptions_day'))
    )
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint('uq_departments_district_kind', ['district_id', 'kind'])
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_department_kind', sa.String(length=40), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', TS, nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('closed_at')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('default_department_kind')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_constraint('uq_departments_district_kind', type_='unique')
        batch_op.drop_column('kind')
    op.drop_table('calendar_exceptions')
