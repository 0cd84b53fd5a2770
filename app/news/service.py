"""The newsroom: writing, reviewing, scheduling, publishing and archiving articles; what the public reads.

Writers of a district (its editors, head and officials, policy ``news.write``)
write its articles and send them for review; its editors (``news.publish``)
schedule, publish and archive them. National articles (no district) are the
administrators'. To anyone else another district's article does not exist
(``NotFound``). Every save keeps an ``ArticleVersion``: who, when, which
fields changed, and the whole article as it was saved.

After each commit that changes what the public sees, ``article_changed`` is
sent (the cache and the newsfeeds listen). Public reads go through
``news_cache`` and return plain JSON-able dicts, so a cached page and a fresh
one are the same thing; ``revive`` turns their timestamps back into datetimes.
"""
from __future__ import annotations

import calendar as month_calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from app import authz
from app.extensions import db
from app.kit import audit, files, notify
from app.kit.calendar import BAKU
from app.kit.errors import Invalid, NotFound
from app.kit.i18n import by_name, current_lang
from app.kit.paging import MAX_PER_PAGE, Page, paginate
from app.models import (
    ARTICLE_KINDS,
    ARTICLE_LANGS,
    Article,
    ArticleImage,
    ArticleText,
    ArticleVersion,
    District,
    RoleAssignment,
    Tag,
    User,
    article_tags,
    utcnow,
)
from app.models.news import ALT_LIMIT, BODY_LIMIT, PLACE_LIMIT, SUMMARY_LIMIT, TITLE_LIMIT
from app.news import cache as news_cache
from app.news import images as news_images
from app.news import render as news_render
from app.news.signals import article_changed

TAG_SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
PER_PAGE = 10
OFFICE_PER_PAGE = 25
RELATED = 3
HOME_LATEST = 3
MAX_TAGS = 8
# The events calendar shows at most this many events in a month.
MONTH_EVENTS = 200

KIND_LABELS = {
    "news": _l("News"),
    "announcement": _l("Announcement"),
    "event": _l("Event"),
}
STATUS_LABELS = {
    "draft": _l("Draft"),
    "review": _l("In review"),
    "scheduled": _l("Scheduled"),
    "published": _l("Published"),
    "archived": _l("Archived"),
}
LANG_LABELS = {"az": _l("Azerbaijani"), "ru": _l("Russian"), "en": _l("English")}
# Field names in a version's summary of changes, for people.
FIELD_LABELS = {
    "kind": _l("kind"), "district_id": _l("district"), "status": _l("status"),
    "publish_at": _l("publishing time"), "starts_at": _l("start"), "ends_at": _l("end"), "place": _l("place"),
    "cover_image_id": _l("cover image"), "tags": _l("tags"),
}
TEXT_FIELDS = ("title", "summary", "body", "alt")
# "place_ru" and "place_en" read "place (Russian)"; the Azerbaijani place keeps the key "place" of older versions.
TEXT_FIELD_LABELS = {"title": _l("title"), "summary": _l("summary"), "body": _l("text"), "alt": _l("image description"),
                     "place": _l("place")}

# Who may move an article from one status to another: "write" (news.write) or "publish" (news.publish).
ARTICLE_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "review"): "write",
    ("review", "draft"): "write",
    ("draft", "scheduled"): "publish",
    ("review", "scheduled"): "publish",
    ("scheduled", "draft"): "publish",
    ("draft", "published"): "publish",
    ("review", "published"): "publish",
    ("scheduled", "published"): "publish",
    ("published", "archived"): "publish",
    ("archived", "draft"): "publish",
}


def transition_allowed(user: User, article: Article, to_status: str) -> bool:
    """Whether ``user`` may move ``article`` from its status to ``to_status``."""
    needed = ARTICLE_TRANSITIONS.get((article.status, to_status))
    if needed is None:
        return False
    return authz.can(user, "news.publish" if needed == "publish" else "news.write", article)


# --- Input ---------------------------------------------------------------------------------------


