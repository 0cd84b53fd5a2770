"""The rulebook: the only place that decides who may do what.

Each policy is a named function ``(user, obj) -> bool`` registered with
``@policy("area.action")``. Views declare theirs with ``@requires(name)`` (or
``@public`` for open pages, ``@monitoring`` for the operators' machines);
services call ``require(user, name, obj)``; templates call ``can(name, obj)``.
A test walks every view and fails on one that declares nothing.
"""
from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, request
from flask_login import current_user

from app.kit.errors import NotAllowed
from app.models import DISTRICT_ROLES, STAFF_ROLES

PolicyFn = Callable[[Any, Any], bool]
_POLICIES: dict[str, PolicyFn] = {}

PUBLIC = "public"


def policy(name: str) -> Callable[[PolicyFn], PolicyFn]:
    """Register ``fn`` as the policy called ``name``."""

    def register(fn: PolicyFn) -> PolicyFn:
        if name in _POLICIES:
            raise RuntimeError(f"policy {name!r} registered twice")
        _POLICIES[name] = fn
        return fn

    return register


def policy_names() -> list[str]:
    """Every registered policy name, sorted."""
    return sorted(_POLICIES)


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def can(user: Any, name: str, obj: Any = None) -> bool:
    """Whether ``user`` may do ``name`` (to ``obj``). Unknown names raise."""
    try:
        fn = _POLICIES[name]
    except KeyError:
        raise RuntimeError(f"unknown policy {name!r}") from None
    return bool(fn(user, obj))


def require(user: Any, name: str, obj: Any = None) -> None:
    """Raise ``NotAllowed`` unless ``user`` may do ``name`` (to ``obj``)."""
    if not can(user, name, obj):
        raise NotAllowed(name)


def requires(name: str) -> Callable:
    """View decorator: sign-in first when needed, then the policy, else 403."""
    if name not in _POLICIES:
        raise RuntimeError(f"unknown policy {name!r}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not _signed_in(current_user):
                from app.extensions import login_manager

                return login_manager.unauthorized()
            if not can(current_user, name):
                abort(403)
            return view(*args, **kwargs)

        wrapped.policy = name  # type: ignore[attr-defined]
        return wrapped

    return decorate


def public(view: Callable) -> Callable:
    """Mark a view as open to everyone, visitors included."""
    view.policy = PUBLIC  # type: ignore[attr-defined]
    return view


def template_can(name: str, obj: Any = None) -> bool:
    """``can`` for templates, bound to the signed-in user."""
    return can(current_user, name, obj)


def staff_districts(user: Any, roles: tuple[str, ...] = DISTRICT_ROLES) -> set[int]:
    """The ids of the districts in which ``user`` holds one of ``roles``."""
    if not _signed_in(user):
        return set()
    return {r.district_id for r in user.roles if r.role in roles and r.district_id is not None}


def _has_role(user: Any, *roles: str) -> bool:
    return _signed_in(user) and bool(user.role_names & set(roles))


# --- Policies -------------------------------------------------------------


@policy("account.manage")
def _account_manage(user: Any, obj: Any) -> bool:
    """Any signed-in, active user manages their own profile and password."""
    return _signed_in(user) and (obj is None or obj.id == user.id)


@policy("account.sessions")
def _account_sessions(user: Any, obj: Any) -> bool:
    """Seeing and ending one's signed-in sessions: every signed-in user (staff too), their own sessions only."""
    return _signed_in(user) and (obj is None or obj.user_id == user.id)


@policy("cabinet.view")
def _cabinet_view(user: Any, obj: Any) -> bool:
    """The citizen cabinet belongs to every signed-in resident."""
    return _signed_in(user)


@policy("citizen.act")
def _citizen_act(user: Any, obj: Any) -> bool:
    """Filing, booking, voting: a signed-in user with a confirmed email."""
    return _signed_in(user) and user.is_confirmed


@policy("draft.own")
def _draft_own(user: Any, draft: Any) -> bool:
    """A draft of an appeal or application (its check page, sending, continuing, deleting) is its resident's
    alone; staff never see one."""
    if draft is None:
        return _signed_in(user)
    return _signed_in(user) and draft.citizen_id is not None and draft.citizen_id == user.id


@policy("office.view")
def _office_view(user: Any, obj: Any) -> bool:
    """The official cabinet is for staff of any role."""
    return _has_role(user, *STAFF_ROLES)


@policy("district.work")
def _district_work(user: Any, district: Any) -> bool:
    """Working a district's records: official or head of that very district."""
    if district is None:
        return _has_role(user, "official", "head")
    district_id = getattr(district, "id", district)
    return district_id in staff_districts(user, ("official", "head"))


@policy("supervision.view")
def _supervision_view(user: Any, obj: Any) -> bool:
    """National accountability dashboards: supervisors (and administrators)."""
    return _has_role(user, "supervisor", "admin")


@policy("admin.access")
def _admin_access(user: Any, obj: Any) -> bool:
    """Administration screens: administrators only."""
    return _has_role(user, "admin")



# --- Appeals ----------------------------------------------------------------

STAFF = frozenset({"official", "head"})
CITIZEN = frozenset({"citizen"})
SYSTEM = frozenset({"system"})

# Who may move an appeal from one status to another (DESIGN.md's lifecycle).
# "official" covers the district's officials; the head holds every official right.
# "system" is the scheduler (escalation, auto-close), acting with no user.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    ("submitted", "registered"): STAFF,
    ("submitted", "forwarded"): STAFF,
    ("submitted", "not_considered"): STAFF | CITIZEN,
    ("registered", "in_progress"): STAFF,
    ("registered", "forwarded"): STAFF,
    ("registered", "not_considered"): STAFF | CITIZEN,
    ("in_progress", "info_requested"): STAFF,
    ("in_progress", "answered"): STAFF,
    ("in_progress", "not_considered"): STAFF | CITIZEN,
    ("info_requested", "in_progress"): STAFF | CITIZEN,
    ("info_requested", "not_considered"): STAFF | CITIZEN,
    ("answered", "closed"): CITIZEN | SYSTEM,
    ("answered", "reopened"): CITIZEN,
    ("closed", "reopened"): CITIZEN,
    ("reopened", "in_progress"): STAFF,
    ("reopened", "not_considered"): STAFF | CITIZEN,
}


