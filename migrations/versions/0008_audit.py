"""The audit trail (append-only, hash-chained; PostgreSQL refuses UPDATE and DELETE on it) and the scheduled commands' runs.

Revision ID: 0008_audit
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = '0008_audit'
down_revision = '0007'
branch_labels = None
depends_on = None

# Row-level: TRUNCATE (used by the test suite to empty tables) is not an UPDATE or DELETE.
REFUSE_FUNCTION = """
CREATE FUNCTION audit_entries_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
REFUSE_TRIGGER = """
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse_change()
"""


def upgrade():
    op.create_table('audit_chain',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_id', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_hash', sa.String(length=64), server_default='', nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_audit_chain_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain'))
    )
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_email', sa.String(length=254), nullable=True),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=True),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('id > 0', name=op.f('ck_audit_entries_position_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_object', ['object_type', 'object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_email'), ['actor_email'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_district_id'), ['district_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(REFUSE_FUNCTION)
        op.execute(REFUSE_TRIGGER)

    op.create_table('command_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('started_at', TS, nullable=False),
    sa.Column('finished_at', TS, nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("outcome IN ('running', 'ok', 'failed')", name=op.f('ck_command_runs_outcome_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_command_runs'))
    )
    with op.batch_alter_table('command_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_command_runs_name'), ['name'], unique=False)


def downgrade():
    op.drop_table('command_runs')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries')
        op.execute('DROP FUNCTION IF EXISTS audit_entries_refuse_change()')
    op.drop_table('audit_entries')
    op.drop_table('audit_chain')
