"""E-services: the public catalogue, applying (online or at the front desk), the lifecycle, the queue.

An application is filled against the service's latest form version and keeps
that version for good. Its number ``SRV-YEAR-NNNNNN`` comes from a counter row
locked while it is incremented, so simultaneous applications get distinct
consecutive numbers. Every step goes through ``transition`` and the transition
table in ``app.authz``; every step is on the timeline and told to whom it
concerns, in their language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app import authz
from app.extensions import db
from app.kit import audit, drafts, files, notify
from app.kit.calendar import deadline, local_date
from app.kit.errors import Invalid, NotAllowed, NotFound
from app.kit.i18n import current_lang, fmt_datetime, tr
from app.kit.paging import Page, paginate
from app.models import (
    APPLICATION_STATUSES,
    LIFE_SITUATIONS,
    OPEN_APPLICATION_STATUSES,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationSequence,
    District,
    RoleAssignment,
    Service,
    ServiceApplication,
    ServiceForm,
    User,
    utcnow,
)
from app.models.eservice import service_districts

PER_PAGE = 25
STATUS_LABELS = {
    "submitted": _l("Submitted"),
    "in_review": _l("In review"),
    "documents_requested": _l("Documents requested"),
    "resubmitted": _l("Documents sent"),
    "approved": _l("Approved"),
    "refused": _l("Refused"),
    "issued": _l("Result issued"),
    "withdrawn": _l("Withdrawn"),
}
SITUATION_LABELS = {
    "family": _l("Family and children"),
    "housing": _l("Housing"),
    "land": _l("Land and construction"),
    "social": _l("Social support"),
    "certificates": _l("Certificates"),
}
SOURCE_LABELS = {"web": _l("Online"), "front_desk": _l("At the front desk")}


# --- The catalogue ------------------------------------------------------------------------------------


@dataclass
class CatalogueFilters:
    """What a visitor narrowed the catalogue to."""

    q: str = ""
    district_id: int | None = None
    situation: str = ""


def catalogue(filters: CatalogueFilters, locale: str) -> list[Service]:
    """Active services, by position, narrowed by words (in any language), district and life situation."""
    query = select(Service).where(Service.active.is_(True)).options(selectinload(Service.districts))
    if filters.situation in LIFE_SITUATIONS:
        query = query.where(Service.life_situation == filters.situation)
    if filters.district_id:
        query = query.where(Service.id.in_(
            select(service_districts.c.service_id).where(service_districts.c.district_id == filters.district_id)))
    for word in filters.q.split()[:8]:
        pattern = f"%{word.replace('%', '').replace('_', '')}%"
        query = query.where(or_(Service.title_az.ilike(pattern), Service.title_ru.ilike(pattern),
                                Service.title_en.ilike(pattern), Service.summary_az.ilike(pattern),
                                Service.summary_ru.ilike(pattern), Service.summary_en.ilike(pattern)))
    return list(db.session.scalars(query.order_by(Service.position, Service.id)))


def public_service(code: str) -> Service:
    """An active service by its code, or ``NotFound``."""
    service = db.session.scalar(select(Service).where(Service.code == code, Service.active.is_(True))
                                .options(selectinload(Service.districts)))
    if service is None:
        raise NotFound("service")
    return service


def current_form(service: Service) -> ServiceForm:
    """The latest version of the service's form (what new applications are filled against)."""
    form = db.session.scalar(select(ServiceForm).where(ServiceForm.service_id == service.id)
                             .order_by(ServiceForm.version.desc()).limit(1))
    if form is None:
        raise NotFound("form")
    return form


# --- Numbering -------------------------------------------------------------------------------------------


