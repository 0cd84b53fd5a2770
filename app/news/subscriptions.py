"""Email subscriptions to a district's news in one language, and the weekly digest.

- ``subscribe``: double opt-in. A signed link (``tokens``, purpose ``news-subscribe``, 48 hours)
  goes to the address; the subscription starts when it is opened. A signed-in resident
  subscribing their own confirmed address skips that step. The answer never says whether an
  address was already subscribed (that would tell a stranger who reads the news).
- ``unsubscribe``: the signed link in every digest, no sign-in. It carries the subscription's id
  and nonce; ending the subscription changes the nonce, so the link works once and only for
  that subscription.
- ``send_digests``: once per ISO week (Baku time) per subscription, what was published in the
  district in its language since the last digest; the week sent is recorded on the row, so a
  second run in the same week sends nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_request_context
from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.accounts import mydata
from app.extensions import db
from app.kit import mail
from app.kit.calendar import BAKU
from app.kit.errors import Invalid, NotFound
from app.kit.subscriptions import DigestSummary, Links, confirm_max_age
from app.models import LANGUAGES, Article, District, NewsSubscription, User, utcnow
from app.models.news_subscription import new_nonce

# The confirm and one-click unsubscribe links (app/kit/subscriptions.py).
LINKS = Links(NewsSubscription, "news-subscribe", "news-unsubscribe", new_nonce)
DIGEST_LIMIT = 50


def unsubscribe_url(subscription: NewsSubscription) -> str:
    """The one-click unsubscribe address of ``subscription`` (no sign-in needed)."""
    return mail.link("newsfeeds.unsubscribe", token=LINKS.unsubscribe_token(subscription))


def _district(district_id: int | None) -> District:
    district = db.session.get(District, district_id) if district_id else None
    if district is None or not district.active:
        raise NotFound("district")
    return district


def subscribe(actor: User | None, email: str, district_id: int, lang: str) -> str:
    """Subscribe ``email`` to the district's news in ``lang``.

    Returns ``"active"`` when the subscription started at once (a signed-in resident's own confirmed
    address) or ``"sent"`` when a confirmation link was emailed. ``Invalid`` for a bad address or
    language, ``NotFound`` for an unknown district.
    """
    district = _district(district_id)
    errors: dict[str | None, str] = {}
    try:
        email = validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        errors["email"] = _("Enter a valid email address, like name@example.az.")
    if lang not in LANGUAGES:
        errors["lang"] = _("Choose the language of the news.")
    if errors:
        raise Invalid(errors)
    own = bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_confirmed
               and actor.email == email)
    subscription = db.session.scalar(select(NewsSubscription).where(
        NewsSubscription.email == email, NewsSubscription.district_id == district.id, NewsSubscription.lang == lang))
    if subscription is None:
        subscription = NewsSubscription(email=email, district_id=district.id, lang=lang, status="pending",
                                        nonce=new_nonce())
        db.session.add(subscription)
    if own and subscription.user_id is None:
        subscription.user_id = actor.id
    if subscription.status == "active":
        db.session.commit()
        return "active" if own else "sent"
    if subscription.status == "ended":
        subscription.status, subscription.ended_at, subscription.nonce = "pending", None, new_nonce()
        subscription.last_period = subscription.last_sent_at = None
    if own:
        subscription.status, subscription.confirmed_at = "active", utcnow()
    try:
        db.session.flush()
        if not own:
            # The confirmation email is saved with the subscription it confirms.
            link = mail.link("newsfeeds.confirm", token=LINKS.confirm_token(subscription))
            mail.queue_email(email, "news_subscribe", lang, district=district, link=link, hours=confirm_max_age() // 3600)
        db.session.commit()
    except IntegrityError:
        # The same address subscribed twice at once: the other request created the row.
        db.session.rollback()
        return "sent"
    return "active" if own else "sent"


# The links' use cases, as the views call them: start the subscription, the one a link would end, end it.
confirm = LINKS.confirm
for_unsubscribe = LINKS.for_unsubscribe
unsubscribe = LINKS.unsubscribe


# --- The weekly digest -------------------------------------------------------------------------------


def period_of(moment: datetime) -> str:
    """The ISO week of ``moment`` in Baku, e.g. ``2026-W49`` (one digest per subscription per week)."""
    year, week, _day = moment.astimezone(BAKU).isocalendar()
    return f"{year}-W{week:02d}"


def due_subscriptions() -> list[NewsSubscription]:
    """Active subscriptions, by district and language (the digest's work list)."""
    return list(db.session.scalars(
        select(NewsSubscription).where(NewsSubscription.status == "active")
        .options(selectinload(NewsSubscription.district))
        .order_by(NewsSubscription.district_id, NewsSubscription.lang, NewsSubscription.id)))


def _published_since(district_id: int, since: datetime, until: datetime) -> list[Article]:
    return list(db.session.scalars(
        select(Article).where(Article.public(), Article.district_id == district_id,
                              Article.published_at > since, Article.published_at <= until)
        .options(selectinload(Article.texts))
        .order_by(Article.published_at.desc(), Article.id.desc()).limit(DIGEST_LIMIT)))


def send_digests(now: datetime | None = None,
                 progress: Callable[[Iterable[NewsSubscription]], Iterable[NewsSubscription]] = iter) -> DigestSummary:
    """Send this week's digest to every active subscription not yet sent one this week.

    Each subscription is committed on its own, so an interrupted run resumes where it stopped and a
    second run in the same week sends nothing. Nothing new since the last digest: no email, but
    the week counts as done.
    """
    now = now or utcnow()
    period = period_of(now)
    summary = DigestSummary(period, "Week", "article mentions")
    context = nullcontext() if has_request_context() else \
        current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"])
    with context:
        items = [s for s in due_subscriptions() if s.last_period != period]
        for subscription in progress(items):
            since = subscription.last_sent_at or subscription.confirmed_at or subscription.created_at
            articles = _published_since(subscription.district_id, since, now)
            if articles:
                entries = [_digest_entry(a, subscription.lang) for a in articles]
                unsubscribe_link = unsubscribe_url(subscription)
                try:
                    mail.queue_email(
                        subscription.email, "news_digest", subscription.lang, district=subscription.district,
                        entries=entries, unsubscribe=unsubscribe_link, since=since,
                        headers={"List-Unsubscribe": f"<{unsubscribe_link}>",
                                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
                except Exception as error:  # noqa: BLE001 - one bad address must not stop the others
                    db.session.rollback()
                    summary.failed += 1
                    summary.errors.append(f"{subscription.id}: {error}")
                    continue
                subscription.last_sent_at = now
                summary.sent += 1
                summary.items += len(entries)
            else:
                summary.nothing_new += 1
            subscription.last_period = period
            db.session.commit()
    return summary


def _digest_entry(article: Article, lang: str) -> dict:
    text = article.text_for(lang)
    return {"title": text.title, "summary": text.summary, "published_at": article.published_at,
            "url": mail.link("news.article", article_id=article.id, lang=lang)}



# --- Demo ------------------------------------------------------------------------------------------------

# (email, district code, language): demo residents subscribed to their district's news, confirmed.
DEMO_SUBSCRIPTIONS = [("resident1@demo.az", "GNC", "az"), ("resident2@demo.az", "GNC", "ru"),
                      ("resident3@demo.az", "MSL", "en")]


def seed_demo(now: datetime | None = None) -> int:
    """The demo subscriptions (idempotent); confirmed eight days ago, so the first digest has the demo news."""
    now = now or utcnow()
    created = 0
    for email, code, lang in DEMO_SUBSCRIPTIONS:
        user = db.session.scalar(select(User).where(User.email == email))
        district = db.session.scalar(select(District).where(District.code == code))
        if user is None or district is None:
            continue
        exists = db.session.scalar(select(NewsSubscription.id).where(
            NewsSubscription.email == email, NewsSubscription.district_id == district.id, NewsSubscription.lang == lang))
        if exists is None:
            confirmed = now - timedelta(days=8)
            db.session.add(NewsSubscription(email=email, district_id=district.id, lang=lang, user_id=user.id,
                                            status="active", nonce=new_nonce(), created_at=confirmed,
                                            confirmed_at=confirmed))
            created += 1
    db.session.commit()
    return created


# --- The resident's own data (download, closing the account) ----------------------------------------------------


def _own(user: User):
    """The resident's subscriptions: those to their address (any case), and those they made signed in."""
    return or_(NewsSubscription.email == func.lower(user.email), NewsSubscription.user_id == user.id)


def export_own(user: User, add_file: mydata.AddFile) -> list[dict]:
    """The resident's news subscriptions, for the download."""
    rows = db.session.scalars(select(NewsSubscription).where(_own(user))
                              .options(selectinload(NewsSubscription.district)).order_by(NewsSubscription.id))
    return [{"email": s.email, "district": s.district.code, "language": s.lang, "status": s.status,
             "subscribed_at": s.created_at, "confirmed_at": s.confirmed_at, "ended_at": s.ended_at,
             "last_digest_at": s.last_sent_at} for s in rows]


def close_own(user: User) -> None:
    """Closing the account deletes every subscription to the resident's address: an email must not survive it.

    Deleted, not ended: an ended row would still hold the address (and its unsubscribe links fail harmlessly).
    """
    db.session.execute(delete(NewsSubscription).where(_own(user)).execution_options(synchronize_session=False))


mydata.register_exporter("news_subscriptions", export_own)
mydata.register_closer(close_own)
