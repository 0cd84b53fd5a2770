"""The outbox becomes the mail queue: queued and sending states, attempts, the next attempt's time, the
claim of a worker, the time sent, extra headers, and the attached files kept until delivery.

Revision ID: 0017_outbox_queue
Revises: 0016_consultations
"""
import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = '0017_outbox_queue'
down_revision = '0016_consultations'
branch_labels = None
depends_on = None

NEW = "status IN ('queued', 'sending', 'sent', 'logged', 'failed')"
OLD = "status IN ('sent', 'logged', 'failed')"


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headers', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('next_attempt_at', TS, nullable=True))
        batch_op.add_column(sa.Column('claimed_at', TS, nullable=True))
        batch_op.add_column(sa.Column('sent_at', TS, nullable=True))
        batch_op.drop_constraint(op.f('ck_outbox_status_known'), type_='check')
        batch_op.create_check_constraint('status_known', NEW)
        batch_op.create_index('ix_outbox_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)

    op.create_table('outbox_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['outbox.id'], name=op.f('fk_outbox_attachments_message_id_outbox'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attachments'))
    )
    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_attachments_message_id'), ['message_id'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_attachments_message_id'))
    op.drop_table('outbox_attachments')
    # Messages still waiting cannot be told apart in the old schema: they count as failed.
    op.execute("UPDATE outbox SET status = 'failed' WHERE status IN ('queued', 'sending')")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next_attempt_at')
        batch_op.drop_constraint(op.f('ck_outbox_status_known'), type_='check')
        batch_op.create_check_constraint('status_known', OLD)
        batch_op.drop_column('sent_at')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('headers')
