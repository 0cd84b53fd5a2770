"""The files chosen on a draft's form, kept until the draft is sent, discarded or expires (issue 19).

Revision ID: 0029_drafts
Revises: 0027_queue
"""
import sqlalchemy as sa
from alembic import op

revision = '0029_drafts'
down_revision = '0027_queue'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('draft_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('field_key', sa.String(length=40), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_draft_files_draft_id_drafts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_files'))
    )
    with op.batch_alter_table('draft_files', schema=None) as batch_op:
        batch_op.create_index('ix_draft_files_draft', ['draft_id'], unique=False)


def downgrade():
    with op.batch_alter_table('draft_files', schema=None) as batch_op:
        batch_op.drop_index('ix_draft_files_draft')
    op.drop_table('draft_files')