@dataclass
class TextInput:
    """An article's words in one language; all empty means the language is not written."""

    title: str = ""
    summary: str = ""
    body: str = ""
    alt: str = ""

    @property
    def written(self) -> bool:
        return bool(self.title.strip() or self.summary.strip() or self.body.strip())


@dataclass
class ArticleInput:
    """What a writer fills in; ``district_id`` None with ``national`` True is a national article.

    An event's ``place`` is the Azerbaijani text (required for an event); ``place_ru`` and ``place_en`` its optional
    translations.
    """

    kind: str
    district_id: int | None
    national: bool = False
    texts: dict[str, TextInput] = field(default_factory=dict)
    tag_ids: list[int] = field(default_factory=list)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place: str = ""
    remove_cover: bool = False
    place_ru: str = ""
    place_en: str = ""


def local_to_utc(value: datetime | None) -> datetime | None:
    """A wall-clock time in Baku (what a datetime-local input sends) as an aware UTC datetime."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=BAKU)
    return value.astimezone(UTC)


def _without_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text; nobody types one, so it is simply dropped.
    return (value or "").replace("\x00", "")


def _normalise(data: ArticleInput) -> None:
    """Drop NUL characters from every text of the input."""
    for text in data.texts.values():
        text.title, text.summary = _without_nul(text.title), _without_nul(text.summary)
        text.body, text.alt = _without_nul(text.body), _without_nul(text.alt)
    data.place, data.place_ru, data.place_en = (_without_nul(data.place), _without_nul(data.place_ru),
                                                _without_nul(data.place_en))


def _check(data: ArticleInput, has_cover: bool) -> dict[str | None, str]:
    """Every rule an article must keep, as {field: message}; empty when the input is good."""
    errors: dict[str | None, str] = {}
    if data.kind not in ARTICLE_KINDS:
        errors["kind"] = _("Choose what kind of article this is.")
    for lang in ARTICLE_LANGS:
        text = data.texts.get(lang) or TextInput()
        if lang != "az" and not text.written:
            if text.alt.strip() and len(text.alt.strip()) > ALT_LIMIT:
                errors[f"alt_{lang}"] = _("Use at most %(max)d characters.", max=ALT_LIMIT)
            continue
        if not text.title.strip():
            errors[f"title_{lang}"] = (_("Write the title in Azerbaijani: every article has one, and other languages fall "
                                         "back to it.") if lang == "az" else
                                       _("Write the title in this language too, or leave the language empty."))
        elif len(text.title.strip()) > TITLE_LIMIT:
            errors[f"title_{lang}"] = _("Use at most %(max)d characters.", max=TITLE_LIMIT)
        if len(text.summary.strip()) > SUMMARY_LIMIT:
            errors[f"summary_{lang}"] = _("Use at most %(max)d characters.", max=SUMMARY_LIMIT)
        if not text.body.strip():
            errors[f"body_{lang}"] = (_("Write the text of the article in Azerbaijani.") if lang == "az" else
                                      _("Write the text in this language too, or leave the language empty."))
        elif len(text.body) > BODY_LIMIT:
            errors[f"body_{lang}"] = _("Use at most %(max)d characters.", max=BODY_LIMIT)
        alt = text.alt.strip()
        if has_cover and not alt:
            errors[f"alt_{lang}"] = _("Describe the picture in this language for people who cannot see it.")
        elif len(alt) > ALT_LIMIT:
            errors[f"alt_{lang}"] = _("Use at most %(max)d characters.", max=ALT_LIMIT)
    if len(set(data.tag_ids)) > MAX_TAGS:
        errors["tags"] = _("Choose at most %(max)d tags.", max=MAX_TAGS)
    elif data.tag_ids:
        known = set(db.session.scalars(select(Tag.id).where(Tag.id.in_(data.tag_ids))))
        if set(data.tag_ids) - known:
            errors["tags"] = _("Choose tags from the list.")
    for name in ("place", "place_ru", "place_en"):
        if len(getattr(data, name).strip()) > PLACE_LIMIT:
            errors[name] = _("Use at most %(max)d characters.", max=PLACE_LIMIT)
    if data.kind == "event":
        if data.starts_at is None:
            errors["starts_at"] = _("Enter when the event starts.")
        if not data.place.strip():
            errors["place"] = _("Enter where the event takes place.")
        if data.starts_at and data.ends_at and data.ends_at < data.starts_at:
            errors["ends_at"] = _("The event cannot end before it starts.")
    return errors


# --- Versions ----------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def snapshot(article: Article) -> dict:
    """The whole article as flat JSON: what a version keeps and what changes are computed from."""
    snap: dict = {
        "kind": article.kind, "district_id": article.district_id, "status": article.status,
        "publish_at": _iso(article.publish_at), "starts_at": _iso(article.starts_at), "ends_at": _iso(article.ends_at),
        "place": article.place_az or "", "cover_image_id": article.cover_image_id,
        "tags": sorted(t.slug for t in article.tags),
    }
    # Only when written, like the texts: versions kept before the place had translations have no such keys, and an
    # empty translation must not read as a change against them.
    for lang in ("ru", "en"):
        if getattr(article, f"place_{lang}"):
            snap[f"place_{lang}"] = getattr(article, f"place_{lang}")
    for text in article.texts:
        snap[f"title_{text.lang}"] = text.title
        snap[f"summary_{text.lang}"] = text.summary
        snap[f"body_{text.lang}"] = text.body_md
        snap[f"alt_{text.lang}"] = text.image_alt or ""
    return snap


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))


def _record_version(article: Article, actor: User | None, before: dict, now: datetime) -> ArticleVersion:
    """Keep the article as it is now, naming what changed since ``before`` (everything, for a new article)."""
    after = snapshot(article)
    number = (db.session.scalar(select(func.max(ArticleVersion.number)).where(ArticleVersion.article_id == article.id))
              or 0) + 1
    version = ArticleVersion(article_id=article.id, number=number, status=article.status,
                             changed_by_id=actor.id if actor is not None else None, created_at=now,
                             changed_fields=",".join(_changed(before, after))[:1000], snapshot=after)
    db.session.add(version)
    return version


def describe_change(name: str) -> str:
    """A changed field's name for people: "title (English)", "status"."""
    stem, _sep, lang = name.rpartition("_")
    if stem in TEXT_FIELD_LABELS and lang in LANG_LABELS:
        return f"{TEXT_FIELD_LABELS[stem]} ({LANG_LABELS[lang]})"
    return str(FIELD_LABELS.get(name, name))


