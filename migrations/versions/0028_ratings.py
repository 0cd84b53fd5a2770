"""Reserved for issue 19's ratings work (empty until it needs a schema change).

Revision ID: 0028_ratings
Revises: 0027_queue
"""

revision = '0028_ratings'
down_revision = '0027_queue'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
