"""ASAN standards at the front desk and in the index (issue 19).

New tables only: the electronic queue (queue_services, queue_desks, queue_desk_services, queue_sequences,
queue_tickets), ratings on the ASAN criteria (ratings; the overall mark of every rating already given on an appeal
or an application is copied in, so its history is not lost), drafts, yearly service costs and the versions of the
index weights (the weights in force until now become the first version, from 2000-01-01, so every figure already
published can be recomputed as it was).

Revision ID: 0026_asan_front_desk
Revises: 0025_appeal_cases
"""
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = '0026_asan_front_desk'
down_revision = '0025_appeal_cases'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
FIRST_WEIGHTS = {"speed": 25, "on_time": 35, "satisfaction": 25, "openness": 15}


def upgrade():
    op.create_table('queue_sequences',
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_queue_sequences_district_id_districts')),
    sa.PrimaryKeyConstraint('district_id', 'day', name=op.f('pk_queue_sequences'))
    )
    op.create_table('queue_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('letter', sa.String(length=2), nullable=False),
    sa.Column('kind', sa.String(length=10), server_default='general', nullable=False),
    sa.Column('eservice_id', sa.Integer(), nullable=True),
    sa.Column('title_az', sa.String(length=200), nullable=False),
    sa.Column('title_ru', sa.String(length=200), nullable=True),
    sa.Column('title_en', sa.String(length=200), nullable=True),
    sa.Column('minutes', sa.Integer(), server_default='10', nullable=False),
    sa.Column('opens_minute', sa.Integer(), server_default='540', nullable=False),
    sa.Column('closes_minute', sa.Integer(), server_default='1080', nullable=False),
    sa.Column('window_minutes', sa.Integer(), server_default='60', nullable=False),
    sa.Column('window_capacity', sa.Integer(), server_default='6', nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint("kind IN ('general', 'reception', 'eservice')", name=op.f('ck_queue_services_queue_service_kind_known')),
    sa.CheckConstraint('minutes BETWEEN 1 AND 240', name=op.f('ck_queue_services_queue_service_minutes')),
    sa.CheckConstraint('opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute', name=op.f('ck_queue_services_queue_opening_hours')),
    sa.CheckConstraint('window_capacity BETWEEN 0 AND 500', name=op.f('ck_queue_services_queue_window_capacity')),
    sa.CheckConstraint('window_minutes BETWEEN 10 AND 480', name=op.f('ck_queue_services_queue_window_minutes')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_queue_services_district_id_districts')),
    sa.ForeignKeyConstraint(['eservice_id'], ['services.id'], name=op.f('fk_queue_services_eservice_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_services')),
    sa.UniqueConstraint('district_id', 'code', name='uq_queue_services_code'),
    sa.UniqueConstraint('district_id', 'letter', name='uq_queue_services_letter')
    )
    with op.batch_alter_table('queue_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_services_district_id'), ['district_id'], unique=False)

    op.create_table('index_weights',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_index_weights_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_index_weights')),
    sa.UniqueConstraint('effective_from', name='uq_index_weights_from')
    )
    op.create_table('queue_desks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('number BETWEEN 1 AND 999', name=op.f('ck_queue_desks_queue_desk_number')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_queue_desks_district_id_districts')),
    sa.ForeignKeyConstraint(['operator_id'], ['users.id'], name=op.f('fk_queue_desks_operator_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_desks')),
    sa.UniqueConstraint('district_id', 'number', name='uq_queue_desks_number')
    )
    with op.batch_alter_table('queue_desks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_desks_district_id'), ['district_id'], unique=False)

    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=12), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('queue_service_id', sa.Integer(), nullable=True),
    sa.Column('overall', sa.Integer(), nullable=False),
    sa.Column('speed', sa.Integer(), nullable=True),
    sa.Column('courtesy', sa.Integer(), nullable=True),
    sa.Column('clarity', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('rated_at', TS, nullable=False),
    sa.Column('changed_at', TS, nullable=True),
    sa.CheckConstraint("subject_kind IN ('appeal', 'application', 'ticket')", name=op.f('ck_ratings_rating_kind_known')),
    sa.CheckConstraint('clarity IS NULL OR (clarity BETWEEN 1 AND 5)', name=op.f('ck_ratings_rating_clarity')),
    sa.CheckConstraint('comment IS NULL OR length(comment) <= 2000', name=op.f('ck_ratings_rating_comment_length')),
    sa.CheckConstraint('courtesy IS NULL OR (courtesy BETWEEN 1 AND 5)', name=op.f('ck_ratings_rating_courtesy')),
    sa.CheckConstraint('outcome IS NULL OR (outcome BETWEEN 1 AND 5)', name=op.f('ck_ratings_rating_outcome')),
    sa.CheckConstraint('overall BETWEEN 1 AND 5', name=op.f('ck_ratings_rating_overall')),
    sa.CheckConstraint('speed IS NULL OR (speed BETWEEN 1 AND 5)', name=op.f('ck_ratings_rating_speed')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_ratings_category_id_categories')),
    sa.ForeignKeyConstraint(['citizen_id'], ['users.id'], name=op.f('fk_ratings_citizen_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_ratings_district_id_districts')),
    sa.ForeignKeyConstraint(['queue_service_id'], ['queue_services.id'], name=op.f('fk_ratings_queue_service_id_queue_services')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_ratings_service_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('subject_kind', 'subject_id', name='uq_ratings_subject')
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ratings_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index('ix_ratings_district_rated', ['district_id', 'rated_at'], unique=False)
        batch_op.create_index('ix_ratings_kind_rated', ['subject_kind', 'rated_at'], unique=False)

    op.create_table('service_costs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=12), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', TS, nullable=False),
    sa.CheckConstraint("(subject = 'eservice') = (service_id IS NOT NULL)", name=op.f('ck_service_costs_cost_service_for_eservice')),
    sa.CheckConstraint("subject IN ('appeals', 'front_desk', 'eservice')", name=op.f('ck_service_costs_cost_subject_known')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_service_costs_cost_not_negative')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2099', name=op.f('ck_service_costs_cost_year_range')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_service_costs_district_id_districts')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_service_costs_entered_by_id_users')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_service_costs_service_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_costs'))
    )
    with op.batch_alter_table('service_costs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_costs_district_id'), ['district_id'], unique=False)
        batch_op.create_index('uq_service_costs_eservice', ['district_id', 'year', 'service_id'], unique=True, sqlite_where=sa.text('service_id IS NOT NULL'), postgresql_where=sa.text('service_id IS NOT NULL'))
        batch_op.create_index('uq_service_costs_subject', ['district_id', 'year', 'subject'], unique=True, sqlite_where=sa.text('service_id IS NULL'), postgresql_where=sa.text('service_id IS NULL'))

    op.create_table('queue_desk_services',
    sa.Column('desk_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['desk_id'], ['queue_desks.id'], name=op.f('fk_queue_desk_services_desk_id_queue_desks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['queue_services.id'], name=op.f('fk_queue_desk_services_service_id_queue_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('desk_id', 'service_id', name=op.f('pk_queue_desk_services'))
    )
    op.create_table('drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='open', nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), server_default='', nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.Column('expires_at', TS, nullable=False),
    sa.Column('reminded_at', TS, nullable=True),
    sa.Column('ended_at', TS, nullable=True),
    sa.Column('appeal_id', sa.Integer(), nullable=True),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('appeal', 'application')", name=op.f('ck_drafts_draft_kind_known')),
    sa.CheckConstraint("status IN ('open', 'submitted', 'expired', 'discarded')", name=op.f('ck_drafts_draft_status_known')),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_drafts_appeal_id_appeals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['application_id'], ['service_applications.id'], name=op.f('fk_drafts_application_id_service_applications'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_drafts_category_id_categories')),
    sa.ForeignKeyConstraint(['citizen_id'], ['users.id'], name=op.f('fk_drafts_citizen_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_drafts_district_id_districts')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_drafts_service_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drafts'))
    )
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.create_index('ix_drafts_citizen', ['citizen_id', 'status', 'updated_at'], unique=False)
        batch_op.create_index('ix_drafts_district_started', ['district_id', 'created_at'], unique=False)
        batch_op.create_index('ix_drafts_expiry', ['status', 'expires_at'], unique=False)

    op.create_table('queue_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('source', sa.String(length=6), server_default='web', nullable=False),
    sa.Column('status', sa.String(length=10), server_default='waiting', nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=True),
    sa.Column('window_starts_at', TS, nullable=True),
    sa.Column('window_ends_at', TS, nullable=True),
    sa.Column('reception_booking_id', sa.Integer(), nullable=True),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('queued_at', TS, nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=True),
    sa.Column('called_by_id', sa.Integer(), nullable=True),
    sa.Column('called_at', TS, nullable=True),
    sa.Column('served_at', TS, nullable=True),
    sa.Column('for_desk_id', sa.Integer(), nullable=True),
    sa.Column('redirect_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('wait_seconds', sa.Integer(), nullable=True),
    sa.Column('service_seconds', sa.Integer(), nullable=True),
    sa.Column('ended_at', TS, nullable=True),
    sa.CheckConstraint("source IN ('web', 'kiosk')", name=op.f('ck_queue_tickets_ticket_source_known')),
    sa.CheckConstraint("status IN ('waiting', 'called', 'served', 'no_show', 'cancelled')", name=op.f('ck_queue_tickets_ticket_status_known')),
    sa.CheckConstraint('window_ends_at IS NULL OR window_ends_at > window_starts_at', name=op.f('ck_queue_tickets_ticket_window_order')),
    sa.ForeignKeyConstraint(['application_id'], ['service_applications.id'], name=op.f('fk_queue_tickets_application_id_service_applications'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['called_by_id'], ['users.id'], name=op.f('fk_queue_tickets_called_by_id_users')),
    sa.ForeignKeyConstraint(['citizen_id'], ['users.id'], name=op.f('fk_queue_tickets_citizen_id_users')),
    sa.ForeignKeyConstraint(['desk_id'], ['queue_desks.id'], name=op.f('fk_queue_tickets_desk_id_queue_desks')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_queue_tickets_district_id_districts')),
    sa.ForeignKeyConstraint(['for_desk_id'], ['queue_desks.id'], name=op.f('fk_queue_tickets_for_desk_id_queue_desks')),
    sa.ForeignKeyConstraint(['reception_booking_id'], ['reception_bookings.id'], name=op.f('fk_queue_tickets_reception_booking_id_reception_bookings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['queue_services.id'], name=op.f('fk_queue_tickets_service_id_queue_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_tickets')),
    sa.UniqueConstraint('district_id', 'day', 'number', name='uq_queue_tickets_number')
    )
    with op.batch_alter_table('queue_tickets', schema=None) as batch_op:
        batch_op.create_index('ix_queue_tickets_citizen', ['citizen_id', 'day'], unique=False)
        batch_op.create_index('ix_queue_tickets_live', ['district_id', 'day', 'status', 'queued_at'], unique=False)
        batch_op.create_index('ix_queue_tickets_service_day', ['service_id', 'day'], unique=False)

    _first_weights()
    _ratings_given()


def _first_weights() -> None:
    weights = sa.table('index_weights', sa.column('effective_from', sa.Date()), sa.column('weights', sa.JSON()),
                       sa.column('note', sa.Text()), sa.column('created_at', TS))
    op.get_bind().execute(weights.insert().values(
        effective_from=date(2000, 1, 1), weights=FIRST_WEIGHTS, created_at=sa.func.current_timestamp(),
        note="The service index of speed, on-time answers, satisfaction and openness, before the ASAN criteria."))


def _ratings_given() -> None:
    """Every overall mark already given becomes a rating row (its criteria unknown)."""
    op.execute("INSERT INTO ratings (subject_kind, subject_id, citizen_id, district_id, category_id, overall, "
               "comment, rated_at) SELECT 'appeal', id, citizen_id, district_id, category_id, rating, rating_comment, "
               "COALESCE(rated_at, updated_at) FROM appeals WHERE rating IS NOT NULL")
    op.execute("INSERT INTO ratings (subject_kind, subject_id, citizen_id, district_id, service_id, overall, "
               "comment, rated_at) SELECT 'application', id, citizen_id, district_id, service_id, rating, "
               "rating_comment, COALESCE(rated_at, updated_at) FROM service_applications WHERE rating IS NOT NULL")


def downgrade():
    with op.batch_alter_table('queue_tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_tickets_service_day')
        batch_op.drop_index('ix_queue_tickets_live')
        batch_op.drop_index('ix_queue_tickets_citizen')

    op.drop_table('queue_tickets')
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_index('ix_drafts_expiry')
        batch_op.drop_index('ix_drafts_district_started')
        batch_op.drop_index('ix_drafts_citizen')

    op.drop_table('drafts')
    op.drop_table('queue_desk_services')
    with op.batch_alter_table('service_costs', schema=None) as batch_op:
        batch_op.drop_index('uq_service_costs_subject', sqlite_where=sa.text('service_id IS NULL'), postgresql_where=sa.text('service_id IS NULL'))
        batch_op.drop_index('uq_service_costs_eservice', sqlite_where=sa.text('service_id IS NOT NULL'), postgresql_where=sa.text('service_id IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_service_costs_district_id'))

    op.drop_table('service_costs')
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ratings_kind_rated')
        batch_op.drop_index('ix_ratings_district_rated')
        batch_op.drop_index(batch_op.f('ix_ratings_citizen_id'))

    op.drop_table('ratings')
    with op.batch_alter_table('queue_desks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_desks_district_id'))

    op.drop_table('queue_desks')
    op.drop_table('index_weights')
    with op.batch_alter_table('queue_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_services_district_id'))

    op.drop_table('queue_services')
    op.drop_table('queue_sequences')
