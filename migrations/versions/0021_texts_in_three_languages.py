"""Texts staff write for residents, in az, ru and en: reception place and topics, an event's place, commitments.

Revision ID: 0021_texts_in_three_languages
Revises: 0020_notification_centre
"""
revision = '0021_texts_in_three_languages'
down_revision = '0020_notification_centre'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
