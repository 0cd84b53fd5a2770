"""Commitments: what a district promised, its milestones, the appeals it answers, residents' word on delivery.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)
MONEY = sa.Numeric(precision=14, scale=2)

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('title_az', sa.String(length=200), nullable=False),
    sa.Column('title_ru', sa.String(length=200), nullable=True),
    sa.Column('title_en', sa.String(length=200), nullable=True),
    sa.Column('description_az', sa.Text(), nullable=False),
    sa.Column('description_ru', sa.Text(), nullable=True),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=12), server_default='planned', nullable=False),
    sa.Column('progress', sa.Integer(), server_default='0', nullable=False),
    sa.Column('planned_start', sa.Date(), nullable=False),
    sa.Column('planned_end', sa.Date(), nullable=False),
    sa.Column('actual_start', sa.Date(), nullable=True),
    sa.Column('actual_end', sa.Date(), nullable=True),
    sa.Column('planned_cost', MONEY, nullable=True),
    sa.Column('actual_cost', MONEY, nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'completed', 'cancelled')", name=op.f('ck_commitments_commitment_status_known')),
    sa.CheckConstraint('progress BETWEEN 0 AND 100', name=op.f('ck_commitments_progress_range')),
    sa.CheckConstraint("status != 'completed' OR progress = 100", name=op.f('ck_commitments_completed_is_whole')),
    sa.CheckConstraint('planned_end >= planned_start', name=op.f('ck_commitments_planned_end_after_start')),
    sa.CheckConstraint('actual_end IS NULL OR actual_start IS NULL OR actual_end >= actual_start', name=op.f('ck_commitments_actual_end_after_start')),
    sa.CheckConstraint('planned_cost IS NULL OR planned_cost >= 0', name=op.f('ck_commitments_planned_cost_positive')),
    sa.CheckConstraint('actual_cost IS NULL OR actual_cost >= 0', name=op.f('ck_commitments_actual_cost_positive')),
    sa.CheckConstraint('length(title_az) <= 200', name=op.f('ck_commitments_title_length')),
    sa.CheckConstraint('length(description_az) <= 5000', name=op.f('ck_commitments_description_length')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_commitments_district_id_districts')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_commitments_department_id_departments')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_commitments_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitments'))
    )
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.create_index('ix_commitments_district', ['district_id', 'status', 'planned_end'], unique=False)

    op.create_table('commitment_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('title_az', sa.String(length=200), nullable=False),
    sa.Column('title_ru', sa.String(length=200), nullable=True),
    sa.Column('title_en', sa.String(length=200), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.CheckConstraint('length(title_az) <= 200', name=op.f('ck_commitment_milestones_milestone_title_length')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_commitment_milestones_commitment_id_commitments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_milestones'))
    )
    with op.batch_alter_table('commitment_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_milestones_commitment_id'), ['commitment_id'], unique=False)

    # proposal_id has no foreign key yet: the proposals table arrives with e-participation, whose migration adds it.
    op.create_table('commitment_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), server_default='appeal', nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=True),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.CheckConstraint("kind IN ('appeal', 'proposal')", name=op.f('ck_commitment_links_link_kind_known')),
    sa.CheckConstraint("(kind = 'appeal' AND appeal_id IS NOT NULL AND proposal_id IS NULL) OR (kind = 'proposal' AND proposal_id IS NOT NULL AND appeal_id IS NULL)", name=op.f('ck_commitment_links_link_target_matches_kind')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_commitment_links_commitment_id_commitments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_commitment_links_appeal_id_appeals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_commitment_links_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_links')),
    sa.UniqueConstraint('commitment_id', 'appeal_id', name='uq_commitment_links_appeal'),
    sa.UniqueConstraint('commitment_id', 'proposal_id', name='uq_commitment_links_proposal')
    )
    with op.batch_alter_table('commitment_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_links_appeal_id'), ['appeal_id'], unique=False)

    op.create_table('commitment_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('delivered', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.CheckConstraint('comment IS NULL OR length(comment) <= 1000', name=op.f('ck_commitment_feedback_comment_length')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_commitment_feedback_commitment_id_commitments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['citizen_id'], ['users.id'], name=op.f('fk_commitment_feedback_citizen_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_feedback')),
    sa.UniqueConstraint('commitment_id', 'citizen_id', name='uq_commitment_feedback_citizen')
    )
    with op.batch_alter_table('commitment_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_feedback_citizen_id'), ['citizen_id'], unique=False)


def downgrade():
    with op.batch_alter_table('commitment_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_feedback_citizen_id'))

    op.drop_table('commitment_feedback')
    with op.batch_alter_table('commitment_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_links_appeal_id'))

    op.drop_table('commitment_links')
    with op.batch_alter_table('commitment_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_milestones_commitment_id'))

    op.drop_table('commitment_milestones')
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.drop_index('ix_commitments_district')

    op.drop_table('commitments')
