"""Staff accounts: invitations, roles and their scope, deactivation, the list of users. Administrators only.

A person is invited by email with one or more roles; the signed link (valid ``INVITE_TOKEN_MAX_AGE``, seven
days by default) lets them choose a password, and stops working once used. Roles are read from the database
on every request, so a change takes effect on the person's next request; deactivating raises the user's
session version, which ends every open session at its next request (``app/web.py`` checks it).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from app import authz
from app.accounts import sessions
from app.accounts.passwords import hash_password, password_problem
from app.accounts.service import find_by_email, normalize_email
from app.extensions import db
from app.kit import audit, mail, notify
from app.kit.errors import Invalid, NotFound
from app.kit.i18n import by_name
from app.kit.paging import Page, paginate
from app.kit.tokens import make_token, read_token
from app.models import (
    LANGUAGES,
    NATIONAL_ROLES,
    STAFF_ROLES,
    AuditEntry,
    Department,
    District,
    RoleAssignment,
    User,
    utcnow,
)

PER_PAGE = 25
# An invited person has no password until they accept; this is no valid hash, so no password matches it.
NO_PASSWORD = "!invited"
SIGN_IN_FILTERS = ("7", "30", "90plus", "never")
ACTIVE_FILTERS = ("yes", "no")


@dataclass
class RoleInput:
    """One role to grant: its name, the district it is scoped to and, optionally, a department there."""

    role: str | None
    district_id: int | None = None
    department_id: int | None = None

    @property
    def is_blank(self) -> bool:
        """Nothing chosen in this row."""
        return not self.role and self.district_id is None and self.department_id is None


def _role_problems(item: RoleInput, key: str) -> dict[str | None, str]:
    """Messages for one role row, keyed ``<key>role``, ``<key>district_id``, ``<key>department_id``."""
    errors: dict[str | None, str] = {}
    if item.role not in STAFF_ROLES:
        errors[f"{key}role"] = _("Choose a role from the list.")
        return errors
    if item.role in NATIONAL_ROLES:
        if item.district_id is not None:
            errors[f"{key}district_id"] = _("This role is national: leave the district empty.")
        if item.department_id is not None:
            errors[f"{key}department_id"] = _("This role is national: leave the department empty.")
        return errors
    district = db.session.get(District, item.district_id) if item.district_id and item.district_id > 0 else None
    if item.district_id is None:
        errors[f"{key}district_id"] = _("Choose the district in which this role applies.")
    elif district is None or not district.active:
        errors[f"{key}district_id"] = _("Choose a district from the list.")
    if item.department_id is not None:
        department = db.session.get(Department, item.department_id) if item.department_id > 0 else None
        if department is None or not department.active:
            errors[f"{key}department_id"] = _("Choose a department from the list.")
        elif district is not None and department.district_id != district.id:
            errors[f"{key}department_id"] = _("Choose a department of the chosen district.")
    return errors


def _describe(assignment: RoleAssignment) -> dict:
    return {"role": assignment.role, "district_id": assignment.district_id, "department_id": assignment.department_id}


# --- Invitations -------------------------------------------------------------------------------------


def _fingerprint(user: User) -> str:
    # Bound to the password hash: once a password is chosen the link stops working.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def is_pending(user: User) -> bool:
    """Invited and not yet accepted (no password chosen)."""
    return user.password_hash == NO_PASSWORD


def roles_problems(roles: list[RoleInput]) -> dict[str | None, str]:
    """The messages about an invitation's role rows (blank rows skipped), keyed ``roles-<row>-<field>``."""
    errors: dict[str | None, str] = {}
    rows = [(index, item) for index, item in enumerate(roles) if not item.is_blank]
    if not rows:
        errors["roles-0-role"] = _("Give the person at least one role.")
    seen = set()
    for index, item in rows:
        problems = _role_problems(item, f"roles-{index}-")
        if not problems and (item.role, item.district_id) in seen:
            problems[f"roles-{index}-role"] = _("This role is given twice for the same district.")
        seen.add((item.role, item.district_id))
        errors.update(problems)
    return errors


