"""Open311: API keys and the requests filed through them.

Revision ID: 0022_open311
Revises: 0021_texts_in_three_languages
"""
import sqlalchemy as sa
from alembic import op

revision = '0022_open311'
down_revision = '0021_texts_in_three_languages'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade():
    op.create_table('open311_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('last_used_at', TS, nullable=True),
    sa.Column('revoked_at', TS, nullable=True),
    sa.Column('rotated_from_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('length(key_hash) = 64', name=op.f('ck_open311_keys_key_hash_length')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_open311_keys_created_by_id_users')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_open311_keys_district_id_districts')),
    sa.ForeignKeyConstraint(['rotated_from_id'], ['open311_keys.id'],
                            name=op.f('fk_open311_keys_rotated_from_id_open311_keys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_open311_keys_key_hash')),
    sa.UniqueConstraint('prefix', name=op.f('uq_open311_keys_prefix'))
    )
    with op.batch_alter_table('open311_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_keys_district_id'), ['district_id'], unique=False)

    op.create_table('open311_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('client_token', sa.String(length=64), nullable=True),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('address_string', sa.String(length=300), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['open311_keys.id'], name=op.f('fk_open311_requests_api_key_id_open311_keys')),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_open311_requests_appeal_id_appeals'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_requests')),
    sa.UniqueConstraint('api_key_id', 'client_token', name='uq_open311_requests_client_token'),
    sa.UniqueConstraint('appeal_id', name=op.f('uq_open311_requests_appeal_id')),
    sa.UniqueConstraint('token', name=op.f('uq_open311_requests_token'))
    )


def downgrade():
    op.drop_table('open311_requests')
    with op.batch_alter_table('open311_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open311_keys_district_id'))
    op.drop_table('open311_keys')
