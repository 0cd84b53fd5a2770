"""Reserved for issue 19's kpi work (empty until it needs a schema change).

Revision ID: 0030_kpi
Revises: 0029_drafts
"""

revision = '0030_kpi'
down_revision = '0029_drafts'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
