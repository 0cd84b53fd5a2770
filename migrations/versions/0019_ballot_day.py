"""The secret ballot: a poll participation keeps only its day, never the moment of the vote.

``poll_participations.created_at`` (a timestamp to the microsecond) becomes ``voted_on`` (the day in Baku).
Existing rows keep the day their vote was cast on, in Baku; the moment is dropped for good (the downgrade
puts back midnight of that day, Baku time, not the lost time).

Revision ID: 0019_ballot_day
Revises: 0018_user_sessions
"""
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0019_ballot_day'
down_revision = '0018_user_sessions'
branch_labels = None
depends_on = None

BAKU = ZoneInfo("Asia/Baku")
TS = sa.DateTime(timezone=True)

participations = sa.table(
    'poll_participations',
    sa.column('id', sa.Integer()),
    sa.column('created_at', TS),
    sa.column('voted_on', sa.Date()),
)


def _baku_day(moment: datetime):
    # SQLite hands back naive UTC times, PostgreSQL aware ones.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(BAKU).date()


def upgrade():
    with op.batch_alter_table('poll_participations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voted_on', sa.Date(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(participations.c.id, participations.c.created_at)).all()
    for row_id, moment in rows:
        connection.execute(participations.update().where(participations.c.id == row_id)
                           .values(voted_on=_baku_day(moment)))
    with op.batch_alter_table('poll_participations', schema=None) as batch_op:
        batch_op.alter_column('voted_on', existing_type=sa.Date(), nullable=False)
        batch_op.drop_column('created_at')


def downgrade():
    with op.batch_alter_table('poll_participations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_at', TS, nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(participations.c.id, participations.c.voted_on)).all()
    for row_id, day in rows:
        midnight = datetime.combine(day, time(0), tzinfo=BAKU).astimezone(UTC)
        connection.execute(participations.update().where(participations.c.id == row_id)
                           .values(created_at=midnight))
    with op.batch_alter_table('poll_participations', schema=None) as batch_op:
        batch_op.alter_column('created_at', existing_type=TS, nullable=False)
        batch_op.drop_column('voted_on')
