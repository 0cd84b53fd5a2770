"""Moderation: residents' reports on content, and blocks on taking part (the hidden_* columns come with each content table).

Revision ID: 0009_moderation
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = '0009_moderation'
down_revision = '0008_audit'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('moderation_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_type', sa.String(length=30), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('resolved_at', TS, nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('hidden', 'dismissed')", name=op.f('ck_moderation_reports_report_outcome_known')),
    sa.CheckConstraint('(resolved_at IS NULL) = (outcome IS NULL)', name=op.f('ck_moderation_reports_report_resolved_has_outcome')),
    sa.CheckConstraint('length(reason) BETWEEN 1 AND 500', name=op.f('ck_moderation_reports_report_reason_length')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_moderation_reports_district_id_districts')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_moderation_reports_reporter_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_moderation_reports_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_reports')),
    sa.UniqueConstraint('target_type', 'target_id', 'reporter_id', name='uq_moderation_reports_reporter')
    )
    with op.batch_alter_table('moderation_reports', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_reports_queue', ['district_id', 'resolved_at', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_reports_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index('ix_moderation_reports_target', ['target_type', 'target_id'], unique=False)

    op.create_table('user_blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('ends_at', TS, nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('lifted_at', TS, nullable=True),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('ends_at > created_at', name=op.f('ck_user_blocks_block_ends_after_start')),
    sa.CheckConstraint('length(reason) BETWEEN 1 AND 500', name=op.f('ck_user_blocks_block_reason_length')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_user_blocks_created_by_id_users')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_user_blocks_district_id_districts')),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['users.id'], name=op.f('fk_user_blocks_lifted_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_blocks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_blocks'))
    )
    with op.batch_alter_table('user_blocks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_blocks_district_id'), ['district_id'], unique=False)
        batch_op.create_index('ix_user_blocks_user', ['user_id', 'ends_at'], unique=False)



def downgrade():
    with op.batch_alter_table('user_blocks', schema=None) as batch_op:
        batch_op.drop_index('ix_user_blocks_user')
        batch_op.drop_index(batch_op.f('ix_user_blocks_district_id'))

    op.drop_table('user_blocks')
    with op.batch_alter_table('moderation_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_reports_target')
        batch_op.drop_index(batch_op.f('ix_moderation_reports_reporter_id'))
        batch_op.drop_index('ix_moderation_reports_queue')

    op.drop_table('moderation_reports')
