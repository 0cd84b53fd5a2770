"""Typed SQLAlchemy models. Importing this package registers every table."""
from app.models.appeal import (
    KINDS,
    NOT_CONSIDERED_GROUNDS,
    OPEN_STATUSES,
    SOURCES,
    STATUSES,
    Appeal,
    AppealEvent,
    AppealMessage,
    AppealSequence,
    Attachment,
    Notification,
)
from app.models.base import UTCDateTime, utcnow
from app.models.commitment import (
    COMMITMENT_STATUSES,
    LINK_KINDS,
    Commitment,
    CommitmentFeedback,
    CommitmentLink,
    CommitmentMilestone,
)
from app.models.district import Category, Department, District
from app.models.outbox import OutboxMessage
from app.models.reception import (
    BOOKING_STATUSES,
    HOLDING,
    SESSION_STATUSES,
    ReceptionBooking,
    ReceptionSession,
    ReceptionSlot,
)
from app.models.stats import AppealStat
from app.models.user import (
    DISTRICT_ROLES,
    LANGUAGES,
    NATIONAL_ROLES,
    STAFF_ROLES,
    RoleAssignment,
    User,
)

__all__ = [
    "Appeal",
    "AppealStat",
    "AppealEvent",
    "AppealMessage",
    "AppealSequence",
    "Attachment",
    "KINDS",
    "NOT_CONSIDERED_GROUNDS",
    "Notification",
    "OPEN_STATUSES",
    "SOURCES",
    "STATUSES",
    "Category",
    "COMMITMENT_STATUSES",
    "Commitment",
    "CommitmentFeedback",
    "CommitmentLink",
    "CommitmentMilestone",
    "Department",
    "District",
    "DISTRICT_ROLES",
    "LANGUAGES",
    "LINK_KINDS",
    "NATIONAL_ROLES",
    "OutboxMessage",
    "BOOKING_STATUSES",
    "HOLDING",
    "SESSION_STATUSES",
    "ReceptionBooking",
    "ReceptionSession",
    "ReceptionSlot",
    "RoleAssignment",
    "STAFF_ROLES",
    "User",
    "UTCDateTime",
    "utcnow",
]
