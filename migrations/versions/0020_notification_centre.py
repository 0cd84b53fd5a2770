"""The notification centre: each notification's kind and object, and each person's choice per kind.

Notifications written before this revision get the kind "general" (those about an appeal: "appeal.status", with
the appeal as their object) and the channel "in_app" (whether an email went with them was not recorded).

Revision ID: 0020_notification_centre
Revises: 0019_ballot_day
"""
import sqlalchemy as sa
from alembic import op

revision = '0020_notification_centre'
down_revision = '0019_ballot_day'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
CHANNELS = "channel IN ('in_app', 'email', 'digest')"

notifications = sa.table(
    'notifications',
    sa.column('appeal_id', sa.Integer()),
    sa.column('kind', sa.String()),
    sa.column('object_type', sa.String()),
    sa.column('object_id', sa.Integer()),
    sa.column('channel', sa.String()),
)


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('object_type', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('object_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('channel', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('digested_at', TS, nullable=True))
    connection = op.get_bind()
    connection.execute(notifications.update().where(notifications.c.appeal_id.isnot(None))
                       .values(kind='appeal.status', object_type='appeal', object_id=notifications.c.appeal_id))
    connection.execute(notifications.update().where(notifications.c.kind.is_(None)).values(kind='general'))
    connection.execute(notifications.update().values(channel='in_app'))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=60), nullable=False)
        batch_op.alter_column('channel', existing_type=sa.String(length=10), nullable=False)
        batch_op.create_check_constraint('channel_known', CHANNELS)
        batch_op.create_index('ix_notifications_user_created', ['user_id', 'created_at'], unique=False)
        batch_op.create_index('ix_notifications_digest', ['channel', 'digested_at'], unique=False)
        batch_op.create_index('ix_notifications_object', ['object_type', 'object_id', 'kind'], unique=False)

    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.CheckConstraint(CHANNELS, name=op.f('ck_notification_preferences_channel_known')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_preferences'))
    )


def downgrade():
    op.drop_table('notification_preferences')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_object')
        batch_op.drop_index('ix_notifications_digest')
        batch_op.drop_index('ix_notifications_user_created')
        batch_op.drop_constraint(op.f('ck_notifications_channel_known'), type_='check')
        batch_op.drop_column('digested_at')
        batch_op.drop_column('channel')
        batch_op.drop_column('object_id')
        batch_op.drop_column('object_type')
        batch_op.drop_column('kind')
