"""The ASAN index weights (issue 19, item 3): a second version of the service index's weights, in force from
1 January 2027, that also weighs the ASAN criteria (courtesy, clarity of the answer, outcome) and the front desk's
waiting. No schema change.

Why from the start of the next year: a period's index is computed with the weights in force at the period's end,
so a version dated in the future changes no figure already published; and the pages, the open data and the yearly
cost per transaction are read by calendar year, so one year is weighed by one version throughout. Administrators
add later versions at /admin/index-weights.

Revision ID: 0030_kpi
Revises: 0029_drafts
"""
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = '0030_kpi'
down_revision = '0029_drafts'
branch_labels = None
depends_on = None

ASAN_FROM = date(2027, 1, 1)
ASAN_WEIGHTS = {"speed": 15, "on_time": 25, "satisfaction": 15, "openness": 10, "courtesy": 10, "clarity": 10,
                "outcome": 10, "waiting": 5}
NOTE = "The ASAN criteria in the index: courtesy, clarity, outcome and the front desk's waiting (issue 19)."


def _weights():
    return sa.table('index_weights', sa.column('effective_from', sa.Date()), sa.column('weights', sa.JSON()),
                    sa.column('note', sa.Text()), sa.column('created_at', sa.DateTime(timezone=True)))


def upgrade():
    weights = _weights()
    bind = op.get_bind()
    # Idempotent with an administrator who already dated a version that day: theirs is kept.
    if bind.execute(sa.select(weights.c.effective_from).where(weights.c.effective_from == ASAN_FROM)).first():
        return
    bind.execute(weights.insert().values(
        effective_from=ASAN_FROM, weights=ASAN_WEIGHTS, created_at=sa.func.current_timestamp(),
        note=NOTE))


def downgrade():
    # Only the version this migration added (an administrator's version of that day is theirs).
    weights = _weights()
    op.get_bind().execute(weights.delete().where(weights.c.effective_from == ASAN_FROM, weights.c.note == NOTE))