def appeal_roles(user: Any, appeal: Any) -> set[str]:
    """The capacities in which ``user`` stands towards ``appeal``: citizen, official, head, system."""
    if user is None:
        return {"system"}
    if not _signed_in(user):
        return set()
    roles: set[str] = set()
    if appeal.citizen_id == user.id:
        roles.add("citizen")
    for assignment in user.roles:
        if assignment.district_id == appeal.district_id and assignment.role in STAFF:
            roles.update({"official", assignment.role})
    return roles


def transition_allowed(user: Any, appeal: Any, to_status: str) -> bool:
    """Whether ``user`` may move ``appeal`` from its status to ``to_status``."""
    allowed = TRANSITIONS.get((appeal.status, to_status), frozenset())
    return bool(allowed & appeal_roles(user, appeal))


@policy("appeal.file")
def _appeal_file(user: Any, obj: Any) -> bool:
    """Filing an appeal: a signed-in resident with a confirmed email. A filing that came with an Open311 key
    (``obj`` the filing, its ``api_key`` set, source "api"): an active account, whose email need not be confirmed,
    because the key's holder vouches for the appellant; the key must be one that may file to the filing's district."""
    key = getattr(obj, "api_key", None)
    if key is not None:
        return _signed_in(user) and obj.source == "api" and _open311_file(key, obj.district_id)
    return _citizen_act(user, obj)


@policy("appeal.view")
def _appeal_view(user: Any, appeal: Any) -> bool:
    """An appeal is seen by its applicant and by the officials and head of its district."""
    if appeal is None:
        return _signed_in(user)
    return bool(appeal_roles(user, appeal) & {"citizen", "official"})


@policy("appeal.work")
def _appeal_work(user: Any, appeal: Any) -> bool:
    """Working an appeal (assign, messages, internal notes): officials and head of its district."""
    if appeal is None:
        return _has_role(user, *STAFF)
    return "official" in appeal_roles(user, appeal)


@policy("appeal.internal")
def _appeal_internal(user: Any, appeal: Any) -> bool:
    """Internal notes and their attachments: the district's staff, never the applicant."""
    return _appeal_work(user, appeal)


