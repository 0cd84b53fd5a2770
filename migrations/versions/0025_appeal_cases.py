"""Duplicates: appeals about the same matter linked into one case.

Two new tables and no change to ``appeals``: an appeal's case is its row in ``appeal_case_members`` (the appeal id
is the key, so an appeal is in at most one case). Rebuilding ``appeals`` (what adding a column with a foreign key
takes on SQLite) would copy its largest table and drop what other revisions attach to it.

Revision ID: 0025_appeal_cases
Revises: 0024_similar_appeals
"""
import sqlalchemy as sa
from alembic import op

revision = '0025_appeal_cases'
down_revision = '0024_similar_appeals'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade():
    op.create_table('appeal_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_appeal_cases_created_by_id_users')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_appeal_cases_district_id_districts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_cases'))
    )
    with op.batch_alter_table('appeal_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_cases_district_id'), ['district_id'], unique=False)

    op.create_table('appeal_case_members',
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('linked_at', TS, nullable=False),
    sa.Column('linked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_appeal_case_members_appeal_id_appeals'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['appeal_cases.id'],
                            name=op.f('fk_appeal_case_members_case_id_appeal_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['linked_by_id'], ['users.id'], name=op.f('fk_appeal_case_members_linked_by_id_users')),
    sa.PrimaryKeyConstraint('appeal_id', name=op.f('pk_appeal_case_members'))
    )
    with op.batch_alter_table('appeal_case_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_case_members_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('appeal_case_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_case_members_case_id'))
    op.drop_table('appeal_case_members')
    with op.batch_alter_table('appeal_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_cases_district_id'))
    op.drop_table('appeal_cases')
