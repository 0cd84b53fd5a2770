"""Filing an appeal through the Open311 API: the law and the use case of the web form, reached with an API key.

The appeal is filed by ``appeals.service.file_appeal`` (source "api"), so its registration number, its deadline,
its timeline and everyone's notifications are those of any appeal. What the API adds:

- **The key.** A client presents the key an administrator issued (``api_key``); the rulebook lets it file only
  while it is not revoked and only to its own district (``open311.file``). Every use of a key, filed, repeated or
  refused, goes into the audit trail, with the key's issuing administrator as the actor and the key named in the
  summary (a key is no person; the trail's actor is the person answerable for it).
- **The appellant.** The law does not accept anonymous appeals: the appellant's first and last name and a contact
  (an email or a phone; for the law's "address or phone", the ``address_string`` or the phone) are required.
  ``Appeal.citizen_id`` needs an account: the resident's account with that email when there is one (the appeal then
  shows in their cabinet and they are notified, as if they had filed it), else a new resident account with no
  password and an unconfirmed email. Its owner claims it with "Forgot your password?", which sets a password and
  confirms the address in one step; until then the portal's usual emails about the appeal reach them. A reception
  booking works the same way (the appeal is the resident's own); a person reachable only by phone gets an account
  of their phone number under the reserved ``.invalid`` domain, which no email is ever sent to.
- **Idempotency.** A client may send an ``Idempotency-Key`` header (or an ``idempotency_key`` parameter): two sends
  with the same one under the same key file one appeal, the second answering the first's id. A unique constraint
  on (key, idempotency key) decides between concurrent sends: the link row is written in the filing's own
  transaction (``appeal_step`` below), so the loser's whole filing rolls back and it answers the winner's appeal.
"""
from __future__ import annotations

import re
import secrets
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import authz
from app.accounts.service import find_by_email, normalize_email
from app.appeals import service as appeals
from app.appeals.signals import appeal_step
from app.extensions import db
from app.kit import audit
from app.kit.errors import DomainError, Invalid, NotAllowed, NotFound
from app.kit.forms import EMAIL_INVALID
from app.models import KINDS, ApiKey, Appeal, Category, District, Open311Request, User, utcnow
from app.models.appeal import TEXT_LIMIT
from app.open311 import keys, queries
from app.open311.georeport import YES_NO

# Not a password hash: no password matches it, until "Forgot your password?" sets one.
NO_PASSWORD = "!open311"
PHONE_DOMAIN = "phone.open311.invalid"
NAME_MAX = 200
ADDRESS_MAX = 300
EMAIL_MAX = 254
# ASCII only: the address becomes an account's, and the database's lower() must agree with Python's.
EMAIL_RE = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
PHONE_RE = re.compile(r"\+?[0-9 ()\-]{5,32}")
IDEMPOTENCY_RE = re.compile(r"[\x21-\x7e]{1,64}")
# The web form's field names, as the API's parameters (a rule of file_appeal that the checks here did not catch).
PARAMETERS = {"district_id": "jurisdiction_id", "category_id": "service_code", "kind": "attribute[kind]",
              "subject": "attribute[subject]", "text": "description", "applicant_name": "first_name",
              "applicant_address": "address_string", "applicant_phone": "phone", "location_lat": "lat"}


@dataclass
class Filing:
    """What a client sent to ``POST requests``, as plain text (the view reads it from the form and the query)."""

    api_key: str = ""
    service_code: str = ""
    jurisdiction_id: str = ""
    description: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    address_string: str = ""
    lat: str = ""
    long: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    idempotency_key: str = ""
    locale: str = "az"


@dataclass(frozen=True)
class Filed:
    """A filing's outcome: the appeal, the server's token, and whether an earlier send had filed it already."""

    appeal: Appeal
    token: str
    replayed: bool = False


