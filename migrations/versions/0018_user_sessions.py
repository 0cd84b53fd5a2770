"""Signed-in sessions kept on the server, so that signing out, a password change or a reset can end them.

Revision ID: 0018_user_sessions
Revises: 0017_outbox_queue
"""
import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = '0018_user_sessions'
down_revision = '0017_outbox_queue'
branch_labels = None
depends_on = None

REASONS = ("ended_reason IN ('sign_out', 'ended_by_owner', 'password_change', 'password_reset', 'deactivated', "
           "'two_factor_reset')")


def upgrade():
    # Sessions signed in before this revision carry no key: they end here, and their owners sign in once more.
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('last_seen_at', TS, nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=50), nullable=True),
    sa.Column('remembered', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('ended_at', TS, nullable=True),
    sa.Column('ended_reason', sa.String(length=20), nullable=True),
    sa.CheckConstraint(REASONS, name=op.f('ck_user_sessions_ended_reason_known')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_user_sessions_key_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_sessions_last_seen_at'), ['last_seen_at'], unique=False)


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_last_seen_at'))
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