def next_number(year: int) -> str:
    """The next application number of ``year``: ``SRV-YEAR-NNNNNN`` (the counter row stays locked until commit)."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(ApplicationSequence).values(year=year, last=0).on_conflict_do_nothing())
    last = db.session.execute(
        update(ApplicationSequence).where(ApplicationSequence.year == year)
        .values(last=ApplicationSequence.last + 1).returning(ApplicationSequence.last)
    ).scalar_one()
    return f"SRV-{year}-{last:06d}"


# --- Applying -------------------------------------------------------------------------------------------


@dataclass
class ApplicationInput:
    """A filled application form: answers already validated against ``form_id``'s fields, files per field."""

    service_id: int
    district_id: int | None
    form_id: int
    answers: dict
    uploads: dict[str, list] = field(default_factory=dict)
    submission_token: str | None = None
    locale: str = "az"
    source: str = "web"
    # The resident's open draft this was checked from: its stored files become the application's documents and it
    # ends as submitted, in the filing's transaction (app/kit/drafts.py).
    draft_id: int | None = None
    # A web form sent in one go, without a draft: a submitted draft is recorded so it counts as a started form.
    record_draft: bool = False


def applicant_details(user: User) -> dict:
    """The resident's known details, filled in for them and kept with the application as they were."""
    return {"full_name": user.full_name, "email": user.email, "phone": user.phone or "",
            "district": user.district.name_az if user.district else "", "address": user.address or ""}


def _event(application: ServiceApplication, actor: User | None, action: str, from_status: str | None,
           to_status: str, note: str | None = None, public: bool = True, now: datetime | None = None) -> None:
    db.session.add(ApplicationEvent(application_id=application.id, actor_id=actor.id if actor else None,
                                    action=action, from_status=from_status, to_status=to_status, note=note,
                                    public=public, created_at=now or utcnow()))
    if actor is None or actor.id != application.citizen_id:
        # Staff steps (front desk included) go into the audit trail; the applicant's own do not.
        audit.record(
            "application.front_desk" if from_status is None else "application.status", actor=actor, obj=application,
            summary=f"{application.number}: {from_status or 'new'} → {to_status}",
            before={"status": from_status} if from_status else None,
            after={"status": to_status, "due_at": application.due_at},
        )


def _store_documents(application: ServiceApplication, actor: User, uploads: dict[str, list]) -> list[str]:
    """Check every upload first, then write them; the stored names are returned for clean-up on failure."""
    checked = {key: files.check_uploads(items, field=key) for key, items in uploads.items()}
    stored: list[str] = []
    for key, item, name in files.write_each(checked, stored):
        db.session.add(ApplicationDocument(
            application_id=application.id, field_key=key, uploaded_by_id=actor.id, original_name=item.original_name,
            stored_name=name, content_type=item.content_type, size=item.size, sha256=item.sha256))
    return stored


def check_application(actor: User, data: ApplicationInput) -> None:
    """The checks of an online ``apply`` without filing (the "Continue" to the check page); ``Invalid`` beside the
    fields. The files are checked when the draft keeps them."""
    authz.require(actor, "eservice.apply")
    _check_offer(db.session.get(Service, data.service_id), data.district_id, False)


def _check_offer(service: Service | None, district_id: int | None, front_desk: bool) -> District:
    if service is None or not service.active:
        raise Invalid({None: _("This service is not available.")})
    district = db.session.get(District, district_id) if district_id else None
    if district is None or not district.active:
        raise Invalid({"district_id": _("Choose the district authority you apply to.")})
    if district.id not in {d.id for d in service.districts}:
        raise Invalid({"district_id": _("%(district)s does not offer this service; choose another district.",
                                        district=tr(district))})
    if not (service.front_desk if front_desk else service.online):
        raise Invalid({None: _("This service is not offered through this channel.")})
    return district


