"""Polls: questions in az/ru/en with their options and tallies, residents' participation, proposed topics.

The secret ballot is in the shape: participations (who took part, when) and the
options' tallies (how many chose what) share no column, key or time.

Revision ID: 0010_polls
Revises: 0009_moderation
"""
import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = '0010_polls'
down_revision = '0009_moderation'
branch_labels = None
depends_on = None

DIRECTIONS = ("public_spaces", "transport", "utilities", "education", "health", "culture_sport", "social",
              "environment", "economy", "other")


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.create_table(
        'poll_topics',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('direction', sa.String(length=20), nullable=False),
        sa.Column('kind', sa.String(length=10), server_default='single', nullable=False),
        sa.Column('question', sa.String(length=300), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('options', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), server_default='submitted', nullable=False),
        sa.Column('reason', sa.String(length=1000), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('updated_at', TS, nullable=False),
        sa.CheckConstraint(_one_of('status', ('submitted', 'changes_requested', 'rejected', 'approved')),
                           name='poll_topic_status_known'),
        sa.CheckConstraint(_one_of('kind', ('single', 'multiple')), name='poll_topic_kind_known'),
        sa.CheckConstraint(_one_of('direction', DIRECTIONS), name='poll_topic_direction_known'),
        sa.CheckConstraint('length(question) <= 300', name='poll_topic_question_length'),
        sa.CheckConstraint("status != 'rejected' OR reason IS NOT NULL", name='poll_topic_rejection_has_reason'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['district_id'], ['districts.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_poll_topics_author_id', 'poll_topics', ['author_id'])
    op.create_index('ix_poll_topics_district_status', 'poll_topics', ['district_id', 'status'])

    op.create_table(
        'polls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=True),
        sa.Column('direction', sa.String(length=20), nullable=False),
        sa.Column('kind', sa.String(length=10), server_default='single', nullable=False),
        sa.Column('question_az', sa.String(length=300), nullable=False),
        sa.Column('question_ru', sa.String(length=300), nullable=True),
        sa.Column('question_en', sa.String(length=300), nullable=True),
        sa.Column('description_az', sa.Text(), nullable=True),
        sa.Column('description_ru', sa.Text(), nullable=True),
        sa.Column('description_en', sa.Text(), nullable=True),
        sa.Column('opens_at', TS, nullable=False),
        sa.Column('closes_at', TS, nullable=False),
        sa.Column('results_visibility', sa.String(length=12), server_default='after_vote', nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('updated_at', TS, nullable=False),
        sa.CheckConstraint(_one_of('kind', ('single', 'multiple')), name='poll_kind_known'),
        sa.CheckConstraint(_one_of('results_visibility', ('after_vote', 'after_close')),
                           name='poll_results_visibility_known'),
        sa.CheckConstraint(_one_of('direction', DIRECTIONS), name='poll_direction_known'),
        sa.CheckConstraint('closes_at > opens_at', name='poll_closes_after_opening'),
        sa.CheckConstraint('length(question_az) <= 300', name='poll_question_length'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['district_id'], ['districts.id']),
        sa.ForeignKeyConstraint(['topic_id'], ['poll_topics.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('topic_id'),
    )
    op.create_index('ix_polls_district_closes', 'polls', ['district_id', 'closes_at'])
    op.create_index('ix_polls_opens', 'polls', ['opens_at'])

    op.create_table(
        'poll_options',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('poll_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('label_az', sa.String(length=200), nullable=False),
        sa.Column('label_ru', sa.String(length=200), nullable=True),
        sa.Column('label_en', sa.String(length=200), nullable=True),
        sa.Column('votes', sa.Integer(), server_default='0', nullable=False),
        sa.CheckConstraint('votes >= 0', name='poll_option_votes_positive'),
        sa.CheckConstraint('length(label_az) <= 200', name='poll_option_label_length'),
        sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('poll_id', 'position', name='uq_poll_options_position'),
    )
    op.create_index('ix_poll_options_poll_id', 'poll_options', ['poll_id'])

    op.create_table(
        'poll_participations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('poll_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', TS, nullable=False),
        sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('poll_id', 'user_id', name='uq_poll_participations_voter'),
    )
    op.create_index('ix_poll_participations_user_id', 'poll_participations', ['user_id'])


def downgrade():
    op.drop_index('ix_poll_participations_user_id', table_name='poll_participations')
    op.drop_table('poll_participations')
    op.drop_index('ix_poll_options_poll_id', table_name='poll_options')
    op.drop_table('poll_options')
    op.drop_index('ix_polls_opens', table_name='polls')
    op.drop_index('ix_polls_district_closes', table_name='polls')
    op.drop_table('polls')
    op.drop_index('ix_poll_topics_district_status', table_name='poll_topics')
    op.drop_index('ix_poll_topics_author_id', table_name='poll_topics')
    op.drop_table('poll_topics')