# --- Writers: scope and lookup --------------------------------------------------------------------


def writer_districts(actor: User) -> list[District]:
    """The districts whose articles ``actor`` writes, by name."""
    ids = authz.staff_districts(actor, authz.NEWS_WRITERS)
    if not ids:
        return []
    return by_name(db.session.scalars(select(District).where(District.id.in_(ids))))


def writes_national(actor: User) -> bool:
    """Whether ``actor`` writes national articles (administrators)."""
    return authz.can(actor, "news.write", authz.NATIONAL)


def editable(actor: User, article_id: int) -> Article:
    """An article ``actor`` may write; another district's is ``NotFound`` (its existence is not revealed)."""
    article = db.session.get(Article, article_id)
    if article is None or not authz.can(actor, "news.write", article):
        raise NotFound("article")
    return article


def _scope(actor: User, data: ArticleInput) -> int | None:
    """The district id a new article goes to (None: national); ``NotFound`` outside the writer's scope."""
    if data.national:
        target = authz.NATIONAL
        district_id = None
    else:
        district_id = data.district_id
        target = db.session.get(District, district_id) if district_id is not None else None
        if target is None:
            raise NotFound("district")
    if not authz.can(actor, "news.write", target):
        raise NotFound("district")
    return district_id


def tags() -> list[Tag]:
    """Every tag, by slug, for the form's checkboxes and the public filter."""
    return list(db.session.scalars(select(Tag).order_by(Tag.slug)))


# --- Writers: saving ------------------------------------------------------------------------------


