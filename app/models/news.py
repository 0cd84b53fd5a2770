"""The newsroom: articles (news, announcements, events) in three languages, their tags, cover images and versions.

An article with ``district_id`` NULL is national. Only ``status == "published"`` is public;
``Article.public()`` is that condition as SQL, for every query that lists what visitors see.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Translated, UTCDateTime, one_of, utcnow
from app.models.district import District
from app.models.user import User

ARTICLE_KINDS = ("news", "announcement", "event")
ARTICLE_STATUSES = ("draft", "review", "scheduled", "published", "archived")
ARTICLE_LANGS = ("az", "ru", "en")
TITLE_LIMIT = 200
SUMMARY_LIMIT = 500
BODY_LIMIT = 20000
ALT_LIMIT = 300
PLACE_LIMIT = 300
TAG_SLUG_LIMIT = 60

article_tags = Table(
    "article_tags",
    db.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    # "Articles with this tag" reads the second column first.
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(Translated, db.Model):
    """A topic articles share (roads, culture, ...); the slug is its address in filters."""

    __tablename__ = "tags"
    __table_args__ = (CheckConstraint("slug = lower(slug)", name="slug_lowercase"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(TAG_SLUG_LIMIT), unique=True)
    name_az: Mapped[str] = mapped_column(String(100))
    name_ru: Mapped[str | None] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100))

    def __repr__(self) -> str:
        return f"<Tag {self.slug}>"


class ArticleImage(db.Model):
    """An uploaded cover image: checked, re-encoded without metadata, stored in a few widths.

    The files are ``<stored_name>-<width>.jpg`` in the attachments directory (outside
    static/); ``widths`` lists the widths written, smallest first.
    """

    __tablename__ = "article_images"
    __table_args__ = (
        CheckConstraint("width > 0 AND height > 0", name="image_size_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The district whose editors may use it; NULL for a national article's image.
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    widths: Mapped[str] = mapped_column(String(60))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def width_list(self) -> list[int]:
        """The stored widths as numbers, smallest first."""
        return [int(w) for w in self.widths.split(",") if w]

    def __repr__(self) -> str:
        return f"<ArticleImage {self.id} {self.widths}>"


class Article(Translated, db.Model):
    """A news item, announcement or event of one district (or national when ``district_id`` is NULL).

    draft → review → scheduled → published → archived. A scheduled article has
    ``publish_at`` and stays invisible until ``flask news publish-due`` publishes it. Its words are in
    ``texts`` (one row per language); an event's place is in three columns (``text_in("place", lang)``).
    """

    __tablename__ = "articles"
    __table_args__ = (
        CheckConstraint(one_of("kind", ARTICLE_KINDS), name="article_kind_known"),
        CheckConstraint(one_of("status", ARTICLE_STATUSES), name="article_status_known"),
        CheckConstraint("status != 'scheduled' OR publish_at IS NOT NULL", name="scheduled_has_time"),
        CheckConstraint("status NOT IN ('published', 'archived') OR published_at IS NOT NULL",
                        name="published_has_time"),
        CheckConstraint("kind != 'event' OR starts_at IS NOT NULL", name="event_has_start"),
        CheckConstraint("ends_at IS NULL OR starts_at IS NULL OR ends_at >= starts_at", name="event_ends_after_start"),
        # The public lists: published, one district (or national), newest first.
        Index("ix_articles_public", "status", "district_id", "published_at"),
        # Every district's published articles newest first: the national list, and news search reading the
        # articles newest first for a very common word (app/news/search.py, migration 0031).
        Index("ix_articles_published", "status", "published_at"),
        # publish-due reads scheduled rows by time.
        Index("ix_articles_due", "status", "publish_at"),
        # The events calendar reads by start.
        Index("ix_articles_events", "kind", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    kind: Mapped[str] = mapped_column(String(12), default="news", server_default="news")
    status: Mapped[str] = mapped_column(String(10), default="draft", server_default="draft")
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # An event's place: Azerbaijani (required for an event), Russian and English (optional, falling back to it).
    place_az: Mapped[str | None] = mapped_column(String(PLACE_LIMIT))
    place_ru: Mapped[str | None] = mapped_column(String(PLACE_LIMIT))
    place_en: Mapped[str | None] = mapped_column(String(PLACE_LIMIT))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    cover_image_id: Mapped[int | None] = mapped_column(ForeignKey("article_images.id", ondelete="SET NULL"))

    district: Mapped[District | None] = relationship()
    author: Mapped[User] = relationship()
    cover_image: Mapped[ArticleImage | None] = relationship()
    texts: Mapped[list[ArticleText]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleText.lang",
    )
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, order_by="Tag.slug")
    versions: Mapped[list[ArticleVersion]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleVersion.number",
        passive_deletes=True,
    )

    @classmethod
    def public(cls):
        """The SQL condition for what visitors may see."""
        return cls.status == "published"

    @property
    def is_public(self) -> bool:
        return self.status == "published"

    @property
    def is_national(self) -> bool:
        return self.district_id is None

    def text(self, lang: str) -> ArticleText | None:
        """The text in ``lang`` exactly, or None."""
        for text in self.texts:
            if text.lang == lang:
                return text
        return None

    def text_for(self, lang: str) -> ArticleText:
        """The text in ``lang``, falling back to Azerbaijani (always present); check ``.lang`` for which."""
        return self.text(lang) or self.text("az") or self.texts[0]

    @property
    def languages(self) -> list[str]:
        """The languages the article is written in, in the portal's order."""
        present = {t.lang for t in self.texts}
        return [lang for lang in ARTICLE_LANGS if lang in present]

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.kind} {self.status}>"


class ArticleText(db.Model):
    """An article's title, summary and body in one language; ``body_html`` is rendered from ``body_md`` and sanitised."""

    __tablename__ = "article_texts"
    __table_args__ = (
        UniqueConstraint("article_id", "lang", name="uq_article_texts_article_lang"),
        CheckConstraint(one_of("lang", ARTICLE_LANGS), name="article_lang_known"),
        CheckConstraint(f"length(title) <= {TITLE_LIMIT}", name="title_length"),
        CheckConstraint(f"length(summary) <= {SUMMARY_LIMIT}", name="summary_length"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(TITLE_LIMIT))
    summary: Mapped[str] = mapped_column(String(SUMMARY_LIMIT), default="", server_default="")
    body_md: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Sanitised HTML rendered from body_md (never edited by hand).
    body_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The cover image's text alternative in this language (required when there is a cover).
    image_alt: Mapped[str | None] = mapped_column(String(ALT_LIMIT))

    article: Mapped[Article] = relationship(back_populates="texts")

    def __repr__(self) -> str:
        return f"<ArticleText {self.article_id}:{self.lang}>"


class ArticleVersion(db.Model):
    """Every saved state of an article: who changed what and when, and the whole article as it was."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "number", name="uq_article_versions_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    # NULL when a scheduled command (publish-due) made the change.
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The names of the fields this save changed, comma-separated (e.g. "status,title_en,tags").
    changed_fields: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    snapshot: Mapped[dict] = mapped_column(JSON)

    article: Mapped[Article] = relationship(back_populates="versions")
    changed_by: Mapped[User | None] = relationship()

    @property
    def changed_list(self) -> list[str]:
        return [f for f in self.changed_fields.split(",") if f]

    def __repr__(self) -> str:
        return f"<ArticleVersion {self.article_id}#{self.number}>"
