"""The notification centre: each notification's kind and object, and each person's choice per kind.

Revision ID: 0020_notification_centre
Revises: 0019_ballot_day
"""
revision = '0020_notification_centre'
down_revision = '0019_ballot_day'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
