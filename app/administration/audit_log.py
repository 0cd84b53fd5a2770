"""Reading the audit trail: the filtered, paginated list for administrators and supervisors, and its CSV export."""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from app import authz
from app.extensions import db
from app.kit import audit, notify
from app.kit.calendar import BAKU
from app.kit.i18n import by_name
from app.kit.paging import Page, paginate
from app.kit.spreadsheets import safe_row
from app.models import AuditEntry, District

PER_PAGE = 50
EXPORT_BATCH = 1000
NAME_RE = re.compile(r"^[a-z0-9_.-]*$")
MAX_SPAN_DAYS = 366 * 10


@dataclass
class AuditFilters:
    """What the list is narrowed to; empty values filter nothing."""

    actor: str = ""
    action: str = ""
    district_id: int | None = None
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def args(self, **changes) -> dict:
        """The query string of these filters (for pagination and export links)."""
        values = {"actor": self.actor, "action": self.action, "district": self.district_id,
                  "object_type": self.object_type, "object_id": self.object_id,
                  "from": self.date_from.isoformat() if self.date_from else None,
                  "to": self.date_to.isoformat() if self.date_to else None}
        values.update(changes)
        return {key: value for key, value in values.items() if value not in (None, "")}


def _date(value: str | None, field: str, errors: dict[str, str]) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[field] = _("Enter a date such as %(example)s.", example="2026-03-21")
        return None


def read_filters(args) -> tuple[AuditFilters, dict[str, str]]:
    """Filters from a query string, and the errors of the values that cannot be used (by field)."""
    errors: dict[str, str] = {}
    filters = AuditFilters(
        actor=(args.get("actor") or "").strip().lower()[:254],
        action=(args.get("action") or "").strip().lower(),
        object_type=(args.get("object_type") or "").strip().lower(),
        object_id=(args.get("object_id") or "").strip()[:64],
    )
    if len(filters.action) > 80 or not NAME_RE.match(filters.action):
        errors["action"] = _("Give an action's name, such as appeal.status, or its first part, such as appeal.")
    if len(filters.object_type) > 40 or not NAME_RE.match(filters.object_type):
        errors["object_type"] = _("Give a kind of object, such as appeal or service_application.")
    district = (args.get("district") or "").strip()
    if district:
        district_id = int(district) if district.isdigit() and len(district) < 10 else None
        if district_id is None or db.session.get(District, district_id) is None:
            errors["district"] = _("Choose one of the listed districts.")
        else:
            filters.district_id = district_id
    filters.date_from = _date(args.get("from"), "from", errors)
    filters.date_to = _date(args.get("to"), "to", errors)
    if filters.date_from and filters.date_to:
        if filters.date_to < filters.date_from:
            errors["to"] = _("The end date cannot be before the start date.")
        elif (filters.date_to - filters.date_from).days > MAX_SPAN_DAYS:
            errors["to"] = _("Choose a period of at most ten years.")
    return filters, errors


def _start_of(day: date) -> datetime:
    """The first moment of a Baku day."""
    return datetime.combine(day, time.min, tzinfo=BAKU)