class Refused(NotAllowed):
    """The key may not file this: ``reason`` for the audit trail, the message for the client."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class Busy(DomainError):
    """The filing collided with concurrent ones twice in a row; nothing was filed, the client sends it again."""


@dataclass
class _Pending:
    """The filing under way in this context, for the receiver of the appeal's first step."""

    key_id: int
    client_token: str | None
    token: str
    address: str | None
    linked: bool = False


_pending: ContextVar[_Pending | None] = ContextVar("open311_pending", default=None)


def file_request(filing: Filing, now: datetime | None = None) -> Filed:
    """File the appeal a client sent with its key, or refuse it with the reason (nothing filed). Every use of a known
    key is recorded in the audit trail, the refusals too."""
    now = now or utcnow()
    presented = filing.api_key.strip()
    if not presented:
        raise Refused("no key", _("api_key is missing: filing a request needs the key the portal's administrators "
                                  "issued."))
    key = keys.identify(presented)
    if key is None:
        raise Refused("unknown key", _("api_key is not a valid key."))
    key_id = key.id
    try:
        return _file_with(key, filing, now)
    except DomainError as refusal:
        db.session.rollback()
        _record_refusal(key_id, refusal, now)
        raise


def _file_with(key: ApiKey, filing: Filing, now: datetime) -> Filed:
    key_id = key.id
    if not authz.can(key, "open311.file"):
        raise Refused("revoked key", _("This api_key is revoked. Ask the portal's administrators for a new one."))
    district = queries.jurisdiction(filing.jurisdiction_id) or key.district
    if not district.active:
        raise NotFound("district")
    if not authz.can(key, "open311.file", district):
        raise Refused("another district", _("This api_key files appeals to %(district)s only.",
                                            district=key.district.name_in(filing.locale)))
    idempotency = filing.idempotency_key.strip() or None
    if idempotency is not None and not IDEMPOTENCY_RE.fullmatch(idempotency):
        raise Invalid({"idempotency_key": _("Use at most 64 visible ASCII characters, without spaces.")})
    replay = _replay(key, idempotency, now)
    if replay is not None:
        return replay
    data = _checked(filing, district)
    for _attempt in range(2):
        try:
            citizen = _appellant(filing)
            appeal, token = _file(citizen, data, key, idempotency, now)
        except IntegrityError:
            # A concurrent filing created the same account, or filed with the same idempotency key, first.
            db.session.rollback()
            replay = _replay(db.session.get(ApiKey, key_id), idempotency, now)
            if replay is not None:
                return replay
            continue
        return Filed(appeal, token)
    raise Busy()


def _replay(key: ApiKey, idempotency: str | None, now: datetime) -> Filed | None:
    """The appeal an earlier send with the same idempotency key filed, recorded as a use of the key; or None."""
    if idempotency is None:
        return None
    link = db.session.scalar(select(Open311Request).where(Open311Request.api_key_id == key.id,
                                                          Open311Request.client_token == idempotency))
    if link is None:
        return None
    appeal = db.session.get(Appeal, link.appeal_id)
    key.last_used_at = now
    audit.record("open311.replayed", actor=key.created_by, obj=appeal,
                 summary=f"{appeal.number} sent again with Open311 key {key.prefix} “{key.name}”: the same "
                         "idempotency key answers the appeal already filed")
    db.session.commit()
    return Filed(appeal, link.token, replayed=True)


def _law(what: str) -> str:
    """The law's reason for refusing an anonymous appeal, naming what is missing."""
    messages = {
        "name": _("The law does not accept anonymous appeals: give the appellant's first_name and last_name."),
        "contact": _("The law does not accept anonymous appeals: give the appellant's email or phone, so that the "
                     "authority can answer."),
        "address": _("The law does not accept anonymous appeals: give the appellant's address (address_string) or "
                     "phone."),
    }
    return messages[what]


