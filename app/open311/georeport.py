"""The GeoReport v2 documents: plain dicts and lists in the standard's field names, written in the current language.

Besides the standard's fields every item carries ``locale`` (the language its texts are in; the response's
``Content-Language`` says it too), and a request carries ``detailed_status``, ``kind`` and ``updates`` (its dated
public history, in the manner of FixMyStreet's updates). Nothing here names the appellant: no name, postal
address, phone or email is ever written into a document.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.appeals.service import (
    ACTION_LABELS,
    ANSWER_DAYS,
    GROUND_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    SUBJECT_LIMIT,
)
from app.kit.calendar import BAKU
from app.kit.i18n import fmt_datetime
from app.models import KINDS, OPEN_STATUSES, Appeal, Category, Department
from app.open311.queries import PublicRequest

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this server's interface last changed (the discovery document's changeset).
CHANGESET = "2026-12-21T00:00:00+04:00"
FORMATS = ("json", "xml")
MEDIA_TYPES = {"json": "application/json", "xml": "application/xml"}
YES_NO = ("yes", "no")


def w3c(moment: datetime | None) -> str | None:
    """A moment as the standard writes it (W3C date-time), in Baku time with its offset: 2026-01-31T10:00:00+04:00."""
    return None if moment is None else moment.astimezone(BAKU).isoformat(timespec="seconds")


def open_or_closed(status: str) -> str:
    """The standard's status of an appeal: open while the authority still owes an answer or a decision."""
    return "open" if status in OPEN_STATUSES else "closed"


def discovery(base_url: str, production: bool, lang: str) -> dict:
    """The discovery document: where the endpoint is, its formats, how to get a key."""
    return {
        "changeset": CHANGESET,
        "contact": _("Questions about this interface: the portal's administrators, through the district (city) "
                     "executive authority. Residents write their appeals on the portal: %(url)s", url=base_url),
        "key_service": _("Keys for filing appeals are issued by the portal's administrators, one key per client and "
                         "district."),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": f"{base_url}/open311/v2",
            "changeset": CHANGESET,
            "type": "production" if production else "test",
            "formats": [MEDIA_TYPES[f] for f in FORMATS],
        }],
        "locale": lang,
    }


def service_item(category: Category, group: Department | None, lang: str) -> dict:
    """One service of the list: an appeal category."""
    name = category.name_in(lang)
    return {
        "service_code": category.code,
        "service_name": name,
        "description": _("Appeals about “%(category)s” to the district (city) executive authority: applications, "
                         "proposals and complaints. The authority answers within %(days)d working days.",
                         category=name, days=ANSWER_DAYS),
        "metadata": True,
        "type": "realtime",
        "keywords": category.code,
        "group": group.name_in(lang) if group is not None else "",
        "locale": lang,
    }


def _values(pairs) -> list[dict]:
    return [{"key": key, "name": str(name)} for key, name in pairs]


# The attributes every category asks for: the appeal's own fields that the standard has no parameter for.
# (code, datatype, required, description, datatype description, values)
ATTRIBUTES = (
    ("kind", "singlevaluelist", True, _l("Kind of appeal"),
     _l("Choose whether this is an application, a proposal or a complaint."),
     lambda: _values((kind, KIND_LABELS[kind]) for kind in KINDS)),
    ("subject", "string", True, _l("Subject"),
     _l("Use at most %(max)d characters.", max=SUBJECT_LIMIT), lambda: []),
    ("publish", "singlevaluelist", False, _l("The appeal and its answer may be published without my name"),
     _l("yes or no; no when not given."), lambda: _values((("yes", _l("Yes")), ("no", _l("No"))))),
    ("confidential", "singlevaluelist", False, _l("Keep my personal details confidential"),
     _l("yes or no; no when not given. A confidential appeal is never published."),
     lambda: _values((("yes", _l("Yes")), ("no", _l("No"))))),
)
ATTRIBUTE_CODES = tuple(code for code, *_rest in ATTRIBUTES)


def service_definition(category: Category, lang: str) -> dict:
    """A service's definition: the attributes a request for it carries as ``attribute[code]``."""
    return {
        "service_code": category.code,
        "attributes": [{
            "variable": True,
            "code": code,
            "datatype": datatype,
            "required": required,
            "datatype_description": str(hint),
            "order": order,
            "description": str(label),
            "values": values(),
        } for order, (code, datatype, required, label, hint, values) in enumerate(ATTRIBUTES, start=1)],
        "locale": lang,
    }


def agency(district, lang: str) -> str:
    """The authority responsible: the district's executive authority, named in ``lang``."""
    return _("The executive authority of %(district)s", district=district.name_in(lang))


def _status_notes(appeal: Appeal) -> str:
    """Why the appeal is where it is: the answer once answered, the law's ground when not considered."""
    if appeal.status in ("answered", "closed") and appeal.answer:
        return appeal.answer
    if appeal.status == "not_considered" and appeal.not_considered_ground in GROUND_LABELS:
        return str(GROUND_LABELS[appeal.not_considered_ground])
    return str(STATUS_LABELS.get(appeal.status, appeal.status))


def _update(request: PublicRequest, event) -> dict:
    appeal = request.appeal
    # The answer is published as the public list publishes it: while the appeal stands answered or closed.
    if event.action == "answered" and appeal.answer and appeal.status in ("answered", "closed"):
        description = appeal.answer
    else:
        description = str(ACTION_LABELS.get(event.action) or STATUS_LABELS.get(event.to_status, event.to_status))
    return {"update_id": str(event.id), "updated_datetime": w3c(event.created_at), "status": event.to_status,
            "description": description}


def request_item(request: PublicRequest, lang: str) -> dict:
    """One public appeal as a service request: never the appellant's name, address, phone or email."""
    appeal = request.appeal
    return {
        "service_request_id": appeal.number,
        "status": open_or_closed(appeal.status),
        "status_notes": _status_notes(appeal),
        "service_name": appeal.category.name_in(lang),
        "service_code": appeal.category.code,
        # The subject, as the public list shows it: the appeal's text is the applicant's and stays unpublished.
        "description": appeal.subject,
        "agency_responsible": agency(appeal.district, lang),
        "service_notice": _("The law's deadline for the answer: %(due)s.", due=fmt_datetime(appeal.due_at)),
        "requested_datetime": w3c(appeal.created_at),
        "updated_datetime": w3c(appeal.updated_at),
        "expected_datetime": w3c(appeal.due_at),
        # Never the address_string a request was filed with: the law's "postal address or phone" makes it the
        # appellant's own address as often as the place (it is stored as the appeal's applicant address, which the
        # public pages never show either). The place is the map point.
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": appeal.location_lat,
        "long": appeal.location_lon,
        "media_url": None,
        "detailed_status": appeal.status,
        "kind": appeal.kind,
        "updates": [_update(request, event) for event in request.events],
        "locale": lang,
    }


def filed_item(appeal: Appeal, token: str, lang: str) -> dict:
    """The answer to a filing: the new request's id (its registration number), the deadline, the token."""
    return {
        "service_request_id": appeal.number,
        "service_notice": _("Your appeal is registered with number %(number)s. The answer is due by %(due)s.",
                            number=appeal.number, due=fmt_datetime(appeal.due_at)),
        "account_id": None,
        "token": token,
        "locale": lang,
    }


def token_item(number: str, token: str, lang: str) -> dict:
    """The answer to ``tokens/<token>``: the request's id."""
    return {"service_request_id": number, "token": token, "locale": lang}


def error_item(code: int, description: str, lang: str) -> dict:
    """One error in the standard's shape."""
    return {"code": code, "description": description, "locale": lang}