@policy("appeal.head")
def _appeal_head(user: Any, appeal: Any) -> bool:
    """Extending a deadline, marking extra study, the escalation list: the district's head."""
    if appeal is None:
        return _has_role(user, "head")
    return "head" in appeal_roles(user, appeal)


@policy("appeal.transition")
def _appeal_transition(user: Any, target: Any) -> bool:
    """Moving an appeal: ``target`` is ``(appeal, to_status)``; the transition table decides."""
    if target is None:
        return False
    appeal, to_status = target
    return transition_allowed(user, appeal, to_status)


@policy("appeal.citizen")
def _appeal_citizen(user: Any, appeal: Any) -> bool:
    """Acting as the applicant (messages, withdrawing, rating, disputing): the appeal's own citizen."""
    if appeal is None:
        return _signed_in(user)
    return "citizen" in appeal_roles(user, appeal)


@policy("appeal.follow")
def _appeal_follow(user: Any, appeal: Any) -> bool:
    """Following an appeal (being told when it is answered, closed, forwarded or not considered): a signed-in
    resident with a confirmed email, only an appeal the portal publishes, and not their own (its applicant is told
    of every step anyway). ``None`` asks whether the user may follow appeals at all."""
    if not _citizen_act(user, appeal):
        return False
    if appeal is None:
        return True
    # The one rule of what is public, kept with the appeals' queries (imported here: they import this module).
    from app.appeals.queries import is_public

    return is_public(appeal) and appeal.citizen_id != user.id


@policy("appeal.case")
def _appeal_case(user: Any, obj: Any) -> bool:
    """Linking appeals about the same matter into a case, unlinking them, answering a case's open appeals at once:
    the officials and head of the district of ``obj`` (an appeal or a case). Each answer still passes the
    transition table on its own appeal."""
    if obj is None:
        return _has_role(user, *STAFF)
    return obj.district_id in staff_districts(user, tuple(STAFF))


# --- Ratings on the ASAN criteria -------------------------------------------------------------


@policy("rating.give")
def _rating_give(user: Any, subject: Any) -> bool:
    """Giving or changing a rating (app/ratings/): a signed-in resident, of their own appeal, application or ticket
    only (``subject`` has a ``citizen_id``). Nobody else, staff included, ever sees one rating by itself."""
    if subject is None:
        return _signed_in(user)
    return _signed_in(user) and subject.citizen_id is not None and subject.citizen_id == user.id


# --- Reception ----------------------------------------------------------------------


def _district_of(obj: Any) -> int | None:
    """The district id of a district, a reception session or a booking (via its session)."""
    if obj is None:
        return None
    if hasattr(obj, "session") and hasattr(obj, "slot_id"):
        obj = obj.session
    return getattr(obj, "district_id", getattr(obj, "id", obj))


@policy("reception.manage")
def _reception_manage(user: Any, obj: Any) -> bool:
    """Publishing and cancelling reception sessions: the head of that district (deputies hold the head role)."""
    if obj is None:
        return _has_role(user, "head")
    return _district_of(obj) in staff_districts(user, ("head",))


@policy("reception.desk")
def _reception_desk(user: Any, obj: Any) -> bool:
    """The day sheet, check-in, attendance, outcomes and oral appeals: the district's officials and head."""
    if obj is None:
        return _has_role(user, *STAFF)
    return _district_of(obj) in staff_districts(user, tuple(STAFF))


@policy("reception.book")
def _reception_book(user: Any, obj: Any) -> bool:
    """Booking a reception: a signed-in resident with a confirmed email."""
    return _citizen_act(user, obj)


@policy("reception.booking")
def _reception_booking(user: Any, booking: Any) -> bool:
    """A booking (its page, calendar file, cancellation) belongs to the resident who made it."""
    if booking is None:
        return _signed_in(user)
    return _signed_in(user) and booking.citizen_id == user.id


# --- The front desk's queue ---------------------------------------------------------------


@policy("queue.take")
def _queue_take(user: Any, obj: Any) -> bool:
    """Taking a queue ticket online: a signed-in resident with a confirmed email."""
    return _citizen_act(user, obj)