def apply(actor: User, data: ApplicationInput, citizen: User | None = None,
          now: datetime | None = None) -> ServiceApplication:
    """File an application: online by the resident, or at the front desk by an official for ``citizen``.

    The answers were validated against the form by the caller (``eservice_forms``); this checks the offer,
    stores the files and numbers the application. Sending the same form twice files one application.
    """
    now = now or utcnow()
    front_desk = data.source == "front_desk"
    if front_desk:
        if citizen is None or not authz.can(actor, "application.work", data.district_id):
            raise NotAllowed("application.work")
    else:
        authz.require(actor, "eservice.apply")
        citizen = actor
    if data.submission_token:
        existing = db.session.scalar(select(ServiceApplication).where(
            ServiceApplication.citizen_id == citizen.id, ServiceApplication.submission_token == data.submission_token))
        if existing is not None:
            return existing
    service = db.session.get(Service, data.service_id)
    district = _check_offer(service, data.district_id, front_desk)
    form = db.session.get(ServiceForm, data.form_id)
    if form is None or form.service_id != service.id:
        raise Invalid({None: _("The form has changed since you opened it; please fill it in again.")})
    try:
        draft = drafts.get_own(actor, data.draft_id, "application", lock=True) if data.draft_id is not None else None
    except drafts.DraftEnded:
        # Sent meanwhile by a simultaneous request (a double click): the draft's row lock made this one wait.
        existing = db.session.scalar(select(ServiceApplication).where(
            ServiceApplication.citizen_id == citizen.id, ServiceApplication.submission_token == data.submission_token))
        if existing is not None:
            return existing
        raise
    stored: list[str] = []
    try:
        application = ServiceApplication(
            number=next_number(local_date(now).year), service_id=service.id, form_id=form.id, district_id=district.id,
            citizen_id=citizen.id, registered_by_id=actor.id if front_desk else None, answers=data.answers,
            applicant=applicant_details(citizen), status="submitted", source=data.source, locale=data.locale,
            submission_token=data.submission_token, created_at=now,
            due_at=deadline(now, service.processing_days), updated_at=now,
        )
        db.session.add(application)
        db.session.flush()
        stored = _store_documents(application, citizen, data.uploads)
        if draft is not None:
            # The draft's files were stored when it was saved: they become the application's documents as they are.
            for pending in draft.files:
                db.session.add(ApplicationDocument(
                    application_id=application.id, field_key=pending.field_key, uploaded_by_id=citizen.id,
                    original_name=pending.original_name, stored_name=pending.stored_name,
                    content_type=pending.content_type, size=pending.size, sha256=pending.sha256))
            drafts.end(draft, "submitted", application_id=application.id, now=now)
        elif data.record_draft:
            drafts.record_submitted(citizen, "application", district_id=district.id, service_id=service.id,
                                    title=service.text("title", data.locale), application_id=application.id, now=now)
        _event(application, actor, "submitted", None, "submitted", now=now)
        if front_desk:
            # The resident's queue ticket of the front desk's e-services, if they came with one, records what it
            # was for.
            from app.queue import service as queue

            queue.link_application(application, now)
        notify.notify(citizen, lambda: _(
            "Your application %(number)s for “%(service)s” is received. The decision is due by %(due)s.",
            number=application.number, service=service.text("title", citizen.locale),
            due=fmt_datetime(application.due_at)), kind="application.received",
            link=f"/cabinet/services/{application.id}", obj=application)
        _tell_staff(application, actor, lambda: _(
            "A new application %(number)s for “%(service)s” waits in the queue.", number=application.number,
            service=service.text("title", current_lang())))
        notify.commit()
    except IntegrityError:
        db.session.rollback()
        files.remove(stored)
        raise Invalid({None: _("The application could not be saved; please send it again.")}) from None
    except Exception:
        db.session.rollback()
        files.remove(stored)
        raise
    return application


# --- The lifecycle -------------------------------------------------------------------------------------


@dataclass
class StepData:
    """What a step needs: a note (documents request, refusal reason), files (resubmission), a rating."""

    note: str = ""
    uploads: dict[str, list] = field(default_factory=dict)
    rating: int | None = None


def get_for(actor: User, application_id: int, *, lock: bool = False) -> ServiceApplication:
    """The application if ``actor`` may see it; otherwise ``NotFound`` (its existence is not revealed)."""
    query = select(ServiceApplication).where(ServiceApplication.id == application_id)
    application = db.session.scalar(query.with_for_update() if lock else query)
    if application is None or not authz.can(actor, "application.view", application):
        raise NotFound("application")
    return application