def _apply(article: Article, data: ArticleInput) -> None:
    article.kind = data.kind
    is_event = data.kind == "event"
    article.starts_at = data.starts_at if is_event else None
    article.ends_at = data.ends_at if is_event else None
    article.place_az = (data.place.strip() or None) if is_event else None
    article.place_ru = (data.place_ru.strip() or None) if is_event else None
    article.place_en = (data.place_en.strip() or None) if is_event else None
    by_lang = {t.lang: t for t in article.texts}
    for lang in ARTICLE_LANGS:
        given = data.texts.get(lang) or TextInput()
        if lang != "az" and not given.written:
            if lang in by_lang:
                article.texts.remove(by_lang[lang])
            continue
        text = by_lang.get(lang)
        if text is None:
            text = ArticleText(lang=lang)
            article.texts.append(text)
        text.title = given.title.strip()
        text.summary = given.summary.strip()
        text.body_md = given.body.strip()
        text.body_html = news_render.render(text.body_md)
        text.image_alt = given.alt.strip() or None
    article.tags = list(db.session.scalars(select(Tag).where(Tag.id.in_(set(data.tag_ids))))) if data.tag_ids else []


def save(actor: User, article_id: int | None, data: ArticleInput, cover_upload=None,
         now: datetime | None = None) -> Article:
    """Write a new article (``article_id`` None) or change one; a new cover replaces the old.

    Everything is checked before anything is stored: on any error nothing is written, not even the image.
    An archived article is not edited (return it to draft first).
    """
    now = now or utcnow()
    _normalise(data)
    if article_id is None:
        district_id = _scope(actor, data)
        article = None
        has_cover = False
    else:
        article = editable(actor, article_id)
        district_id = article.district_id
        if article.status == "archived":
            raise Invalid({None: _("An archived article is not edited: return it to draft first.")})
        if article.status in ("scheduled", "published") and not authz.can(actor, "news.publish", article):
            raise Invalid({None: _("Only an editor may change a scheduled or published article.")})
        has_cover = article.cover_image_id is not None and not data.remove_cover
    errors: dict[str | None, str] = {}
    prepared = None
    try:
        prepared = news_images.prepare(cover_upload)
    except Invalid as error:
        errors.update(error.errors)
    errors = {**_check(data, has_cover or prepared is not None or "cover" in errors), **errors}
    if errors:
        raise Invalid(errors)
    written: list[str] = []
    try:
        if article is None:
            article = Article(district_id=district_id, status="draft", author_id=actor.id, created_at=now,
                              updated_at=now)
            db.session.add(article)
            before: dict = {}
        else:
            before = snapshot(article)
        if prepared is not None:
            stored_name, written = news_images.write(prepared)
            image = ArticleImage(district_id=district_id, uploaded_by_id=actor.id, stored_name=stored_name,
                                 original_name=prepared.original_name, width=prepared.width, height=prepared.height,
                                 widths=prepared.widths, sha256=prepared.sha256, created_at=now)
            db.session.add(image)
            db.session.flush()
            article.cover_image_id = image.id
        elif data.remove_cover:
            article.cover_image_id = None
        _apply(article, data)
        article.updated_at = now
        db.session.flush()
        version = _record_version(article, actor, before, now)
        _audit("article.update" if before else "article.create", actor, article,
               summary=f"version {version.number}: {version.changed_fields}"[:200])
        notify.commit()
    except files.StorageUnavailable:
        # Neither the article's changes nor any width of the cover is kept (news_images.write removed its own).
        db.session.rollback()
        files.remove(written)
        raise files.storage_failed("cover") from None
    except Exception:
        db.session.rollback()
        files.remove(written)
        raise
    if article.status == "published":
        article_changed.send(article.id)
    return article


ACTION_NAMES = {"review": "article.review", "draft": "article.draft", "scheduled": "article.schedule",
                "published": "article.publish", "archived": "article.archive"}


def _audit(action: str, actor: User | None, article: Article, summary: str = "", before: dict | None = None,
           after: dict | None = None) -> None:
    """Leave the step in the audit trail (it joins this transaction; no actor: a scheduled command)."""
    audit.record(action, actor=actor, obj=article, summary=summary, before=before, after=after)


