"""Subscribing to a district's public appeals and answers by email, and a resident's own alerts.

- ``subscribe``: double opt-in. A signed link (``tokens``, purpose ``alert-subscribe``, ``CONFIRM_TOKEN_MAX_AGE``)
  goes to the address; only a confirmed subscription receives alerts. A signed-in resident subscribing their own
  confirmed address skips that step. One row per address, district, category and language: asking again changes
  no other row, and the answer never says whether the address was already subscribed (that would tell a stranger
  what someone follows); the address itself is told instead.
- ``unsubscribe``: the signed link in every alert email, no sign-in. It carries the subscription's id and nonce;
  ending the subscription changes the nonce, so the link works once and only for that subscription.
- The cabinet: the resident's alerts (made while signed in, or to their confirmed address), changing the
  frequency, ending one. Another resident's alert is ``NotFound`` (``authz`` ``alert.manage``).
- Closing the account deletes every alert to the resident's address or made by them (``mydata`` closer).
"""
from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import authz
from app.accounts import mydata
from app.extensions import db
from app.kit import mail
from app.kit.errors import Invalid, NotFound
from app.kit.subscriptions import Links, confirm_max_age
from app.models import ALERT_FREQUENCIES, LANGUAGES, AlertSubscription, Category, District, User, utcnow
from app.models.alert import new_alert_nonce

# The confirm and one-click unsubscribe links (app/kit/subscriptions.py).
LINKS = Links(AlertSubscription, "alert-subscribe", "alert-unsubscribe", new_alert_nonce)

FREQUENCY_LABELS = {
    "instant": _l("At once: one email for each new appeal or answer"),
    "daily": _l("Once a day: one email with the day's appeals and answers"),
}
# The short form, for lists.
FREQUENCY_NAMES = {"instant": _l("At once"), "daily": _l("Once a day")}


@dataclass(frozen=True)
class SubscribeInput:
    """What a subscriber asks for, as the form sends it: codes, not ids (the page's choices)."""

    email: str
    district_code: str
    category_code: str = ""
    frequency: str = "daily"
    lang: str = "az"


def unsubscribe_url(subscription: AlertSubscription) -> str:
    """The one-click unsubscribe address of ``subscription`` (no sign-in needed), on ``PUBLIC_URL``."""
    return mail.link("alerts.unsubscribe", token=LINKS.unsubscribe_token(subscription))


def unsubscribe_headers(link: str) -> dict[str, str]:
    """RFC 8058 headers: mail programs show an unsubscribe button that POSTs to ``link``."""
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


# --- Subscribing ---------------------------------------------------------------------------------------------------