def transition(actor: User, application_id: int, to_status: str, data: StepData | None = None,
               now: datetime | None = None) -> ServiceApplication:
    """Move an application along the lifecycle, if the table allows ``actor`` to; else a clear refusal."""
    data = data or StepData()
    now = now or utcnow()
    application = get_for(actor, application_id, lock=True)
    from_status = application.status
    if (from_status, to_status) not in authz.APPLICATION_TRANSITIONS:
        raise Invalid({None: _("An application that is “%(status)s” cannot become “%(target)s”.",
                               status=STATUS_LABELS[from_status], target=STATUS_LABELS.get(to_status, to_status))})
    authz.require(actor, "application.transition", (application, to_status))
    note = (data.note or "").strip()
    stored: list[str] = []
    if to_status in ("documents_requested", "refused") and not note:
        raise Invalid({"note": _("Write what documents are needed.") if to_status == "documents_requested"
                       else _("Give the reason for the refusal; the applicant is told.")})
    if len(note) > 2000:
        raise Invalid({"note": _("Use at most %(max)d characters.", max=2000)})
    try:
        if to_status == "resubmitted":
            if not any(data.uploads.values()) and not note:
                raise Invalid({"note": _("Attach the requested documents or write a reply.")})
            stored = _store_documents(application, actor, data.uploads)
        if to_status in ("approved", "refused"):
            application.decided_at = now
        if to_status == "refused":
            application.refusal_reason = note
        application.status, application.updated_at = to_status, now
        if to_status == "issued":
            stored.append(_issue_result(application, actor, now))
        _event(application, actor, to_status, from_status, to_status, note=note or None, now=now)
        _tell(application, actor, to_status, note)
        notify.commit()
    except Exception:
        db.session.rollback()
        files.remove(stored)
        raise
    return application


RESULT_KEY = "result"


def _issue_result(application: ServiceApplication, actor: User, now: datetime) -> str:
    """Give the application its verification code and keep its result PDF as issued: a document the authority
    has signed off must read the same on every later download, whatever changes in the catalogue since."""
    from app.eservices import documents

    application.verification_code = documents.new_code()
    application.issued_at = now
    result = files.CheckedFile(original_name=f"{application.number}.pdf", content_type="application/pdf",
                               data=documents.render_pdf(application))
    name = files.write(result)
    db.session.add(ApplicationDocument(
        application_id=application.id, field_key=RESULT_KEY, uploaded_by_id=actor.id, original_name=result.original_name,
        stored_name=name, content_type=result.content_type, size=result.size, sha256=result.sha256, created_at=now))
    return name


def result_document(actor: User, application_id: int) -> ApplicationDocument:
    """The issued result PDF of an application ``actor`` may see, or ``NotFound``."""
    application = get_for(actor, application_id)
    document = next((d for d in application.documents if d.field_key == RESULT_KEY), None)
    if application.status != "issued" or document is None:
        raise NotFound("result")
    _audit_download(actor, application, document)
    return document


def _audit_download(actor: User, application: ServiceApplication, document: ApplicationDocument) -> None:
    """Staff downloading a resident's document is recorded (the resident's own downloads are not)."""
    if actor.id != application.citizen_id:
        audit.record("application.download", actor=actor, obj=application,
                     summary=f"{application.number}: {document.field_key} {document.original_name}",
                     after={"document_id": document.id})
        notify.commit()


def _district_staff(district_id: int) -> list[User]:
    """Who hears of an application waiting in a district: its active officials; its heads when it has none."""
    def holding(role: str) -> list[User]:
        return list(db.session.scalars(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id).where(
            RoleAssignment.district_id == district_id, RoleAssignment.role == role, User.active.is_(True)).distinct()))

    return holding("official") or holding("head")


def _tell_staff(application: ServiceApplication, actor: User, text_factory) -> None:
    """Work arriving: the district's officials hear of an application waiting for them (not the one who filed it)."""
    notify.notify_all([p for p in _district_staff(application.district_id) if p.id != actor.id], text_factory,
                      kind="application.waiting", link=f"/office/services/{application.id}", obj=application)


