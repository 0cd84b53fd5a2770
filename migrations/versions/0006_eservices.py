"""E-services: the catalogue, versioned application forms, applications with their timeline and documents.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('application_sequences',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_application_sequences'))
    )
    op.create_table('services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title_az', sa.String(length=200), nullable=False),
    sa.Column('title_ru', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('summary_az', sa.Text(), nullable=False),
    sa.Column('summary_ru', sa.Text(), nullable=False),
    sa.Column('summary_en', sa.Text(), nullable=False),
    sa.Column('eligibility_az', sa.Text(), nullable=False),
    sa.Column('eligibility_ru', sa.Text(), nullable=False),
    sa.Column('eligibility_en', sa.Text(), nullable=False),
    sa.Column('documents_az', sa.Text(), nullable=False),
    sa.Column('documents_ru', sa.Text(), nullable=False),
    sa.Column('documents_en', sa.Text(), nullable=False),
    sa.Column('legal_basis_az', sa.Text(), nullable=False),
    sa.Column('legal_basis_ru', sa.Text(), nullable=False),
    sa.Column('legal_basis_en', sa.Text(), nullable=False),
    sa.Column('fee', sa.Numeric(precision=10, scale=2), server_default='0', nullable=False),
    sa.Column('processing_days', sa.Integer(), nullable=False),
    sa.Column('life_situation', sa.String(length=20), nullable=False),
    sa.Column('online', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('front_desk', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint("life_situation IN ('family', 'housing', 'land', 'social', 'certificates')", name=op.f('ck_services_life_situation_known')),
    sa.CheckConstraint('fee >= 0', name=op.f('ck_services_fee_not_negative')),
    sa.CheckConstraint('processing_days BETWEEN 1 AND 90', name=op.f('ck_services_processing_days_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_services')),
    sa.UniqueConstraint('code', name=op.f('uq_services_code'))
    )
    op.create_table('service_districts',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_service_districts_district_id_districts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_service_districts_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', 'district_id', name=op.f('pk_service_districts'))
    )
    op.create_table('service_forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_service_forms_created_by_id_users')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_service_forms_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_forms')),
    sa.UniqueConstraint('service_id', 'version', name='uq_service_forms_version')
    )
    op.create_table('service_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('applicant', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='submitted', nullable=False),
    sa.Column('source', sa.String(length=10), server_default='web', nullable=False),
    sa.Column('locale', sa.String(length=2), server_default='az', nullable=False),
    sa.Column('submission_token', sa.String(length=64), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('due_at', TS, nullable=False),
    sa.Column('decided_at', TS, nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('issued_at', TS, nullable=True),
    sa.Column('verification_code', sa.String(length=32), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=True),
    sa.Column('rated_at', TS, nullable=True),
    sa.Column('updated_at', TS, nullable=False),
    sa.CheckConstraint("source IN ('web', 'front_desk')", name=op.f('ck_service_applications_application_source_known')),
    sa.CheckConstraint("status IN ('submitted', 'in_review', 'documents_requested', 'resubmitted', 'approved', 'refused', 'issued', 'withdrawn')", name=op.f('ck_service_applications_application_status_known')),
    sa.CheckConstraint('rating IS NULL OR (rating BETWEEN 1 AND 5)', name=op.f('ck_service_applications_application_rating_range')),
    sa.ForeignKeyConstraint(['citizen_id'], ['users.id'], name=op.f('fk_service_applications_citizen_id_users')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_service_applications_district_id_districts')),
    sa.ForeignKeyConstraint(['form_id'], ['service_forms.id'], name=op.f('fk_service_applications_form_id_service_forms')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['users.id'], name=op.f('fk_service_applications_registered_by_id_users')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_service_applications_service_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_applications')),
    sa.UniqueConstraint('citizen_id', 'submission_token', name='uq_applications_submission'),
    sa.UniqueConstraint('number', name=op.f('uq_service_applications_number')),
    sa.UniqueConstraint('verification_code', name=op.f('uq_service_applications_verification_code'))
    )
    with op.batch_alter_table('service_applications', schema=None) as batch_op:
        batch_op.create_index('ix_applications_citizen', ['citizen_id', 'created_at'], unique=False)
        batch_op.create_index('ix_applications_queue', ['district_id', 'service_id', 'status', 'due_at'], unique=False)

    op.create_table('application_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('field_key', sa.String(length=40), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.CheckConstraint('size > 0', name=op.f('ck_application_documents_document_size_positive')),
    sa.ForeignKeyConstraint(['application_id'], ['service_applications.id'], name=op.f('fk_application_documents_application_id_service_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_application_documents_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_documents')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_application_documents_stored_name'))
    )
    with op.batch_alter_table('application_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_documents_application_id'), ['application_id'], unique=False)

    op.create_table('application_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('public', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_application_events_actor_id_users')),
    sa.ForeignKeyConstraint(['application_id'], ['service_applications.id'], name=op.f('fk_application_events_application_id_service_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_events'))
    )
    with op.batch_alter_table('application_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_events_application_id'), ['application_id'], unique=False)



def downgrade():
    with op.batch_alter_table('application_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_events_application_id'))

    op.drop_table('application_events')
    with op.batch_alter_table('application_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_documents_application_id'))

    op.drop_table('application_documents')
    with op.batch_alter_table('service_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_queue')
        batch_op.drop_index('ix_applications_citizen')

    op.drop_table('service_applications')
    op.drop_table('service_forms')
    op.drop_table('service_districts')
    op.drop_table('services')
    op.drop_table('application_sequences')