def invite(actor: User, *, email: str, full_name: str, locale: str, roles: list[RoleInput]) -> User:
    """Create the account of a staff member with ``roles`` and email them a link to choose a password."""
    authz.require(actor, "staff.manage")
    email = normalize_email(email or "")
    errors: dict[str | None, str] = {}
    if find_by_email(email) is not None:
        errors["email"] = _("An account with this email address already exists. Give it roles on its page.")
    if not (full_name or "").strip():
        errors["full_name"] = _("Enter the person's full name.")
    if locale not in LANGUAGES:
        errors["locale"] = _("Choose one of the offered languages.")
    errors.update(roles_problems(roles))
    rows = [(index, item) for index, item in enumerate(roles) if not item.is_blank]
    if errors:
        raise Invalid(errors)
    user = User(email=email, full_name=full_name.strip(), password_hash=NO_PASSWORD, locale=locale,
                invited_at=utcnow())
    for _index, item in rows:
        user.roles.append(RoleAssignment(role=item.role, district_id=item.district_id, department_id=item.department_id))
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        # Two administrators invited the same address at once; the database decided.
        db.session.rollback()
        raise Invalid({"email": _("An account with this email address already exists. Give it roles on its page.")}) from None
    audit.record("user.invite", actor=actor, obj=user, summary=email,
           after={"roles": [_describe(r) for r in user.roles]})
    queue_invitation(user)
    notify.commit()
    return user


def queue_invitation(user: User) -> None:
    """Queue the email with the signed link that lets ``user`` choose a password (the caller commits)."""
    token = make_token("invite", {"uid": user.id, "fp": _fingerprint(user)})
    link = mail.link("auth.accept_invitation", token=token)
    days = current_app.config["INVITE_TOKEN_MAX_AGE"] // 86400
    mail.queue_email(user.email, "invitation", user.locale, user=user, link=link, days=days)


def resend_invitation(actor: User, user_id: int) -> User:
    """Send a new invitation link to a person who has not accepted yet (the old link keeps working too)."""
    authz.require(actor, "staff.manage")
    user = _get(user_id)
    if not is_pending(user) or not user.active:
        raise Invalid({None: _("This person has already accepted the invitation.")})
    audit.record("user.invite_resend", actor=actor, obj=user, summary=user.email)
    queue_invitation(user)
    notify.commit()
    return user


def user_for_invitation(token: str) -> User:
    """The invited person of a link; ``Invalid`` saying why when the link is expired, altered or used."""
    status, payload = read_token("invite", token, current_app.config["INVITE_TOKEN_MAX_AGE"])
    if status == "expired":
        raise Invalid({None: _("This invitation has expired. Ask the administrator to send a new one.")})
    if status != "ok" or not isinstance(payload, dict):
        raise Invalid({None: _("This invitation link is not valid: it was changed or cut short. "
                               "Open the link exactly as it is in the email.")})
    user = db.session.get(User, payload.get("uid")) if isinstance(payload.get("uid"), int) else None
    if user is None or not user.active:
        raise Invalid({None: _("This invitation is no longer valid. Ask the administrator.")})
    if payload.get("fp") != _fingerprint(user):
        raise Invalid({None: _("This invitation was already used. Sign in with the password you chose.")})
    return user


def accept_invitation(token: str, password: str) -> User:
    """The invited person chooses a password; the link proves the address, so it is confirmed too."""
    user = user_for_invitation(token)
    problem = password_problem(password, user.email)
    if problem:
        raise Invalid({"password": problem})
    user.password_hash = hash_password(password)
    now = utcnow()
    user.confirmed_at = user.confirmed_at or now
    user.privacy_accepted_at = user.privacy_accepted_at or now
    audit.record("user.invite_accept", actor=user, obj=user, summary=user.email)
    notify.commit()
    return user


# --- Roles and deactivation ----------------------------------------------------------------------------


def _get(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    return user


def get_user(actor: User, user_id: int) -> User:
    """A user by id, for an administrator; ``NotFound`` when there is none."""
    authz.require(actor, "staff.manage")
    return _get(user_id)


def _other_active_admins(user_id: int) -> int:
    """Active administrators (who have accepted) other than ``user_id``. Every active administrator's rows are
    locked, in one order, on PostgreSQL: two administrators removing themselves at once queue here, and the
    second sees the first gone."""
    rows = db.session.execute(
        select(RoleAssignment.id, User.id).join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.role == "admin", User.active.is_(True), User.confirmed_at.is_not(None))
        .order_by(RoleAssignment.id)
        .with_for_update()
    ).all()
    return sum(1 for _role_id, holder in rows if holder != user_id)


def _refuse_last_admin() -> Invalid:
    return Invalid({None: _("This is the last active administrator: give another person the administrator role "
                            "before removing this one.")})