def _tell(application: ServiceApplication, actor: User, to_status: str, note: str) -> None:
    citizen = application.citizen
    if actor.id == citizen.id:
        if to_status == "resubmitted":
            _tell_staff(application, actor, lambda: _("The applicant sent the requested documents for application "
                                                      "%(number)s.", number=application.number))
        return
    messages = {
        "in_review": lambda: _("Your application %(number)s is being reviewed.", number=application.number),
        "documents_requested": lambda: _("More documents are needed for your application %(number)s: %(note)s",
                                         number=application.number, note=note),
        "approved": lambda: _("Your application %(number)s is approved; the result document follows.",
                              number=application.number),
        "refused": lambda: _("Your application %(number)s is refused: %(note)s", number=application.number, note=note),
        "issued": lambda: _("The result of your application %(number)s is ready to download.", number=application.number),
    }
    if to_status in messages:
        kind = "application.documents_requested" if to_status == "documents_requested" else "application.updated"
        notify.notify(citizen, messages[to_status], kind=kind, link=f"/cabinet/services/{application.id}",
                      obj=application)


def rate(citizen: User, application_id: int, rating: int | None, comment: str, now: datetime | None = None) -> None:
    """The applicant rates the service (the overall mark 1–5, with an optional comment) once it is decided: a
    rating on the ASAN criteria without the criteria (app/ratings/ keeps the application's mark in step)."""
    from app.ratings import service as ratings

    ratings.rate(citizen, "application", application_id, {"overall": rating}, comment, now=now)


# --- Lists -----------------------------------------------------------------------------------------------


@dataclass
class Queue:
    """The district's applications for the official: counts per service and status, and one page."""

    district: District
    counts: dict[tuple[int, str], int]
    services: list[Service]
    page: Page  # of ServiceApplication


def queue(actor: User, district_id: int | None, service_id: int | None, status: str, page: int = 1,
          per_page: int = PER_PAGE) -> Queue:
    """Applications of a district ``actor`` works in, by due date; open ones unless a status is chosen."""
    districts = sorted(authz.staff_districts(actor, tuple(authz.STAFF)))
    chosen = district_id if district_id is not None else (districts[0] if districts else None)
    district = db.session.get(District, chosen) if chosen else None
    if district is None or not authz.can(actor, "application.work", district):
        raise NotFound("district")
    if status and status not in APPLICATION_STATUSES and status != "all":
        raise Invalid({"status": _("Choose one of the listed statuses.")})
    conditions = [ServiceApplication.district_id == district.id]
    if service_id:
        conditions.append(ServiceApplication.service_id == service_id)
    if not status:
        conditions.append(ServiceApplication.status.in_(OPEN_APPLICATION_STATUSES))
    elif status != "all":
        conditions.append(ServiceApplication.status == status)
    listed = paginate(
        select(ServiceApplication).where(*conditions)
        .options(joinedload(ServiceApplication.service), joinedload(ServiceApplication.citizen))
        .order_by(ServiceApplication.due_at, ServiceApplication.id),
        page, per_page, count=select(func.count()).select_from(ServiceApplication).where(*conditions))
    counts = {(s, st): n for s, st, n in db.session.execute(
        select(ServiceApplication.service_id, ServiceApplication.status, func.count())
        .where(ServiceApplication.district_id == district.id)
        .group_by(ServiceApplication.service_id, ServiceApplication.status))}
    services = list(db.session.scalars(select(Service).join(service_districts)
                                       .where(service_districts.c.district_id == district.id)
                                       .order_by(Service.position, Service.id)))
    return Queue(district, counts, services, listed)


def citizen_applications(citizen: User) -> list[ServiceApplication]:
    """The resident's applications, newest first."""
    return list(db.session.scalars(
        select(ServiceApplication).where(ServiceApplication.citizen_id == citizen.id)
        .options(joinedload(ServiceApplication.service), joinedload(ServiceApplication.district))
        .order_by(ServiceApplication.created_at.desc()).limit(200)))


def document_for(actor: User, application_id: int, document_id: int) -> ApplicationDocument:
    """A document of an application ``actor`` may see; anything else is ``NotFound``."""
    application = get_for(actor, application_id)
    document = db.session.get(ApplicationDocument, document_id)
    if document is None or document.application_id != application.id:
        raise NotFound("document")
    _audit_download(actor, application, document)
    return document