@policy("queue.ticket")
def _queue_ticket(user: Any, ticket: Any) -> bool:
    """A queue ticket (its place, its cancellation) belongs to the resident who took it."""
    if ticket is None:
        return _signed_in(user)
    return _signed_in(user) and ticket.citizen_id is not None and ticket.citizen_id == user.id


@policy("queue.desk")
def _queue_desk(user: Any, obj: Any) -> bool:
    """Working a desk of the front desk (calling, serving, redirecting tickets): the district's officials and head."""
    if obj is None:
        return _has_role(user, *STAFF)
    return _district_of(obj) in staff_districts(user, tuple(STAFF))


@policy("queue.manage")
def _queue_manage(user: Any, obj: Any) -> bool:
    """The district's queue services and desks: its head, or an administrator."""
    if _has_role(user, "admin"):
        return True
    if obj is None:
        return _has_role(user, "head")
    return _district_of(obj) in staff_districts(user, ("head",))


# --- Accountability -------------------------------------------------------------------


@policy("cost.view")
def _cost_view(user: Any, obj: Any) -> bool:
    """A district's yearly service costs: its head enters them; supervisors and administrators read every district's."""
    if _has_role(user, "supervisor", "admin"):
        return True
    if obj is None:
        return _has_role(user, "head")
    return _district_of(obj) in staff_districts(user, ("head",))


@policy("cost.manage")
def _cost_manage(user: Any, obj: Any) -> bool:
    """Entering a district's yearly service costs: the head of that district, or an administrator."""
    if _has_role(user, "admin"):
        return True
    if obj is None:
        return _has_role(user, "head")
    return _district_of(obj) in staff_districts(user, ("head",))


@policy("commitment.edit")
def _commitment_edit(user: Any, obj: Any) -> bool:
    """A district's commitments are maintained by its editors and its head."""
    if obj is None:
        return _has_role(user, "editor", "head")
    return _district_of(obj) in staff_districts(user, ("editor", "head"))


@policy("commitment.feedback")
def _commitment_feedback(user: Any, commitment: Any) -> bool:
    """Saying whether a finished commitment was delivered: a resident with a confirmed email."""
    return _citizen_act(user, commitment) and (commitment is None or commitment.status == "completed")


# --- E-services ----------------------------------------------------------------------

# Who may move an application from one status to another (the e-service lifecycle).
APPLICATION_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    ("submitted", "in_review"): STAFF,
    ("resubmitted", "in_review"): STAFF,
    ("in_review", "documents_requested"): STAFF,
    ("documents_requested", "resubmitted"): CITIZEN,
    ("in_review", "approved"): STAFF,
    ("in_review", "refused"): STAFF,
    ("approved", "issued"): STAFF,
    ("submitted", "withdrawn"): CITIZEN,
    ("in_review", "withdrawn"): CITIZEN,
    ("documents_requested", "withdrawn"): CITIZEN,
    ("resubmitted", "withdrawn"): CITIZEN,
}


def application_transition_allowed(user: Any, application: Any, to_status: str) -> bool:
    """Whether ``user`` may move ``application`` from its status to ``to_status``."""
    allowed = APPLICATION_TRANSITIONS.get((application.status, to_status), frozenset())
    return bool(allowed & appeal_roles(user, application))


@policy("eservice.apply")
def _eservice_apply(user: Any, obj: Any) -> bool:
    """Applying for a service online: a signed-in resident with a confirmed email."""
    return _citizen_act(user, obj)


@policy("application.view")
def _application_view(user: Any, application: Any) -> bool:
    """An application is seen by its applicant and by the officials and head of its district."""
    if application is None:
        return _signed_in(user)
    return bool(appeal_roles(user, application) & {"citizen", "official"})


@policy("application.work")
def _application_work(user: Any, application: Any) -> bool:
    """Working applications (the queue, review, front-desk registration): the district's officials and head."""
    if application is None:
        return _has_role(user, *STAFF)
    district_id = getattr(application, "district_id", getattr(application, "id", application))
    return district_id in staff_districts(user, tuple(STAFF))


@policy("application.transition")
def _application_transition(user: Any, target: Any) -> bool:
    """Moving an application: ``target`` is ``(application, to_status)``; the transition table decides."""
    if target is None:
        return False
    application, to_status = target
    return application_transition_allowed(user, application, to_status)


