"""Reserved for issue 19's queue work (empty until it needs a schema change).

Revision ID: 0027_queue
Revises: 0026_asan_front_desk
"""

revision = '0027_queue'
down_revision = '0026_asan_front_desk'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
