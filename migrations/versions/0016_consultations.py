"""Consultations on draft decisions: sections, questions and options, residents' answers, comments and replies
(moderated: hidden_at, hidden_reason, hidden_by_id), the outcome per section and overall.

Revision ID: 0016_consultations
Revises: 0010_polls
"""
import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = '0016_consultations'
down_revision = '0015_refdata'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consultations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='draft', nullable=False),
    sa.Column('title_az', sa.String(length=200), nullable=False),
    sa.Column('title_ru', sa.String(length=200), nullable=True),
    sa.Column('title_en', sa.String(length=200), nullable=True),
    sa.Column('summary_az', sa.Text(), nullable=False),
    sa.Column('summary_ru', sa.Text(), nullable=True),
    sa.Column('summary_en', sa.Text(), nullable=True),
    sa.Column('opens_at', TS, nullable=False),
    sa.Column('closes_at', TS, nullable=False),
    sa.Column('published_at', TS, nullable=True),
    sa.Column('outcome_az', sa.Text(), nullable=True),
    sa.Column('outcome_ru', sa.Text(), nullable=True),
    sa.Column('outcome_en', sa.Text(), nullable=True),
    sa.Column('outcome_published_at', TS, nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.CheckConstraint("outcome_published_at IS NULL OR status = 'published'", name=op.f('ck_consultations_consultation_outcome_published')),
    sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_consultations_consultation_status_known')),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_consultations_consultation_closes_after_opening')),
    sa.CheckConstraint('length(title_az) BETWEEN 1 AND 200', name=op.f('ck_consultations_consultation_title_length')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_consultations_created_by_id_users')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_consultations_district_id_districts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultations'))
    )
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.create_index('ix_consultations_list', ['status', 'district_id', 'closes_at'], unique=False)

    op.create_table('consultation_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text_az', sa.String(length=300), nullable=False),
    sa.Column('text_ru', sa.String(length=300), nullable=True),
    sa.Column('text_en', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_consultation_questions_consultation_id_consultations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_questions')),
    sa.UniqueConstraint('consultation_id', 'position', name='uq_consultation_questions_position')
    )
    op.create_table('consultation_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['users.id'], name=op.f('fk_consultation_responses_citizen_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_consultation_responses_consultation_id_consultations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_responses')),
    sa.UniqueConstraint('consultation_id', 'citizen_id', name='uq_consultation_responses_citizen')
    )
    with op.batch_alter_table('consultation_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_responses_citizen_id'), ['citizen_id'], unique=False)

    op.create_table('consultation_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title_az', sa.String(length=200), nullable=False),
    sa.Column('title_ru', sa.String(length=200), nullable=True),
    sa.Column('title_en', sa.String(length=200), nullable=True),
    sa.Column('body_az', sa.Text(), nullable=False),
    sa.Column('body_ru', sa.Text(), nullable=True),
    sa.Column('body_en', sa.Text(), nullable=True),
    sa.Column('final_az', sa.Text(), nullable=True),
    sa.Column('final_ru', sa.Text(), nullable=True),
    sa.Column('final_en', sa.Text(), nullable=True),
    sa.Column('change_az', sa.Text(), nullable=True),
    sa.Column('change_ru', sa.Text(), nullable=True),
    sa.Column('change_en', sa.Text(), nullable=True),
    sa.CheckConstraint('length(title_az) BETWEEN 1 AND 200', name=op.f('ck_consultation_sections_section_title_length')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_consultation_sections_consultation_id_consultations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_sections')),
    sa.UniqueConstraint('consultation_id', 'position', name='uq_consultation_sections_position')
    )
    op.create_table('consultation_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('hidden_at', TS, nullable=True),
    sa.Column('hidden_reason', sa.String(length=500), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('length(body) BETWEEN 1 AND 2000', name=op.f('ck_consultation_comments_comment_body_length')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_consultation_comments_author_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_consultation_comments_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_consultation_comments_hidden_by_id_users')),
    sa.ForeignKeyConstraint(['parent_id'], ['consultation_comments.id'], name=op.f('fk_consultation_comments_parent_id_consultation_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['section_id'], ['consultation_sections.id'], name=op.f('fk_consultation_comments_section_id_consultation_sections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_comments'))
    )
    with op.batch_alter_table('consultation_comments', schema=None) as batch_op:
        batch_op.create_index('ix_consultation_comments_author', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_consultation_comments_section', ['consultation_id', 'section_id', 'created_at'], unique=False)

    op.create_table('consultation_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label_az', sa.String(length=150), nullable=False),
    sa.Column('label_ru', sa.String(length=150), nullable=True),
    sa.Column('label_en', sa.String(length=150), nullable=True),
    sa.ForeignKeyConstraint(['question_id'], ['consultation_questions.id'], name=op.f('fk_consultation_options_question_id_consultation_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_options')),
    sa.UniqueConstraint('question_id', 'position', name='uq_consultation_options_position')
    )
    op.create_table('consultation_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['option_id'], ['consultation_options.id'], name=op.f('fk_consultation_answers_option_id_consultation_options'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['consultation_questions.id'], name=op.f('fk_consultation_answers_question_id_consultation_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['consultation_responses.id'], name=op.f('fk_consultation_answers_response_id_consultation_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_answers')),
    sa.UniqueConstraint('response_id', 'question_id', name='uq_consultation_answers_question')
    )
    with op.batch_alter_table('consultation_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_answers_option_id'), ['option_id'], unique=False)



def downgrade():
    with op.batch_alter_table('consultation_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_answers_option_id'))

    op.drop_table('consultation_answers')
    op.drop_table('consultation_options')
    with op.batch_alter_table('consultation_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_consultation_comments_section')
        batch_op.drop_index('ix_consultation_comments_author')

    op.drop_table('consultation_comments')
    op.drop_table('consultation_sections')
    with op.batch_alter_table('consultation_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_responses_citizen_id'))

    op.drop_table('consultation_responses')
    op.drop_table('consultation_questions')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index('ix_consultations_list')

    op.drop_table('consultations')
