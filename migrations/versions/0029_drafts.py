"""Reserved for issue 19's drafts work (empty until it needs a schema change).

Revision ID: 0029_drafts
Revises: 0028_ratings
"""

revision = '0029_drafts'
down_revision = '0028_ratings'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
