"""Area alerts: subscriptions to a district's public appeals and answers.

Revision ID: 0023_area_alerts
Revises: 0022_open311
"""
import sqlalchemy as sa
from alembic import op

revision = '0023_area_alerts'
down_revision = '0022_open311'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
# "Every category": NULLs are distinct in a unique constraint, so a partial index keeps that row single.
ALL_CATEGORIES = sa.text('category_id IS NULL')


def upgrade():
    op.create_table('alert_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('frequency', sa.String(length=8), server_default='instant', nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=8), server_default='pending', nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('confirmed_at', TS, nullable=True),
    sa.Column('ended_at', TS, nullable=True),
    sa.Column('last_period', sa.String(length=10), nullable=True),
    sa.Column('last_sent_at', TS, nullable=True),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_alert_subscriptions_alert_email_lowercase')),
    sa.CheckConstraint("lang IN ('az', 'ru', 'en')", name=op.f('ck_alert_subscriptions_alert_lang_known')),
    sa.CheckConstraint("status IN ('pending', 'active', 'ended')", name=op.f('ck_alert_subscriptions_alert_status_known')),
    sa.CheckConstraint("frequency IN ('instant', 'daily')", name=op.f('ck_alert_subscriptions_alert_frequency_known')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_alert_subscriptions_district_id_districts')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_alert_subscriptions_category_id_categories')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_alert_subscriptions_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_subscriptions')),
    sa.UniqueConstraint('email', 'district_id', 'category_id', 'lang', name='uq_alert_subscriptions_email_district_category_lang')
    )
    with op.batch_alter_table('alert_subscriptions', schema=None) as batch_op:
        batch_op.create_index('uq_alert_subscriptions_email_district_lang_all', ['email', 'district_id', 'lang'],
                              unique=True, sqlite_where=ALL_CATEGORIES, postgresql_where=ALL_CATEGORIES)
        batch_op.create_index('ix_alert_subscriptions_district_status', ['district_id', 'status', 'frequency'],
                              unique=False)
        batch_op.create_index('ix_alert_subscriptions_user_id', ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('alert_subscriptions', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_subscriptions_user_id')
        batch_op.drop_index('ix_alert_subscriptions_district_status')
        batch_op.drop_index('uq_alert_subscriptions_email_district_lang_all', sqlite_where=ALL_CATEGORIES,
                            postgresql_where=ALL_CATEGORIES)
    op.drop_table('alert_subscriptions')