# --- Participation, moderation and consultations ----------------------------------------------------------


def _moderated_district(obj: Any) -> int | None:
    """The district id a moderation action concerns: of a scope, report, block or content row; or a bare id."""
    if hasattr(obj, "district_id"):
        return obj.district_id
    return getattr(obj, "id", obj)


@policy("participation.take_part")
def _participation_take_part(user: Any, obj: Any) -> bool:
    """Commenting, reporting, answering questions: any signed-in user may try; the service
    (``participation.ensure_can_take_part``) refuses an unconfirmed email or a block and says why and until when."""
    return _signed_in(user)


@policy("moderation.work")
def _moderation_work(user: Any, obj: Any) -> bool:
    """The moderation queue, hiding, restoring, dismissing reports, lifting blocks: the moderators of the content's
    district; content with no district (national) and every district: administrators. ``None`` asks for the queue."""
    if _has_role(user, "admin"):
        return True
    if obj is None:
        return _has_role(user, "moderator")
    district_id = _moderated_district(obj)
    return district_id is not None and district_id in staff_districts(user, ("moderator",))


@policy("moderation.block")
def _moderation_block(user: Any, obj: Any) -> bool:
    """Blocking a user from taking part: any district's moderator, or an administrator."""
    return _has_role(user, "moderator", "admin")


@policy("consultation.edit")
def _consultation_edit(user: Any, obj: Any) -> bool:
    """Consultations: a district's are held by its editors; national ones (no district) by administrators, who may
    hold any. ``None`` asks whether the user holds consultations anywhere."""
    if _has_role(user, "admin"):
        return True
    if obj is None:
        return _has_role(user, "editor")
    district_id = _moderated_district(obj)
    return district_id is not None and district_id in staff_districts(user, ("editor",))


# --- Polls (e-participation) ----------------------------------------------------------


def _poll_scope(obj: Any) -> int | None | str:
    """The district id a poll, topic or district belongs to; None for a national poll; "any" for no object."""
    if obj is None:
        return "any"
    if hasattr(obj, "closes_at") or hasattr(obj, "author_id"):
        return obj.district_id
    return getattr(obj, "id", obj)


@policy("poll.vote")
def _poll_vote(user: Any, obj: Any) -> bool:
    """Voting in a poll: a signed-in resident with a confirmed email (scope and times are the service's rules)."""
    return _citizen_act(user, obj)


@policy("poll.propose")
def _poll_propose(user: Any, obj: Any) -> bool:
    """Proposing a poll topic to one's authority: a signed-in resident with a confirmed email."""
    return _citizen_act(user, obj)


@policy("poll.moderate")
def _poll_moderate(user: Any, obj: Any) -> bool:
    """A district's polls and topics: its moderators; national polls: administrators."""
    scope = _poll_scope(obj)
    if scope == "any":
        return _has_role(user, "moderator", "admin")
    if scope is None:
        return _has_role(user, "admin")
    return scope in staff_districts(user, ("moderator",))


# --- Audit trail and operations (helper "audit") ----------------------------------------------------


@policy("audit.view")
def _audit_view(user: Any, obj: Any) -> bool:
    """The audit trail and its export: supervisors and administrators (national roles)."""
    return _has_role(user, "supervisor", "admin")


@policy("operations.manage")
def _operations_manage(user: Any, obj: Any) -> bool:
    """The operations page (database, Redis, outbox, scheduled commands) and resending mail: administrators."""
    return _has_role(user, "admin")


# --- Monitoring (helper "observability") --------------------------------------------------------------
# Metrics and the readiness details are read by the operators' machines, not by people: the policy looks at
# the request (``obj``), not at a user, and a refused caller gets a 404, as if the address did not exist.

MONITORING = "monitoring.read"
# Headers a proxy adds: a request carrying one came through the proxy, from anywhere.
PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


def _loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


@policy(MONITORING)
def _monitoring_read(user: Any, req: Any) -> bool:
    """Metrics and readiness details: a caller presenting ``METRICS_TOKEN`` as its bearer token. With no token set,
    outside production only, a caller on this machine that came through no proxy (a proxy on the same machine
    would make every visitor look local)."""
    token = current_app.config.get("METRICS_TOKEN") or ""
    if token:
        scheme, _sep, presented = (req.headers.get("Authorization") or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())
    if current_app.config.get("APP_ENV") == "production":
        return False
    return not any(name in req.headers for name in PROXY_HEADERS) and _loopback(req.remote_addr)