def _move(actor: User | None, article: Article, to_status: str, now: datetime) -> None:
    before = snapshot(article)
    article.status = to_status
    article.updated_at = now
    _record_version(article, actor, before, now)


def transition(actor: User, article_id: int, to_status: str, publish_at: datetime | None = None,
               now: datetime | None = None) -> Article:
    """Move an article along draft → review → scheduled → published → archived (and back to draft).

    Scheduling needs a time in the future; publishing now sets the publication time.
    """
    now = now or utcnow()
    article = editable(actor, article_id)
    if not transition_allowed(actor, article, to_status):
        if (article.status, to_status) in ARTICLE_TRANSITIONS:
            raise Invalid({None: _("Only an editor of the district (an administrator for national articles) may do "
                                   "this.")})
        raise Invalid({None: _("This step is not possible from the article's current status.")})
    was_public = article.status == "published"
    from_status = article.status
    if to_status == "scheduled":
        if publish_at is None:
            raise Invalid({"publish_at": _("Enter the day and time to publish the article.")})
        if publish_at <= now:
            raise Invalid({"publish_at": _("The publishing time is in the past: choose a time later than now.")})
        article.publish_at = publish_at
    elif to_status == "published":
        article.published_at = now
        article.publish_at = None
    elif to_status == "draft":
        article.publish_at = None
    _move(actor, article, to_status, now)
    after = {"status": to_status}
    if to_status == "scheduled":
        after["publish_at"] = _iso(article.publish_at)
    _audit(ACTION_NAMES[to_status], actor, article, before={"status": from_status}, after=after)
    if to_status == "review":
        _tell_publishers(actor, article)
    notify.commit()
    if was_public or to_status == "published":
        article_changed.send(article.id)
    return article


def publishers(article: Article) -> list[User]:
    """Who may publish ``article``: its district's editors; for a national article, the administrators."""
    if article.district_id is None:
        roles, scope = ("admin",), RoleAssignment.district_id.is_(None)
    else:
        roles, scope = authz.NEWS_PUBLISHERS, RoleAssignment.district_id == article.district_id
    return list(db.session.scalars(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id).where(
        RoleAssignment.role.in_(roles), scope, User.active.is_(True)).distinct().order_by(User.id)))


def _tell_publishers(actor: User, article: Article) -> None:
    """Work arriving: an article sent for review reaches those who may publish it (not the one who sent it)."""
    notify.notify_all([p for p in publishers(article) if p.id != actor.id], lambda: _(
        "An article was sent for review: “%(title)s”.", title=article.text_for(current_lang()).title),
        kind="article.review", link=f"/office/news/{article.id}", obj=article)


def publish_due(now: datetime | None = None) -> list[int]:
    """Publish every scheduled article whose time has come; returns their ids.

    Idempotent and safe to run every minute, also twice at once: each row is
    switched by a conditional UPDATE (``status = 'scheduled'``), so only one
    run publishes it and writes its version.
    """
    now = now or utcnow()
    due = list(db.session.scalars(
        select(Article).where(Article.status == "scheduled", Article.publish_at <= now)
        .options(selectinload(Article.texts), selectinload(Article.tags)).order_by(Article.publish_at, Article.id)))
    published = []
    for article in due:
        switched = db.session.execute(
            update(Article).where(Article.id == article.id, Article.status == "scheduled")
            .values(status="published", published_at=article.publish_at, publish_at=None, updated_at=now)
            .execution_options(synchronize_session=False))
        if switched.rowcount != 1:
            continue
        before = snapshot(article)
        db.session.refresh(article)
        after = snapshot(article)
        number = (db.session.scalar(select(func.max(ArticleVersion.number))
                                    .where(ArticleVersion.article_id == article.id)) or 0) + 1
        db.session.add(ArticleVersion(article_id=article.id, number=number, status="published", changed_by_id=None,
                                      created_at=now, changed_fields=",".join(_changed(before, after)),
                                      snapshot=after))
        _audit("article.publish", None, article, "publish-due", before={"status": "scheduled"},
               after={"status": "published"})
        published.append(article.id)
    notify.commit()
    for article_id in published:
        article_changed.send(article_id)
    return published