def _checked(filing: Filing, district: District) -> appeals.AppealInput:
    """The filing as the appeal's input, every parameter checked; ``Invalid`` names every one that is wrong."""
    errors: dict[str | None, str] = {}
    code = filing.service_code.strip().lower()
    category = db.session.scalar(select(Category).where(Category.code == code, Category.active.is_(True))) \
        if 0 < len(code) <= 40 else None
    if category is None:
        errors["service_code"] = _("Give the service_code of an active service from services.json.")
    description = filing.description.strip()
    if not description:
        errors["description"] = _("Write your appeal.")
    elif len(description) > TEXT_LIMIT:
        errors["description"] = _("The text has %(n)d characters; at most %(max)d are allowed.",
                                  n=len(description), max=TEXT_LIMIT)
    attributes = {name: value.strip() for name, value in filing.attributes.items()}
    kind = attributes.get("kind", "").lower()
    if kind not in KINDS:
        errors["attribute[kind]"] = _("Choose whether this is an application, a proposal or a complaint.")
    subject = attributes.get("subject", "")
    if not subject:
        errors["attribute[subject]"] = _("Write the subject of your appeal.")
    elif len(subject) > appeals.SUBJECT_LIMIT:
        errors["attribute[subject]"] = _("Use at most %(max)d characters.", max=appeals.SUBJECT_LIMIT)
    flags = {}
    for name in ("publish", "confidential"):
        value = attributes.get(name, "").lower() or "no"
        if value not in YES_NO:
            errors[f"attribute[{name}]"] = _("Answer yes or no.")
        flags[name] = value == "yes"
    first, last = " ".join(filing.first_name.split()), " ".join(filing.last_name.split())
    if not (first and last):
        errors["first_name" if not first else "last_name"] = _law("name")
    elif len(first) + len(last) + 1 > NAME_MAX:
        errors["last_name"] = _("Use at most %(max)d characters.", max=NAME_MAX)
    email, phone, address = filing.email.strip(), filing.phone.strip(), filing.address_string.strip()
    if email and (len(email) > EMAIL_MAX or not EMAIL_RE.fullmatch(email) or email.lower().endswith(".invalid")):
        errors["email"] = str(EMAIL_INVALID)
    if phone and not (PHONE_RE.fullmatch(phone) and sum(ch.isdigit() for ch in phone) >= 5):
        errors["phone"] = _("Write the phone number in digits, such as +994 50 123 45 67.")
    if not (email or phone):
        errors["email"] = _law("contact")
    if len(address) > ADDRESS_MAX:
        errors["address_string"] = _("Use at most %(max)d characters.", max=ADDRESS_MAX)
    elif not (address or phone):
        errors["address_string"] = _law("address")
    point = _point(filing.lat.strip(), filing.long.strip(), errors)
    if errors:
        raise Invalid(errors)
    return appeals.AppealInput(
        district_id=district.id, category_id=category.id, kind=kind, subject=subject, text=description,
        applicant_name=f"{first} {last}", applicant_address=address, applicant_phone=phone,
        location_lat=point[0], location_lon=point[1], confidential=flags["confidential"],
        public_ok=flags["publish"], locale=filing.locale, source="api",
    )


def _point(lat: str, lon: str, errors: dict) -> tuple[float | None, float | None]:
    """The map point: both coordinates or neither, each a number within its range; problems go into ``errors``."""
    if not lat and not lon:
        return None, None
    if not (lat and lon):
        errors["long" if lat else "lat"] = _("Give both the latitude and the longitude, or neither.")
        return None, None
    values = []
    for name, raw, limit in (("lat", lat, 90.0), ("long", lon, 180.0)):
        try:
            value = float(raw) if len(raw) <= 32 else float("nan")
        except ValueError:
            errors[name] = _("Enter the coordinate as a number, such as 40.6828.")
            continue
        if not -limit <= value <= limit:  # NaN and the infinities fail this too
            errors[name] = _("The map point is not a valid position.")
            continue
        values.append(value)
    return (values[0], values[1]) if len(values) == 2 else (None, None)


