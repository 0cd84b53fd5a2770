"""Appeals: the record, numbering, timeline, messages, attachments, notifications.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('appeal_sequences',
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_appeal_sequences_district_id_districts')),
    sa.PrimaryKeyConstraint('district_id', 'year', name=op.f('pk_appeal_sequences'))
    )
    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('source', sa.String(length=10), server_default='web', nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('applicant_name', sa.String(length=200), nullable=False),
    sa.Column('applicant_address', sa.String(length=300), nullable=True),
    sa.Column('applicant_phone', sa.String(length=32), nullable=True),
    sa.Column('location_lat', sa.Float(), nullable=True),
    sa.Column('location_lon', sa.Float(), nullable=True),
    sa.Column('confidential', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('public_ok', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('urgent', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('extra_study', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('locale', sa.String(length=2), server_default='az', nullable=False),
    sa.Column('submission_token', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='submitted', nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('registered_at', TS, nullable=False),
    sa.Column('due_at', TS, nullable=False),
    sa.Column('initial_due_at', TS, nullable=False),
    sa.Column('extended_at', TS, nullable=True),
    sa.Column('extension_days', sa.Integer(), nullable=True),
    sa.Column('extension_reason', sa.Text(), nullable=True),
    sa.Column('answered_at', TS, nullable=True),
    sa.Column('closed_at', TS, nullable=True),
    sa.Column('escalated_at', TS, nullable=True),
    sa.Column('updated_at', TS, nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('forwarded_to', sa.String(length=300), nullable=True),
    sa.Column('not_considered_ground', sa.String(length=20), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=True),
    sa.Column('rated_at', TS, nullable=True),
    sa.Column('reopen_count', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint("kind IN ('application', 'proposal', 'complaint')", name=op.f('ck_appeals_kind_known')),
    sa.CheckConstraint("not_considered_ground IS NULL OR not_considered_ground IN ('anonymous', 'repeated', 'court_decision', 'withdrawn', 'no_substance')", name=op.f('ck_appeals_ground_known')),
    sa.CheckConstraint("source IN ('web', 'reception', 'api')", name=op.f('ck_appeals_source_known')),
    sa.CheckConstraint("status IN ('submitted', 'registered', 'in_progress', 'info_requested', 'answered', 'closed', 'reopened', 'forwarded', 'not_considered')", name=op.f('ck_appeals_status_known')),
    sa.CheckConstraint('length(text) <= 10000', name=op.f('ck_appeals_text_length')),
    sa.CheckConstraint('rating IS NULL OR (rating BETWEEN 1 AND 5)', name=op.f('ck_appeals_rating_range')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_appeals_assignee_id_users')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_appeals_category_id_categories')),
    sa.ForeignKeyConstraint(['citizen_id'], ['users.id'], name=op.f('fk_appeals_citizen_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_appeals_department_id_departments')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_appeals_district_id_districts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals')),
    sa.UniqueConstraint('citizen_id', 'submission_token', name='uq_appeals_submission'),
    sa.UniqueConstraint('number', name=op.f('uq_appeals_number'))
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_category_id'), ['category_id'], unique=False)
        batch_op.create_index('ix_appeals_citizen', ['citizen_id', 'created_at'], unique=False)
        batch_op.create_index('ix_appeals_district_due', ['district_id', 'due_at'], unique=False)
        batch_op.create_index('ix_appeals_district_created', ['district_id', 'created_at'], unique=False)
        batch_op.create_index('ix_appeals_inbox', ['district_id', 'status', 'due_at'], unique=False)
        batch_op.create_index('ix_appeals_public', ['district_id', 'public_ok', 'created_at'], unique=False)

    op.create_table('appeal_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_appeal_events_actor_id_users')),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_appeal_events_appeal_id_appeals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_events'))
    )
    with op.batch_alter_table('appeal_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_events_appeal_id'), ['appeal_id'], unique=False)

    op.create_table('appeal_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('internal', sa.Boolean(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_appeal_messages_appeal_id_appeals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_appeal_messages_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_messages'))
    )
    with op.batch_alter_table('appeal_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_messages_appeal_id'), ['appeal_id'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('internal', sa.Boolean(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.CheckConstraint('size > 0', name=op.f('ck_attachments_size_positive')),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_attachments_appeal_id_appeals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_attachments_stored_name'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_appeal_id'), ['appeal_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('read_at', TS, nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_notifications_appeal_id_appeals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user', ['user_id', 'read_at', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user')

    op.drop_table('notifications')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_appeal_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('appeal_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_messages_appeal_id'))

    op.drop_table('appeal_messages')
    with op.batch_alter_table('appeal_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_events_appeal_id'))

    op.drop_table('appeal_events')
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index('ix_appeals_public')
        batch_op.drop_index('ix_appeals_inbox')
        batch_op.drop_index('ix_appeals_district_created')
        batch_op.drop_index('ix_appeals_district_due')
        batch_op.drop_index('ix_appeals_citizen')
        batch_op.drop_index(batch_op.f('ix_appeals_category_id'))
        batch_op.drop_index(batch_op.f('ix_appeals_assignee_id'))

    op.drop_table('appeals')
    op.drop_table('appeal_sequences')