# --- Writers: lists and pages -------------------------------------------------------------------------


@dataclass
class OfficeScope:
    """Which articles the office list shows: a district, or the national ones."""

    district: District | None
    national: bool


def office_scope(actor: User, choice: str | None) -> OfficeScope:
    """The scope asked for (a district id or "national") if ``actor`` writes for it, else their first; else ``NotFound``."""
    districts = writer_districts(actor)
    if choice == "national":
        if writes_national(actor):
            return OfficeScope(None, True)
        raise NotFound("district")
    for district in districts:
        if choice is not None and str(district.id) == choice:
            return OfficeScope(district, False)
    if choice not in (None, ""):
        # Asked for a district they do not write for: it does not exist for them.
        raise NotFound("district")
    if districts:
        return OfficeScope(districts[0], False)
    if writes_national(actor):
        return OfficeScope(None, True)
    raise NotFound("district")


def office_list(actor: User, scope: OfficeScope, status: str = "", page: int = 1) -> Page:
    """The scope's articles, most recently changed first; ``status`` narrows the list."""
    conditions = [Article.district_id.is_(None) if scope.national else Article.district_id == scope.district.id]
    if status in STATUS_LABELS:
        conditions.append(Article.status == status)
    return paginate(
        select(Article).where(*conditions).options(selectinload(Article.texts), joinedload(Article.author))
        .order_by(Article.updated_at.desc(), Article.id.desc()),
        page, OFFICE_PER_PAGE, count=select(func.count()).select_from(Article).where(*conditions))


def office_status_counts(scope: OfficeScope) -> dict[str, int]:
    """How many of the scope's articles are in each status."""
    condition = Article.district_id.is_(None) if scope.national else Article.district_id == scope.district.id
    counts = dict(db.session.execute(select(Article.status, func.count()).where(condition).group_by(Article.status)).all())
    return {status: counts.get(status, 0) for status in STATUS_LABELS}


def versions(article: Article) -> list[ArticleVersion]:
    """Every saved version of the article, the newest first, with who saved it."""
    return list(db.session.scalars(
        select(ArticleVersion).where(ArticleVersion.article_id == article.id)
        .options(joinedload(ArticleVersion.changed_by)).order_by(ArticleVersion.number.desc())))


# --- Images ----------------------------------------------------------------------------------------------


def image_for(actor: User | None, image_id: int, width: int) -> tuple[str, bool]:
    """The stored name of one width of a cover and whether a published article shows it (then it is public;
    otherwise only its writers see it)."""
    image = db.session.get(ArticleImage, image_id)
    if image is None or width not in image.width_list:
        raise NotFound("image")
    shown = db.session.scalar(select(Article.id).where(Article.cover_image_id == image.id, Article.public()).limit(1))
    if shown is None and not authz.can(actor, "news.write", image):
        raise NotFound("image")
    # Whether the storage still has the file is found when it is opened: a missing one is a 404 there too.
    return news_images.variant_name(image.stored_name, width), shown is not None


# --- What the public reads -----------------------------------------------------------------------------


def _public_query():
    return (select(Article).where(Article.public())
            .options(selectinload(Article.texts), selectinload(Article.tags), joinedload(Article.cover_image),
                     joinedload(Article.district)))


def _item(article: Article, lang: str) -> dict:
    """An article as a list shows it, in ``lang`` (Azerbaijani when it is not written in ``lang``)."""
    text = article.text_for(lang)
    cover = article.cover_image
    district = article.district
    return {
        "id": article.id, "kind": article.kind,
        "district": {"code": district.code, "name": district.name_in(lang)} if district else None,
        "published_at": _iso(article.published_at), "updated_at": _iso(article.updated_at),
        "starts_at": _iso(article.starts_at), "ends_at": _iso(article.ends_at),
        "place": article.text_in("place", lang),
        "title": text.title, "summary": text.summary, "lang": text.lang, "fallback": text.lang != lang,
        "cover": {"id": cover.id, "widths": cover.width_list, "width": cover.width, "height": cover.height,
                  "alt": text.image_alt or ""} if cover else None,
        "tags": [{"slug": t.slug, "name": t.name_in(lang)} for t in article.tags],
    }