def _appellant(filing: Filing) -> User:
    """The appeal's citizen: the account of the appellant's email (or of their phone), created when there is none."""
    email = filing.email.strip()
    if email:
        address = normalize_email(email)
    else:
        address = f"tel-{''.join(ch for ch in filing.phone if ch.isdigit())}@{PHONE_DOMAIN}"
    user = find_by_email(address)
    if user is None:
        user = User(email=address, full_name=f"{' '.join(filing.first_name.split())} "
                                             f"{' '.join(filing.last_name.split())}"[:NAME_MAX],
                    phone=filing.phone.strip() or None, password_hash=NO_PASSWORD, locale=filing.locale)
        db.session.add(user)
        # Written now, in the filing's transaction: a concurrent filing for the same new address fails here.
        db.session.flush()
    elif not user.active:
        raise Invalid({"email" if email else "phone": _(
            "The portal's account of this appellant is closed or deactivated, so no appeal can be filed for it.")})
    return user


def _file(citizen: User, data: appeals.AppealInput, key: ApiKey, idempotency: str | None,
          now: datetime) -> tuple[Appeal, str]:
    """File through the appeals' use case; its first step writes the Open311 link (``_link_filing``)."""
    pending = _Pending(key_id=key.id, client_token=idempotency, token=secrets.token_urlsafe(16),
                       address=data.applicant_address or None)
    mark = _pending.set(pending)
    try:
        appeal = appeals.file_appeal(citizen, replace(data, api_key=key), now=now)
    except Invalid as error:
        raise Invalid({PARAMETERS.get(name, name): message for name, message in error.errors.items()}) from None
    except NotAllowed:
        raise Refused("appeal.file refused", _("This api_key may not file this appeal.")) from None
    finally:
        _pending.reset(mark)
    if not pending.linked:
        raise RuntimeError(f"appeal {appeal.number} was filed without its Open311 link")
    return appeal, pending.token


@appeal_step.connect
def _link_filing(appeal: Appeal, event=None, **_kwargs) -> None:
    """In the filing's transaction: the Open311 link (key, idempotency key, token, address), the key's last use and
    the audit entry. The link's unique constraint makes a concurrent send with the same idempotency key fail whole."""
    pending = _pending.get()
    if pending is None or pending.linked or event is None or event.action != "filed" or appeal.source != "api":
        return
    pending.linked = True
    key = db.session.get(ApiKey, pending.key_id)
    db.session.add(Open311Request(appeal_id=appeal.id, api_key_id=key.id, client_token=pending.client_token,
                                  token=pending.token, address_string=pending.address, created_at=event.created_at))
    key.last_used_at = event.created_at
    audit.record("open311.filed", actor=key.created_by, obj=appeal,
                 summary=f"{appeal.number} filed with Open311 key {key.prefix} “{key.name}”",
                 after={"api_key": key.prefix, "idempotency_key": pending.client_token})


def _reason(refusal: DomainError) -> str:
    """A refusal in a few words of English for the audit trail (the client got the full, translated reason)."""
    if isinstance(refusal, Refused):
        return refusal.reason
    if isinstance(refusal, Invalid):
        return "invalid " + ", ".join(sorted(str(name) for name in refusal.errors if name))
    if isinstance(refusal, NotFound):
        return f"unknown {refusal.args[0] if refusal.args else 'object'}"
    return type(refusal).__name__.lower()


def _record_refusal(key_id: int, refusal: DomainError, now: datetime) -> None:
    """A refused use of a known key goes into the audit trail in a transaction of its own (nothing else is kept)."""
    key = db.session.get(ApiKey, key_id)
    key.last_used_at = now
    audit.record("open311.refused", actor=key.created_by, obj=key, district_id=key.district_id,
                 summary=f"Open311 key {key.prefix} “{key.name}”: request refused ({_reason(refusal)})")
    db.session.commit()