def _checked(data: SubscribeInput) -> tuple[str, District, Category | None]:
    """The normalised address, the district and the category; ``Invalid`` naming every wrong field at once."""
    errors: dict[str | None, str] = {}
    email = ""
    try:
        email = validate_email((data.email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        errors["email"] = _("Enter a valid email address, like name@example.az.")
    code = (data.district_code or "").strip().upper()
    district = db.session.scalar(select(District).where(District.code == code, District.active.is_(True))) \
        if code else None
    if district is None:
        errors["district"] = _("Choose a district from the list.")
    category = None
    if data.category_code:
        category = db.session.scalar(select(Category).where(Category.code == data.category_code.strip(),
                                                            Category.active.is_(True)))
        if category is None:
            errors["category"] = _("Choose a category from the list, or all categories.")
    if data.frequency not in ALERT_FREQUENCIES:
        errors["frequency"] = _("Choose how often the alerts come.")
    if data.lang not in LANGUAGES:
        errors[None] = _("Choose the language of the alerts.")
    if errors:
        raise Invalid(errors)
    return email, district, category


def _find(email: str, district: District, category: Category | None, lang: str) -> AlertSubscription | None:
    category_rule = AlertSubscription.category_id.is_(None) if category is None else \
        AlertSubscription.category_id == category.id
    return db.session.scalar(select(AlertSubscription).where(
        AlertSubscription.email == email, AlertSubscription.district_id == district.id, category_rule,
        AlertSubscription.lang == lang))


def _signed_in_id(actor: User | None) -> int | None:
    return actor.id if actor is not None and getattr(actor, "is_authenticated", False) else None


def subscribe(actor: User | None, data: SubscribeInput) -> str:
    """Subscribe an address to a district's public appeals and answers (all, or one category's).

    Returns ``"active"`` when the subscription started at once (a signed-in resident's own confirmed address) or
    ``"sent"`` when an email went to the address: the confirmation link, or, when the address is subscribed
    already, a note saying so (the answer is the same either way). ``Invalid`` for a bad address, an unknown
    district or category, or a frequency not on offer: nothing is written then.
    """
    email, district, category = _checked(data)
    own = authz.owns_address(actor, email)
    subscription = _find(email, district, category, data.lang)
    if subscription is None:
        subscription = AlertSubscription(email=email, district_id=district.id,
                                         category_id=category.id if category else None, lang=data.lang,
                                         frequency=data.frequency, status="pending", nonce=new_alert_nonce(),
                                         user_id=_signed_in_id(actor), created_at=utcnow())
        db.session.add(subscription)
    elif subscription.status == "ended":
        # A fresh start: whoever asks now (signed in or not) makes it; nothing of the old one carries over.
        subscription.status, subscription.ended_at, subscription.nonce = "pending", None, new_alert_nonce()
        subscription.confirmed_at = subscription.last_period = subscription.last_sent_at = None
        subscription.frequency, subscription.user_id = data.frequency, _signed_in_id(actor)
        subscription.created_at = utcnow()
    try:
        if own:
            subscription.user_id = subscription.user_id or actor.id
            subscription.frequency = data.frequency
            if subscription.status == "pending":
                subscription.status, subscription.confirmed_at = "active", utcnow()
            db.session.commit()
            return "active"
        if subscription.status == "active":
            # Nobody but the owner changes a running subscription; the owner hears that someone asked.
            link = unsubscribe_url(subscription)
            mail.queue_email(email, "alert_already", subscription.lang, district=district, category=category,
                             frequency=FREQUENCY_NAMES[subscription.frequency], unsubscribe=link,
                             headers=unsubscribe_headers(link))
        else:
            subscription.frequency = data.frequency
            db.session.flush()  # the id goes into the link
            link = mail.link("alerts.confirm", token=LINKS.confirm_token(subscription))
            mail.queue_email(email, "alert_subscribe", subscription.lang, district=district, category=category,
                             frequency=FREQUENCY_NAMES[subscription.frequency], link=link,
                             hours=confirm_max_age() // 3600)
        db.session.commit()
    except IntegrityError:
        # The same address subscribed twice at once: the other request made the row and sent its link.
        db.session.rollback()
        return "active" if own else "sent"
    return "sent"


# The links' use cases, as the views call them: start the subscription, the one a link would end, end it.
confirm = LINKS.confirm
for_unsubscribe = LINKS.for_unsubscribe
unsubscribe = LINKS.unsubscribe


# --- The resident's alerts (the cabinet) ----------------------------------------------------------------------------


def _own(user: User):
    """The resident's subscriptions: made by them signed in, or to their address when it is confirmed."""
    rule = AlertSubscription.user_id == user.id
    if user.is_confirmed:
        rule = or_(rule, AlertSubscription.email == func.lower(user.email))
    return rule


def own_subscriptions(actor: User) -> list[AlertSubscription]:
    """The resident's running and waiting alerts, by district and when they were made."""
    authz.require(actor, "alert.manage")
    return list(db.session.scalars(
        select(AlertSubscription).where(_own(actor), AlertSubscription.status != "ended")
        .options(joinedload(AlertSubscription.district), joinedload(AlertSubscription.category))
        .order_by(AlertSubscription.created_at.desc(), AlertSubscription.id.desc())))


def _managed(actor: User, subscription_id: int) -> AlertSubscription:
    subscription = db.session.get(AlertSubscription, subscription_id)
    # Another's alert, like an ended or unknown one, does not exist for this resident.
    if subscription is None or subscription.status == "ended" or not authz.can(actor, "alert.manage", subscription):
        raise NotFound("alert")
    return subscription


def change_frequency(actor: User, subscription_id: int, frequency: str) -> AlertSubscription:
    """Make one of the resident's alerts come at once or once a day."""
    subscription = _managed(actor, subscription_id)
    if frequency not in ALERT_FREQUENCIES:
        raise Invalid({"frequency": _("Choose how often the alerts come.")})
    if subscription.frequency != frequency:
        subscription.frequency = frequency
        # Switching to the digest: it starts from now, not from what the instant emails already told.
        subscription.last_sent_at = utcnow() if frequency == "daily" else subscription.last_sent_at
        db.session.commit()
    return subscription


def end(actor: User, subscription_id: int) -> AlertSubscription:
    """End one of the resident's alerts; its emailed links stop working."""
    subscription = _managed(actor, subscription_id)
    LINKS.end(subscription)
    db.session.commit()
    return subscription


# --- The resident's own data (download, closing the account) ----------------------------------------------------


def _addressed_to(user: User):
    """Every alert of the resident, confirmed address or not: what closing the account must not leave behind."""
    return or_(AlertSubscription.user_id == user.id, AlertSubscription.email == func.lower(user.email))


def export_own(user: User, add_file: mydata.AddFile) -> list[dict]:
    """The resident's alerts, for the download."""
    rows = db.session.scalars(select(AlertSubscription).where(_own(user))
                              .options(joinedload(AlertSubscription.district), joinedload(AlertSubscription.category))
                              .order_by(AlertSubscription.id))
    return [{"email": s.email, "district": s.district.code, "category": s.category.code if s.category else None,
             "language": s.lang, "frequency": s.frequency, "status": s.status, "subscribed_at": s.created_at,
             "confirmed_at": s.confirmed_at, "ended_at": s.ended_at, "last_digest_at": s.last_sent_at}
            for s in rows]


def close_own(user: User) -> None:
    """Closing the account deletes every alert to the resident's address or made by them: an address must not
    survive it. Deleted, not ended: an ended row would still hold the address (its links then fail harmlessly)."""
    db.session.execute(delete(AlertSubscription).where(_addressed_to(user))
                       .execution_options(synchronize_session=False))


mydata.register_exporter("alert_subscriptions", export_own)
mydata.register_closer(close_own)