_DATETIME_KEYS = ("published_at", "updated_at", "starts_at", "ends_at")


def revive(item: dict) -> dict:
    """A cached item with its timestamps as aware datetimes again (and its related items too)."""
    item = dict(item)
    for key in _DATETIME_KEYS:
        if isinstance(item.get(key), str):
            item[key] = datetime.fromisoformat(item[key])
    if "related" in item:
        item["related"] = [revive(r) for r in item["related"]]
    return item


@dataclass
class PublicList:
    """One page of public articles, with the filters that made it."""

    page: Page
    kind: str
    tag: dict | None
    unknown_tag: bool


def public_list(lang: str, district: District | None = None, kind: str = "", tag: str = "", page: int = 1,
                per_page: int = PER_PAGE) -> PublicList:
    """Published articles, newest first: every district's and the national ones (``district`` None) or one
    district's; ``kind`` and ``tag`` narrow the list. An unknown tag gives an empty list, never an error."""
    kind = kind if kind in ARTICLE_KINDS else ""
    tag = (tag or "").strip().lower()[:60]
    # Slugs are lower-case letters, digits and dashes; anything else is no tag (and never reaches the database).
    bad_tag = bool(tag) and not TAG_SLUG_RE.fullmatch(tag)
    page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
    key = f"list:{lang}:{district.id if district else '*'}:{kind}:{'?' if bad_tag else tag}:{page}:{per_page}"

    def build() -> dict:
        conditions = [Article.public()]
        if district is not None:
            conditions.append(Article.district_id == district.id)
        if kind:
            conditions.append(Article.kind == kind)
        tag_info = None
        if bad_tag:
            return {"items": [], "total": 0, "tag": None, "unknown_tag": True}
        if tag:
            found = db.session.scalar(select(Tag).where(Tag.slug == tag))
            if found is None:
                return {"items": [], "total": 0, "tag": None, "unknown_tag": True}
            tag_info = {"slug": found.slug, "name": found.name_in(lang)}
            conditions.append(Article.id.in_(select(article_tags.c.article_id).where(article_tags.c.tag_id == found.id)))
        found = paginate(_public_query().where(*conditions).order_by(Article.published_at.desc(), Article.id.desc()),
                         page, per_page, count=select(func.count()).select_from(Article).where(*conditions),
                         unique=True, wrap=lambda rows: [_item(a, lang) for a in rows])
        return {"items": found.items, "total": found.total, "tag": tag_info, "unknown_tag": False}

    data = news_cache.cached(key, build)
    # Cached as plain data (a page of dicts and its total), revived into the kit's Page on every call.
    return PublicList(Page([revive(i) for i in data["items"]], data["total"], page, per_page), kind, data["tag"],
                      data["unknown_tag"])


def latest(lang: str, district: District | None, count: int = HOME_LATEST) -> list[dict]:
    """The newest published articles of ``district`` (of the whole country when None), for the home page."""
    return public_list(lang, district, page=1, per_page=count).page.items


def _related(article: Article, lang: str) -> list[dict]:
    """Up to three published articles sharing the most tags with ``article``, then the same district's newest.

    Two statements whatever the numbers: one ranks, one loads.
    """
    tag_ids = [t.id for t in article.tags]
    same_place = (Article.district_id.is_(None) if article.district_id is None
                  else Article.district_id == article.district_id)
    shared = func.count(article_tags.c.tag_id)
    ids = list(db.session.scalars(
        select(Article.id)
        .outerjoin(article_tags, (article_tags.c.article_id == Article.id) & article_tags.c.tag_id.in_(tag_ids))
        .where(Article.public(), Article.id != article.id, or_(same_place, article_tags.c.tag_id.is_not(None)))
        .group_by(Article.id, Article.published_at)
        .order_by(shared.desc(), Article.published_at.desc(), Article.id.desc()).limit(RELATED)))
    rows = {a.id: a for a in db.session.scalars(_public_query().where(Article.id.in_(ids))).unique()}
    return [_item(rows[i], lang) for i in ids if i in rows]


