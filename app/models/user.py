"""Users and their role assignments."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.district import Department, District

# Roles scoped to one district, and roles that are national.
DISTRICT_ROLES = ("official", "head", "editor", "moderator")
NATIONAL_ROLES = ("supervisor", "admin")
STAFF_ROLES = DISTRICT_ROLES + NATIONAL_ROLES
LANGUAGES = ("az", "ru", "en")


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class User(UserMixin, db.Model):
    """A person with an account: a resident, a member of staff, or both."""

    __tablename__ = "users"
    __table_args__ = (
        # Emails are stored lower-cased, so the unique constraint ignores case.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint(f"locale IN ({_quoted(LANGUAGES)})", name="locale_known"),
        CheckConstraint("failed_logins >= 0", name="failed_logins_positive"),
        CheckConstraint("totp_failures >= 0", name="totp_failures_positive"),
        CheckConstraint("session_version >= 0", name="session_version_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    # The postal address, filled in for the resident on appeals and e-service applications.
    address: Mapped[str | None] = mapped_column(String(300))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(2), default="az", server_default="az")
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    privacy_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Raised by deactivation and a reset second factor: a sign-in half done (waiting for its second factor) that
    # began under an older version is refused. Open sessions end through their rows (app/accounts/sessions.py).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Two-factor sign-in: the TOTP secret, encrypted (app/accounts/two_factor.py); set up once enabled_at is set.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last 30-second step whose code was accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    totp_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the resident closed the account: profile and contacts erased, sign-in disabled, kept records remain.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    district: Mapped[District | None] = relationship()
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # The signed-in session this object was loaded for or just started (app/accounts/sessions.py): its key, which
    # only the cookies hold, and its row's id. Set per request; not columns.
    session_key = None
    session_id = None
    # Its unread notifications, counted in the statement that loaded it for the request (None: not counted).
    unread_notifications = None

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot sign in.
        return self.active

    def get_id(self) -> str:
        """Flask-Login's cookie value: the id and the key of this signed-in session, so that ending the session's row
        ends the session cookie and the remember-me cookie (Flask-Login's alternative id)."""
        return f"{self.id}:{self.session_key or ''}"

    @property
    def two_factor_enabled(self) -> bool:
        """Whether the user signs in with a second factor (a TOTP app)."""
        return self.totp_enabled_at is not None

    @property
    def is_confirmed(self) -> bool:
        """Whether the email address has been confirmed."""
        return self.confirmed_at is not None

    @property
    def role_names(self) -> set[str]:
        """The names of every role this user holds, in any scope."""
        return {r.role for r in self.roles}

    @property
    def is_closed(self) -> bool:
        """Whether the account was closed by its owner (its records stay, shown as a closed account's)."""
        return self.closed_at is not None

    @property
    def is_staff(self) -> bool:
        """Whether the user holds any staff role."""
        return bool(self.role_names & set(STAFF_ROLES))

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class RoleAssignment(db.Model):
    """One role held by one user, scoped to a district when the role is local."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "district_id", name="uq_role_assignments_scope"),
        CheckConstraint(f"role IN ({_quoted(STAFF_ROLES)})", name="role_known"),
        CheckConstraint(
            f"(role IN ({_quoted(DISTRICT_ROLES)}) AND district_id IS NOT NULL)"
            f" OR (role IN ({_quoted(NATIONAL_ROLES)}) AND district_id IS NULL)",
            name="scope_matches_role",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")
    district: Mapped[District | None] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship()

    def __repr__(self) -> str:
        return f"<RoleAssignment {self.role}@{self.district_id}>"