def _filtered(filters: AuditFilters) -> Select:
    query = select(AuditEntry)
    if filters.actor:
        query = query.where(AuditEntry.actor_email == filters.actor)
    if filters.action:
        # "appeal" (or "appeal.") matches every appeal action; "appeal.status" that one (and any below it).
        stem = filters.action.rstrip(".")
        query = query.where(or_(AuditEntry.action == stem, AuditEntry.action.startswith(stem + ".", autoescape=True)))
    if filters.district_id is not None:
        query = query.where(AuditEntry.district_id == filters.district_id)
    if filters.object_type:
        query = query.where(AuditEntry.object_type == filters.object_type)
    if filters.object_id:
        query = query.where(AuditEntry.object_id == filters.object_id)
    if filters.date_from:
        query = query.where(AuditEntry.created_at >= _start_of(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEntry.created_at < _start_of(filters.date_to + timedelta(days=1)))
    return query


def entries(actor, filters: AuditFilters, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the entries matching ``filters``, newest first (two statements whatever the page)."""
    authz.require(actor, "audit.view")
    return paginate(_filtered(filters).order_by(AuditEntry.id.desc()), page, per_page)


def districts() -> list[District]:
    """Every district, by name (entries keep their district even when it is no longer active)."""
    return by_name(db.session.scalars(select(District)))


# --- Words instead of codes ----------------------------------------------------------------------
#
# Entries keep what was recorded, codes included ("in_review → documents_requested"): the chain is hash-linked
# and no entry is ever rewritten. The viewer puts the words of the reader's language in their place when it
# shows them, from the labels the rest of the portal shows for the same statuses.

ARROW_RE = re.compile(r"\b([a-z][a-z_]*) → ([a-z][a-z_]*)\b")
APPEAL_STEP_RE = re.compile(r"^(\S+): ([a-z][a-z_]*)\b")


def _labels(object_type: str | None) -> dict[str, dict]:
    """The translatable labels of an object type's coded fields: {field: {code: label}}."""
    from app.appeals import service as appeals
    from app.commitments import service as commitments
    from app.consultations import service as consultations
    from app.eservices import service as eservices
    from app.news import service as news
    from app.proposals import service as proposals
    from app.reception import service as reception

    return {
        "appeal": {"status": appeals.STATUS_LABELS, "step": appeals.ACTION_LABELS},
        "service_application": {"status": {"new": _l("New"), **eservices.STATUS_LABELS}},
        "reception_booking": {"status": reception.BOOKING_LABELS},
        "article": {"status": news.STATUS_LABELS},
        "proposal": {"state": proposals.STATE_LABELS, "decision": proposals.DECISION_LABELS},
        "commitment": {"status": commitments.STATUS_LABELS},
        "consultation": {"state": consultations.STATE_LABELS},
    }.get(object_type or "", {})


def summary(entry: AuditEntry) -> str:
    """The entry's summary as the reader sees it: status codes replaced by their words in the reader's language.

    Only codes where a status stands are replaced (either side of "→", an appeal's step after its number, a
    summary that is a state or decision and nothing else); whatever people typed stays as it was.
    """
    text = entry.summary or ""
    fields = _labels(entry.object_type)
    if not fields or not text:
        return text
    states = {code: label for name in ("status", "state") for code, label in fields.get(name, {}).items()}

    def word(code: str, labels: dict) -> str:
        return str(labels[code]) if code in labels else code

    text = ARROW_RE.sub(lambda m: f"{word(m.group(1), states)} → {word(m.group(2), states)}", text)
    if "step" in fields:
        text = APPEAL_STEP_RE.sub(lambda m: f"{m.group(1)}: {word(m.group(2), fields['step'])}", text, count=1)
    whole = {**states, **fields.get("decision", {})}
    return str(whole[text]) if text in whole else text


def changes(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """The entry's before/after as (field, before, after) rows, for display (coded statuses in words)."""
    before = json.loads(entry.before) if entry.before else {}
    after = json.loads(entry.after) if entry.after else {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    fields = _labels(entry.object_type)
    keys = list(dict.fromkeys([*before, *after]))
    return [(key, _show(before.get(key), fields.get(key)), _show(after.get(key), fields.get(key))) for key in keys]


def _show(value, labels: dict | None = None) -> str:
    if value is None:
        return "—"
    if labels and isinstance(value, str) and value in labels:
        return str(labels[value])
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# --- CSV export -------------------------------------------------------------------------------

COLUMNS = ("entry", "time_utc", "actor_email", "actor_id", "action", "object_type", "object_id", "district",
           "summary", "before", "after", "address", "hash")


def _line(values) -> str:
    out = io.StringIO()
    # Summaries and before/after values hold what people typed: no cell may start a formula.
    csv.writer(out).writerow(safe_row(values))
    return out.getvalue()


def start_export(actor, filters: AuditFilters) -> None:
    """Record the export itself in the audit trail (committed before the first byte is sent)."""
    authz.require(actor, "audit.view")
    audit.record("audit.export", actor=actor, object_type="audit", summary="audit trail exported as CSV",
                 after={key: value for key, value in asdict(filters).items() if value not in (None, "")})
    notify.commit()


def export_rows(filters: AuditFilters) -> Iterator[str]:
    """The matching entries as CSV lines (UTF-8 BOM first), newest first, read in batches by id."""
    codes = {d.id: d.code for d in districts()}
    yield "\ufeff" + _line(COLUMNS)
    last_id = None
    while True:
        query = _filtered(filters)
        if last_id is not None:
            query = query.where(AuditEntry.id < last_id)
        batch = list(db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(EXPORT_BATCH)))
        if not batch:
            return
        for entry in batch:
            yield _line((entry.id, entry.created_at.isoformat(timespec="seconds"), entry.actor_email, entry.actor_id,
                         entry.action, entry.object_type, entry.object_id, codes.get(entry.district_id, ""),
                         entry.summary, entry.before, entry.after, entry.ip, entry.hash))
        last_id = batch[-1].id
        for entry in batch:
            db.session.expunge(entry)  # keep memory flat on a long export
