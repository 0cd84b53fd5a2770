"""Citizen proposals: per-district threshold settings, proposals with their answer, one support per resident;
the commitment links' proposal column gains its foreign key.

Revision ID: 0013_proposals
Revises: 0009_moderation
"""
import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = '0013_proposals'
down_revision = '0012_news'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('proposal_settings',
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.Integer(), server_default='100', nullable=False),
    sa.Column('period_days', sa.Integer(), server_default='90', nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', TS, nullable=False),
    sa.CheckConstraint('period_days BETWEEN 7 AND 365', name=op.f('ck_proposal_settings_period_range')),
    sa.CheckConstraint('threshold BETWEEN 1 AND 1000000', name=op.f('ck_proposal_settings_threshold_range')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_proposal_settings_district_id_districts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_proposal_settings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('district_id', name=op.f('pk_proposal_settings'))
    )
    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('image_name', sa.String(length=64), nullable=True),
    sa.Column('image_type', sa.String(length=20), nullable=True),
    sa.Column('state', sa.String(length=20), server_default='draft', nullable=False),
    sa.Column('threshold', sa.Integer(), server_default='100', nullable=False),
    sa.Column('supports_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('published_at', TS, nullable=True),
    sa.Column('support_until', TS, nullable=True),
    sa.Column('threshold_reached_at', TS, nullable=True),
    sa.Column('response_due_at', TS, nullable=True),
    sa.Column('decision', sa.String(length=20), nullable=True),
    sa.Column('response', sa.Text(), nullable=True),
    sa.Column('answered_at', TS, nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', TS, nullable=True),
    sa.Column('implemented_at', TS, nullable=True),
    sa.Column('expired_at', TS, nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.Column('hidden_at', TS, nullable=True),
    sa.Column('hidden_reason', sa.String(length=500), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("decision IS NULL OR decision IN ('accepted', 'partly_accepted', 'rejected')", name=op.f('ck_proposals_decision_known')),
    sa.CheckConstraint("state = 'draft' OR (published_at IS NOT NULL AND support_until IS NOT NULL)", name=op.f('ck_proposals_published_has_period')),
    sa.CheckConstraint("state IN ('draft', 'published', 'threshold_reached', 'answered', 'in_progress', 'implemented', 'expired')", name=op.f('ck_proposals_state_known')),
    sa.CheckConstraint("state NOT IN ('answered', 'in_progress', 'implemented') OR (decision IS NOT NULL AND response IS NOT NULL AND answered_at IS NOT NULL)", name=op.f('ck_proposals_answered_has_decision')),
    sa.CheckConstraint('length(body) BETWEEN 1 AND 5000', name=op.f('ck_proposals_body_length')),
    sa.CheckConstraint('length(title) BETWEEN 1 AND 150', name=op.f('ck_proposals_title_length')),
    sa.CheckConstraint('supports_count >= 0', name=op.f('ck_proposals_supports_positive')),
    sa.CheckConstraint('threshold BETWEEN 1 AND 1000000', name=op.f('ck_proposals_threshold_range')),
    sa.CheckConstraint('threshold_reached_at IS NULL OR response_due_at IS NOT NULL', name=op.f('ck_proposals_reached_has_due')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_proposals_answered_by_id_users')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_proposals_hidden_by_id_users')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_proposals_author_id_users')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_proposals_category_id_categories')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_proposals_district_id_districts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_proposals_district_state', ['district_id', 'state', 'published_at'], unique=False)
        batch_op.create_index('ix_proposals_state_until', ['state', 'support_until'], unique=False)

    op.create_table('proposal_supports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['users.id'], name=op.f('fk_proposal_supports_citizen_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_supports_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_supports')),
    sa.UniqueConstraint('proposal_id', 'citizen_id', name='uq_proposal_supports_citizen')
    )
    with op.batch_alter_table('proposal_supports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_supports_citizen_id'), ['citizen_id'], unique=False)

    with op.batch_alter_table('commitment_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_links_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_commitment_links_proposal_id_proposals'), 'proposals', ['proposal_id'], ['id'], ondelete='CASCADE')



def downgrade():
    with op.batch_alter_table('commitment_links', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_commitment_links_proposal_id_proposals'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_commitment_links_proposal_id'))

    with op.batch_alter_table('proposal_supports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_supports_citizen_id'))

    op.drop_table('proposal_supports')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_proposals_state_until')
        batch_op.drop_index('ix_proposals_district_state')
        batch_op.drop_index(batch_op.f('ix_proposals_author_id'))

    op.drop_table('proposals')
    op.drop_table('proposal_settings')
