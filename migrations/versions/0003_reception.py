"""Reception: the head's sessions, their slots, residents' bookings (one per seat, enforced here).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment_names', sa.Text(), nullable=True))

    op.create_table('reception_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('host_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', TS, nullable=False),
    sa.Column('ends_at', TS, nullable=False),
    sa.Column('slot_minutes', sa.Integer(), nullable=False),
    sa.Column('seats_per_slot', sa.Integer(), server_default='1', nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('topics', sa.Text(), nullable=True),
    sa.Column('cutoff_hours', sa.Integer(), server_default='24', nullable=False),
    sa.Column('status', sa.String(length=10), server_default='scheduled', nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('cancelled_at', TS, nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.CheckConstraint("status IN ('scheduled', 'cancelled')", name=op.f('ck_reception_sessions_session_status_known')),
    sa.CheckConstraint('cutoff_hours BETWEEN 0 AND 336', name=op.f('ck_reception_sessions_cutoff_range')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_reception_sessions_ends_after_start')),
    sa.CheckConstraint('seats_per_slot BETWEEN 1 AND 20', name=op.f('ck_reception_sessions_seats_range')),
    sa.CheckConstraint('slot_minutes BETWEEN 5 AND 240', name=op.f('ck_reception_sessions_slot_length')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_reception_sessions_created_by_id_users')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_reception_sessions_district_id_districts')),
    sa.ForeignKeyConstraint(['host_id'], ['users.id'], name=op.f('fk_reception_sessions_host_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reception_sessions'))
    )
    with op.batch_alter_table('reception_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_reception_sessions_district', ['district_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_reception_sessions_host', ['host_id', 'starts_at'], unique=False)

    op.create_table('reception_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('starts_at', TS, nullable=False),
    sa.Column('ends_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['reception_sessions.id'], name=op.f('fk_reception_slots_session_id_reception_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reception_slots'))
    )
    with op.batch_alter_table('reception_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reception_slots_session_id'), ['session_id'], unique=False)

    op.create_table('reception_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('seat', sa.Integer(), nullable=False),
    sa.Column('queue_number', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=12), server_default='booked', nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('cancelled_at', TS, nullable=True),
    sa.Column('checked_in_at', TS, nullable=True),
    sa.Column('reminded_at', TS, nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('appeal_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('booked', 'cancelled', 'checked_in', 'attended', 'no_show')", name=op.f('ck_reception_bookings_booking_status_known')),
    sa.CheckConstraint('length(topic) <= 300', name=op.f('ck_reception_bookings_topic_length')),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_reception_bookings_appeal_id_appeals')),
    sa.ForeignKeyConstraint(['citizen_id'], ['users.id'], name=op.f('fk_reception_bookings_citizen_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['reception_sessions.id'], name=op.f('fk_reception_bookings_session_id_reception_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['reception_slots.id'], name=op.f('fk_reception_bookings_slot_id_reception_slots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reception_bookings')),
    sa.UniqueConstraint('number', name=op.f('uq_reception_bookings_number'))
    )
    with op.batch_alter_table('reception_bookings', schema=None) as batch_op:
        batch_op.create_index('ix_reception_bookings_citizen', ['citizen_id', 'created_at'], unique=False)
        batch_op.create_index('uq_reception_resident', ['session_id', 'citizen_id'], unique=True, sqlite_where=sa.text("status != 'cancelled'"), postgresql_where=sa.text("status != 'cancelled'"))
        batch_op.create_index('uq_reception_seat', ['slot_id', 'seat'], unique=True, sqlite_where=sa.text("status != 'cancelled'"), postgresql_where=sa.text("status != 'cancelled'"))



def downgrade():
    with op.batch_alter_table('reception_bookings', schema=None) as batch_op:
        batch_op.drop_index('uq_reception_seat', sqlite_where=sa.text("status != 'cancelled'"), postgresql_where=sa.text("status != 'cancelled'"))
        batch_op.drop_index('uq_reception_resident', sqlite_where=sa.text("status != 'cancelled'"), postgresql_where=sa.text("status != 'cancelled'"))
        batch_op.drop_index('ix_reception_bookings_citizen')

    op.drop_table('reception_bookings')
    with op.batch_alter_table('reception_slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reception_slots_session_id'))

    op.drop_table('reception_slots')
    with op.batch_alter_table('reception_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_reception_sessions_host')
        batch_op.drop_index('ix_reception_sessions_district')

    op.drop_table('reception_sessions')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('attachment_names')