def article_page(article: Article, lang: str, with_related: bool = True) -> dict:
    """Everything the article page shows, as plain data: the item, the body, the languages, related articles."""
    data = _item(article, lang)
    text = article.text_for(lang)
    data.update(body_html=text.body_html, languages=article.languages, status=article.status,
                related=_related(article, lang) if with_related else [])
    return data


def public_article(lang: str, article_id: int) -> dict:
    """A published article in ``lang`` (Azerbaijani fallback) with related articles; ``NotFound`` otherwise."""

    def build() -> dict | None:
        article = db.session.scalar(_public_query().where(Article.id == article_id))
        return None if article is None else article_page(article, lang)

    data = news_cache.cached(f"article:{lang}:{article_id}", build)
    if data is None:
        raise NotFound("article")
    return revive(data)


def preview(actor: User, article_id: int, lang: str) -> dict:
    """The article page as it will look, for its writers, in any status (never cached)."""
    article = editable(actor, article_id)
    return revive(article_page(article, lang, with_related=False))


# --- Events -------------------------------------------------------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The first instant of the month and of the next one, Baku time, as UTC."""
    start = datetime(year, month, 1, tzinfo=BAKU)
    days = month_calendar.monthrange(year, month)[1]
    return start.astimezone(UTC), (start + timedelta(days=days)).astimezone(UTC)


def events_in_month(lang: str, year: int, month: int, district: District | None = None) -> list[dict]:
    """Published events that take place (at least partly) in the month, by start."""
    key = f"events:{lang}:{district.id if district else '*'}:{year}-{month:02d}"

    def build() -> list[dict]:
        start, end = month_bounds(year, month)
        conditions = [Article.public(), Article.kind == "event", Article.starts_at < end,
                      or_(Article.starts_at >= start, func.coalesce(Article.ends_at, Article.starts_at) >= start)]
        if district is not None:
            conditions.append(Article.district_id == district.id)
        rows = db.session.scalars(_public_query().where(*conditions).order_by(Article.starts_at, Article.id)
                                  .limit(MONTH_EVENTS)).unique().all()
        return [_item(a, lang) for a in rows]

    return [revive(i) for i in news_cache.cached(key, build)]


def public_event(article_id: int) -> Article:
    """A published event (for its calendar file); ``NotFound`` otherwise."""
    article = db.session.scalar(_public_query().where(Article.id == article_id, Article.kind == "event"))
    if article is None:
        raise NotFound("event")
    return article


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r", "").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets as RFC 5545 asks (continuation lines start with a space)."""
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def ics(article: Article, lang: str, url: str) -> str:
    """The event as an iCalendar (RFC 5545) file, times in UTC, texts in ``lang`` (Azerbaijani fallback)."""
    text = article.text_for(lang)

    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    ends = article.ends_at or (article.starts_at + timedelta(hours=1))
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Reqemsal Icra//News//AZ", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:article-{article.id}@reqemsal-icra",
        f"DTSTAMP:{stamp(article.updated_at)}",
        f"DTSTART:{stamp(article.starts_at)}",
        f"DTEND:{stamp(ends)}",
        f"SUMMARY:{_ics_text(text.title)}",
        f"LOCATION:{_ics_text(article.text_in('place', lang))}",
        f"DESCRIPTION:{_ics_text(text.summary or text.title)}",
        f"URL:{url}",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def parse_month(value: str | None, today: date) -> tuple[int, int]:
    """``YYYY-MM`` from the query string, or this month when missing or not a month (never an error)."""
    try:
        year, month = (int(part) for part in (value or "").split("-", 1))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    return today.year, today.month


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    """The month ``delta`` months away."""
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1
