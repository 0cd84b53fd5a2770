"""Email subscriptions started by a confirmation link (double opt-in) and ended by a one-click link, whatever they
subscribe to (a district's news, a district's public appeals).

A subscription row has ``id``, ``nonce``, ``status`` (pending, active, ended), ``confirmed_at`` and ``ended_at``.
Each link carries the row's id and nonce, signed for one purpose (``app/kit/tokens.py``); ending the subscription
changes the nonce, so every link of that row stops working and no link works for another row.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from app.extensions import db
from app.kit.errors import Invalid
from app.kit.tokens import make_token, read_token
from app.models import utcnow

# An unsubscribe link in an email keeps working for years (until it is used).
UNSUBSCRIBE_MAX_AGE = 3600 * 24 * 365 * 5


def confirm_max_age() -> int:
    """How long a confirmation link works, in seconds (``CONFIRM_TOKEN_MAX_AGE``)."""
    return current_app.config["CONFIRM_TOKEN_MAX_AGE"]


@dataclass(frozen=True)
class Links:
    """The confirm and unsubscribe links of one kind of subscription: its model, the two tokens' purposes and how a
    new nonce is made."""

    model: type
    confirm_purpose: str
    unsubscribe_purpose: str
    new_nonce: Callable[[], str]

    def token(self, purpose: str, subscription: Any) -> str:
        """The signed token of ``subscription`` for ``purpose`` (one of this kind's two)."""
        return make_token(purpose, {"s": subscription.id, "n": subscription.nonce})

    def confirm_token(self, subscription: Any) -> str:
        """The token of the confirmation link."""
        return self.token(self.confirm_purpose, subscription)

    def unsubscribe_token(self, subscription: Any) -> str:
        """The token of the one-click unsubscribe link."""
        return self.token(self.unsubscribe_purpose, subscription)

    def _from_token(self, purpose: str, token: str, max_age: int) -> Any | None:
        status, payload = read_token(purpose, token, max_age)
        if status != "ok" or not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
            return None
        subscription = db.session.get(self.model, payload["s"])
        if subscription is None or subscription.nonce != payload.get("n"):
            return None
        return subscription

    def confirm(self, token: str) -> Any:
        """Start the subscription the link was sent for (opening it twice is fine); ``Invalid`` otherwise."""
        if read_token(self.confirm_purpose, token, confirm_max_age())[0] == "expired":
            raise Invalid({None: _("This confirmation link has expired. Subscribe again to get a new one.")})
        subscription = self._from_token(self.confirm_purpose, token, confirm_max_age())
        if subscription is None or subscription.status == "ended":
            raise Invalid({None: _("This confirmation link is not valid.")})
        if subscription.status == "pending":
            subscription.status, subscription.confirmed_at = "active", utcnow()
            db.session.commit()
        return subscription

    def for_unsubscribe(self, token: str) -> Any:
        """The live subscription an unsubscribe link is for; ``Invalid`` once it was used (or never valid)."""
        subscription = self._from_token(self.unsubscribe_purpose, token, UNSUBSCRIBE_MAX_AGE)
        if subscription is None or subscription.status == "ended":
            raise Invalid({None: _("This link no longer works: the subscription has already ended.")})
        return subscription

    def end(self, subscription: Any) -> None:
        """End ``subscription`` (the caller commits); a new nonce makes each of its links stop working."""
        subscription.status, subscription.ended_at, subscription.nonce = "ended", utcnow(), self.new_nonce()

    def unsubscribe(self, token: str) -> Any:
        """End the subscription of the link (only that one); the link stops working."""
        subscription = self.for_unsubscribe(token)
        self.end(subscription)
        db.session.commit()
        return subscription


@dataclass
class DigestSummary:
    """What a digest run of subscriptions did: per ``period`` (a day, an ISO week), the digests sent with how many
    ``items`` (what they listed), the subscriptions with nothing new, the failures."""

    period: str
    period_name: str
    items_name: str
    sent: int = 0
    nothing_new: int = 0
    failed: int = 0
    items: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        """The run in one line, for the command's output and the operations page."""
        return (f"{self.period_name} {self.period}: {self.sent} digests sent ({self.items} {self.items_name}), "
                f"{self.nothing_new} subscriptions with nothing new, {self.failed} failed.")
