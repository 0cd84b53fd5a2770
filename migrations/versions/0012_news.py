"""The newsroom: articles (news, announcements, events) in az/ru/en, tags, cover images and every saved version.

Revision ID: 0012_news
Revises: 0010_polls
"""
import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = '0012_news'
down_revision = '0011_staff'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('name_az', sa.String(length=100), nullable=False),
    sa.Column('name_ru', sa.String(length=100), nullable=True),
    sa.Column('name_en', sa.String(length=100), nullable=True),
    sa.CheckConstraint('slug = lower(slug)', name=op.f('ck_tags_slug_lowercase')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('slug', name=op.f('uq_tags_slug'))
    )
    op.create_table('article_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('widths', sa.String(length=60), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.CheckConstraint('width > 0 AND height > 0', name=op.f('ck_article_images_image_size_positive')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_article_images_district_id_districts')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_article_images_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_images')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_article_images_stored_name'))
    )
    # cover_image_id points at article_images, which never points back, so the tables are created in order.
    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=12), server_default='news', nullable=False),
    sa.Column('status', sa.String(length=10), server_default='draft', nullable=False),
    sa.Column('publish_at', TS, nullable=True),
    sa.Column('published_at', TS, nullable=True),
    sa.Column('starts_at', TS, nullable=True),
    sa.Column('ends_at', TS, nullable=True),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.Column('cover_image_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind != 'event' OR starts_at IS NOT NULL", name=op.f('ck_articles_event_has_start')),
    sa.CheckConstraint("kind IN ('news', 'announcement', 'event')", name=op.f('ck_articles_article_kind_known')),
    sa.CheckConstraint("status != 'scheduled' OR publish_at IS NOT NULL", name=op.f('ck_articles_scheduled_has_time')),
    sa.CheckConstraint("status IN ('draft', 'review', 'scheduled', 'published', 'archived')", name=op.f('ck_articles_article_status_known')),
    sa.CheckConstraint("status NOT IN ('published', 'archived') OR published_at IS NOT NULL", name=op.f('ck_articles_published_has_time')),
    sa.CheckConstraint('ends_at IS NULL OR starts_at IS NULL OR ends_at >= starts_at', name=op.f('ck_articles_event_ends_after_start')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_articles_author_id_users')),
    sa.ForeignKeyConstraint(['cover_image_id'], ['article_images.id'], name=op.f('fk_articles_cover_image_id_article_images'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_articles_district_id_districts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles'))
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_articles_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_articles_due', ['status', 'publish_at'], unique=False)
        batch_op.create_index('ix_articles_events', ['kind', 'starts_at'], unique=False)
        batch_op.create_index('ix_articles_public', ['status', 'district_id', 'published_at'], unique=False)

    op.create_table('article_tags',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_tags_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_article_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'tag_id', name=op.f('pk_article_tags'))
    )
    with op.batch_alter_table('article_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_tags_tag_id'), ['tag_id'], unique=False)

    op.create_table('article_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), server_default='', nullable=False),
    sa.Column('body_md', sa.Text(), server_default='', nullable=False),
    sa.Column('body_html', sa.Text(), server_default='', nullable=False),
    sa.Column('image_alt', sa.String(length=300), nullable=True),
    sa.CheckConstraint("lang IN ('az', 'ru', 'en')", name=op.f('ck_article_texts_article_lang_known')),
    sa.CheckConstraint('length(summary) <= 500', name=op.f('ck_article_texts_summary_length')),
    sa.CheckConstraint('length(title) <= 200', name=op.f('ck_article_texts_title_length')),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_texts_article_id_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_texts')),
    sa.UniqueConstraint('article_id', 'lang', name='uq_article_texts_article_lang')
    )
    op.create_table('article_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('changed_fields', sa.String(length=1000), server_default='', nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_versions_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_article_versions_changed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_versions')),
    sa.UniqueConstraint('article_id', 'number', name='uq_article_versions_number')
    )


def downgrade():
    op.drop_table('article_versions')
    op.drop_table('article_texts')
    with op.batch_alter_table('article_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_tags_tag_id'))

    op.drop_table('article_tags')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_public')
        batch_op.drop_index('ix_articles_events')
        batch_op.drop_index('ix_articles_due')
        batch_op.drop_index(batch_op.f('ix_articles_author_id'))

    op.drop_table('articles')
    op.drop_table('article_images')
    op.drop_table('tags')