def monitoring_allowed() -> bool:
    """Whether the current request may read the metrics and the readiness details."""
    return can(None, MONITORING, request)


def monitoring(view: Callable) -> Callable:
    """View decorator for the operators' machines: ``monitoring.read``, else 404."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        if not monitoring_allowed():
            abort(404)
        return view(*args, **kwargs)

    wrapped.policy = MONITORING  # type: ignore[attr-defined]
    return wrapped


# --- Staff accounts and two-factor sign-in ----------------------------------------------------------


@policy("staff.manage")
def _staff_manage(user: Any, obj: Any) -> bool:
    """Inviting staff, their roles, deactivation, resetting a second factor: administrators only."""
    return _has_role(user, "admin")


@policy("account.two_factor")
def _account_two_factor(user: Any, obj: Any) -> bool:
    """Setting up one's own two-factor sign-in: every member of staff, for their own account."""
    return _has_role(user, *STAFF_ROLES) and (obj is None or obj.id == user.id)


# --- News (informing) -------------------------------------------------------------------

# Who writes a district's articles (drafts, sending for review) and who publishes them.
NEWS_WRITERS = ("editor", "head", "official")
NEWS_PUBLISHERS = ("editor",)
# ``obj`` for a national article that does not exist yet.
NATIONAL = "national"


def _news_scope(obj: Any) -> tuple[bool, int | None]:
    """(is national, district id) of an article, an image, a district, a district id or ``NATIONAL``."""
    if obj == NATIONAL:
        return True, None
    if hasattr(obj, "district_id"):  # an article or a cover image
        return obj.district_id is None, obj.district_id
    district_id = getattr(obj, "id", obj)
    return False, district_id


def _news_may(user: Any, obj: Any, district_roles: tuple[str, ...]) -> bool:
    if obj is None:
        return _has_role(user, *district_roles, "admin")
    national, district_id = _news_scope(obj)
    if national:
        return _has_role(user, "admin")
    return district_id in staff_districts(user, district_roles)


@policy("news.write")
def _news_write(user: Any, obj: Any) -> bool:
    """Writing a district's articles and sending them for review: its editors, head and officials;
    national articles: administrators."""
    return _news_may(user, obj, NEWS_WRITERS)


@policy("news.publish")
def _news_publish(user: Any, obj: Any) -> bool:
    """Scheduling, publishing and archiving a district's articles: its editors; national ones: administrators."""
    return _news_may(user, obj, NEWS_PUBLISHERS)


# --- Proposals (e-participation) ------------------------------------------------------
# Residents propose and support; the head of the district answers, because the answer is the authority's
# formal position (like extending a deadline), and moves an accepted proposal into work; its officials
# read the district's proposals in the office. The threshold is set by the head or an administrator.


def _proposal_district(obj: Any) -> int | None:
    """The district id of a proposal or a district (or a bare id)."""
    return getattr(obj, "district_id", getattr(obj, "id", obj))


@policy("proposal.create")
def _proposal_create(user: Any, obj: Any) -> bool:
    """Writing a proposal: a signed-in resident with a confirmed email."""
    return _citizen_act(user, obj)


@policy("proposal.edit")
def _proposal_edit(user: Any, proposal: Any) -> bool:
    """A draft is changed (and published) only by its author."""
    if proposal is None:
        return _citizen_act(user, None)
    return _signed_in(user) and proposal.author_id == user.id and proposal.state == "draft"


@policy("proposal.support")
def _proposal_support(user: Any, obj: Any) -> bool:
    """Supporting a proposal (and withdrawing the support): a signed-in resident with a confirmed email."""
    return _citizen_act(user, obj)


@policy("proposal.view")
def _proposal_view(user: Any, proposal: Any) -> bool:
    """Published proposals are public; a draft is seen by its author only."""
    if proposal is None:
        return True
    if proposal.state != "draft":
        return True
    return _signed_in(user) and proposal.author_id == user.id


