"""The queue's hall screen: when a ticket was last announced (called, or called again).

A recall shows the number on the hall screen again without changing ``called_at``, from which the waiting time
is measured; the screen orders its numbers by ``announced_at``.

Revision ID: 0027_queue
Revises: 0026_asan_front_desk
"""
import sqlalchemy as sa
from alembic import op

revision = '0027_queue'
down_revision = '0026_asan_front_desk'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('queue_tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announced_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('queue_tickets', schema=None) as batch_op:
        batch_op.drop_column('announced_at')
