"""Accountability: appeal rollups per district, category and day or month; the deadline on each timeline step.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

COUNTERS = ("received", "registered", "answered", "on_time", "forwarded", "not_considered", "withdrawn",
            "reopened", "rating_count", "rating_sum", "r1", "r2", "r3", "r4", "r5")
# Working days to answer: d0 … d30, then d45 (31–45), d60 (46–60), d61 (over 60).
BUCKETS = tuple(f"d{n}" for n in (*range(31), 45, 60, 61))


def upgrade():
    op.create_table('appeal_stats',
    sa.Column('grain', sa.String(length=5), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    *[sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in COUNTERS + BUCKETS],
    sa.CheckConstraint("grain IN ('day', 'month')", name=op.f('ck_appeal_stats_grain_known')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_appeal_stats_category_id_categories')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_appeal_stats_district_id_districts')),
    sa.PrimaryKeyConstraint('grain', 'period', 'district_id', 'category_id', name=op.f('pk_appeal_stats'))
    )
    with op.batch_alter_table('appeal_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', TS, nullable=True))
    # The inbox index gains the category, so "overdue now" per district or per category reads the index alone.
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index('ix_appeals_district_status_due', ['district_id', 'status', 'due_at', 'category_id'],
                              unique=False)
        batch_op.drop_index('ix_appeals_inbox')
        # "Overdue now" across all districts: status and deadline first, read from the index alone.
        batch_op.create_index('ix_appeals_open_due', ['status', 'due_at', 'district_id', 'category_id'], unique=False)


def downgrade():
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index('ix_appeals_inbox', ['district_id', 'status', 'due_at'], unique=False)
        batch_op.drop_index('ix_appeals_district_status_due')
        batch_op.drop_index('ix_appeals_open_due')
    with op.batch_alter_table('appeal_events', schema=None) as batch_op:
        batch_op.drop_column('due_at')
    op.drop_table('appeal_stats')