@policy("proposal.office")
def _proposal_office(user: Any, obj: Any) -> bool:
    """The district's proposals in the office: its officials and head."""
    if obj is None:
        return _has_role(user, *STAFF)
    return _proposal_district(obj) in staff_districts(user, tuple(STAFF))


@policy("proposal.answer")
def _proposal_answer(user: Any, obj: Any) -> bool:
    """Answering a proposal, marking it in progress or implemented, linking a commitment: the district's head."""
    if obj is None:
        return _has_role(user, "head")
    return _proposal_district(obj) in staff_districts(user, ("head",))


@policy("proposal.settings")
def _proposal_settings(user: Any, obj: Any) -> bool:
    """A district's threshold and support period: its head, or an administrator."""
    if _has_role(user, "admin"):
        return True
    if obj is None:
        return _has_role(user, "head")
    return _proposal_district(obj) in staff_districts(user, ("head",))


# --- Reference data and residents' own data (administration, issue 10) -------------------------------------


@policy("reference.manage")
def _reference_manage(user: Any, obj: Any) -> bool:
    """Districts, departments, appeal categories and the calendar's exceptions: administrators only."""
    return _has_role(user, "admin")


@policy("account.data")
def _account_data(user: Any, obj: Any) -> bool:
    """Downloading everything the portal holds about oneself: any signed-in user, for their own account."""
    return _signed_in(user) and (obj is None or obj.id == user.id)


@policy("account.close")
def _account_close(user: Any, obj: Any) -> bool:
    """Closing one's own account: a resident without a staff role (staff accounts are ended by administrators)."""
    return _signed_in(user) and not user.is_staff and (obj is None or obj.id == user.id)


# --- The notification centre (issue 17) ------------------------------------------------------------------------


@policy("notification.view")
def _notification_view(user: Any, notification: Any) -> bool:
    """The notification centre and one's choices of channel: every signed-in person (residents and staff alike);
    a notification is its recipient's alone (the use cases answer another's with ``NotFound``)."""
    return _signed_in(user) and (notification is None or notification.user_id == user.id)


# --- Area alerts ----------------------------------------------------------------------------------------------
# Subscribing is open to everyone (the confirmation link proves the address); the cabinet manages a resident's own.


def owns_address(user: Any, email: str | None) -> bool:
    """Whether ``email`` is ``user``'s own confirmed account address (then no confirmation link is needed)."""
    return (_signed_in(user) and user.is_confirmed and bool(email)
            and user.email.lower() == (email or "").strip().lower())


@policy("alert.manage")
def _alert_manage(user: Any, subscription: Any) -> bool:
    """A resident's alerts (the cabinet's list, adding, changing the frequency, ending one): every signed-in
    person; a subscription is managed by the resident who made it signed in, or whose confirmed address it is
    (the use cases answer another's with ``NotFound``)."""
    if subscription is None:
        return _signed_in(user)
    return _signed_in(user) and (subscription.user_id == user.id or owns_address(user, subscription.email))


# --- Open311 (machine clients filing appeals with an API key) ------------------------------------------------
# A machine client is no signed-in user: it presents a key. Its views declare the policy with ``api_key`` below;
# the use case identifies the key and asks ``require(key, "open311.file", district)``.


@policy("open311.keys")
def _open311_keys(user: Any, obj: Any) -> bool:
    """Issuing, rotating and revoking Open311 API keys: administrators only."""
    return _has_role(user, "admin")


@policy("open311.file")
def _open311_file(key: Any, district: Any) -> bool:
    """Filing an appeal through the Open311 API: a key that is not revoked, to the one district it was issued for
    (``district`` a district or its id; None asks only whether the key still files at all)."""
    if key is None or getattr(key, "revoked_at", None) is not None or getattr(key, "district_id", None) is None:
        return False
    return district is None or getattr(district, "id", district) == key.district_id


def api_key(name: str) -> Callable:
    """View decorator for a machine client that authenticates with an API key instead of signing in: it declares
    ``name``, which the view's use case asks of the key it identifies (a refused key gets the API's own 403)."""
    if name not in _POLICIES:
        raise RuntimeError(f"unknown policy {name!r}")

    def decorate(view: Callable) -> Callable:
        view.policy = name  # type: ignore[attr-defined]
        return view

    return decorate
