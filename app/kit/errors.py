"""Domain errors raised by services and mapped to responses by the views."""
from __future__ import annotations


class ConfigError(RuntimeError):
    """The application was started with a missing or unsafe setting."""


class DomainError(Exception):
    """Base of the errors a use case reports to its caller."""


class NotAllowed(DomainError):
    """The actor may not do this (403, or 404 where existence must not leak)."""


class NotFound(DomainError):
    """The object does not exist, or is not visible to the actor."""


class Invalid(DomainError):
    """The input breaks a rule; ``errors`` maps a field name to its message.

    The key ``None`` holds a message about the form as a whole.
    """

    def __init__(self, errors: dict[str | None, str]):
        super().__init__(errors)
        self.errors = errors