def add_role(actor: User, user_id: int, item: RoleInput) -> RoleAssignment:
    """Give ``user_id`` one more role; it applies from their next request."""
    authz.require(actor, "staff.manage")
    user = _get(user_id)
    errors = _role_problems(item, "")
    if not errors and any(r.role == item.role and r.district_id == item.district_id for r in user.roles):
        errors["role"] = _("The person already holds this role in this district.")
    if errors:
        raise Invalid(errors)
    assignment = RoleAssignment(role=item.role, district_id=item.district_id, department_id=item.department_id)
    user.roles.append(assignment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Invalid({"role": _("The person already holds this role in this district.")}) from None
    audit.record("user.role_add", actor=actor, obj=user, summary=user.email, after=_describe(assignment))
    notify.commit()
    return assignment


def remove_role(actor: User, user_id: int, assignment_id: int) -> None:
    """Take one role away; the last active administrator keeps theirs."""
    authz.require(actor, "staff.manage")
    user = _get(user_id)
    assignment = next((r for r in user.roles if r.id == assignment_id), None)
    if assignment is None:
        raise NotFound("role")
    if assignment.role == "admin" and user.active and _other_active_admins(user.id) == 0:
        raise _refuse_last_admin()
    before = _describe(assignment)
    user.roles.remove(assignment)
    audit.record("user.role_remove", actor=actor, obj=user, summary=user.email, before=before)
    notify.commit()


def set_active(actor: User, user_id: int, active: bool) -> User:
    """Deactivate (every session ends at its next request) or reactivate an account."""
    authz.require(actor, "staff.manage")
    user = _get(user_id)
    if user.active == active:
        return user
    if not active:
        if "admin" in user.role_names and _other_active_admins(user.id) == 0:
            raise _refuse_last_admin()
        user.session_version += 1
        sessions.end_all(user, "deactivated")
    user.active = active
    audit.record("user.activate" if active else "user.deactivate", actor=actor, obj=user, summary=user.email,
           before={"active": not active}, after={"active": active})
    notify.commit()
    return user


# --- The list and a user's page -------------------------------------------------------------------------


@dataclass
class UserFilters:
    """The list's filters, as parsed from the query string (unknown values are ignored)."""

    role: str | None = None  # a role, "staff" (any staff role) or "none" (residents)
    district_id: int | None = None
    active: str | None = None  # "yes" / "no"
    signed_in: str | None = None  # "7", "30": within so many days; "90plus": not for 90 days or never; "never"
    q: str | None = None  # words of the name or the email


def user_list(actor: User, filters: UserFilters, page: int = 1) -> Page:
    """A page of users matching ``filters``, by name; three statements whatever the page (count, rows, roles)."""
    authz.require(actor, "staff.manage")
    conditions = []
    role_match = [RoleAssignment.user_id == User.id]
    if filters.role in STAFF_ROLES:
        role_match.append(RoleAssignment.role == filters.role)
    if filters.district_id is not None:
        role_match.append(RoleAssignment.district_id == filters.district_id)
    if filters.role == "none":
        conditions.append(~exists().where(RoleAssignment.user_id == User.id))
    elif filters.role in STAFF_ROLES or filters.role == "staff" or filters.district_id is not None:
        conditions.append(exists().where(*role_match))
    if filters.active in ACTIVE_FILTERS:
        conditions.append(User.active.is_(filters.active == "yes"))
    now = utcnow()
    if filters.signed_in in ("7", "30"):
        conditions.append(User.last_login_at >= now - timedelta(days=int(filters.signed_in)))
    elif filters.signed_in == "90plus":
        conditions.append(or_(User.last_login_at.is_(None), User.last_login_at < now - timedelta(days=90)))
    elif filters.signed_in == "never":
        conditions.append(User.last_login_at.is_(None))
    if filters.q:
        pattern = f"%{filters.q.strip().lower()[:100]}%"
        conditions.append(or_(func.lower(User.full_name).like(pattern), User.email.like(pattern)))
    return paginate(select(User).where(*conditions).order_by(User.full_name, User.id), page, PER_PAGE,
                    count=select(func.count()).select_from(User).where(*conditions), clamp_to_last=True)


@dataclass
class UserPage:
    """What an administrator sees of one user: the account, their roles and their recent actions."""

    user: User
    recent: list  # audit entries by the person or about their account, newest first


def user_page(actor: User, user_id: int, limit: int = 20) -> UserPage:
    """One user with their roles, the actions they took and the actions taken on their account."""
    authz.require(actor, "staff.manage")
    user = _get(user_id)
    entries = db.session.scalars(
        select(AuditEntry).where(or_(AuditEntry.actor_id == user.id,
                                     and_(AuditEntry.object_type == "user", AuditEntry.object_id == str(user.id))))
        .order_by(AuditEntry.id.desc()).limit(limit)).all()
    return UserPage(user=user, recent=list(entries))


def districts() -> list[District]:
    """The active districts, for the role choices."""
    from app.kit.reference import active_districts

    return active_districts()


def departments() -> list[Department]:
    """Every active department, with its district, for the role choices."""
    # Grouped by district as before; within a district by name in the page's alphabet (a stable sort keeps it).
    return sorted(by_name(db.session.scalars(select(Department).where(Department.active.is_(True)))),
                  key=lambda department: department.district_id)

