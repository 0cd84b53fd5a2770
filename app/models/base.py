"""Shared column types and helpers for the models."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK that ``column`` holds one of ``values`` (the database guards the vocabulary too)."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite keeps no zone, so values read back are naive; this type makes both
    databases hand the application the same aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# The official language: every translated text is written in it first (the forms require it), so it is there to fall
# back on when a Russian or English translation is missing.
FALLBACK_LOCALE = "az"


def text_from(values: Mapping[str, Any], field: str, locale: str) -> str:
    """``field`` in ``locale`` from a dict of translations (``label_az``, ``label_ru``, ...): the same rule as
    ``Translated.text_in``, for texts kept as data (e-service form definitions) rather than as columns."""
    return values.get(f"{field}_{locale}") or values.get(f"{field}_{FALLBACK_LOCALE}") or ""


class Translated:
    """Mixin for every row with texts in az/ru/en columns (``<field>_az``, ``<field>_ru``, ``<field>_en``).

    A text is shown in the reader's language when that column is filled, otherwise in Azerbaijani. Azerbaijani is the
    official language: the forms require it for every text a row must have (the database keeps those columns NOT NULL),
    so it is always there to show, while Russian and English are translations added when someone writes them (an empty
    string or NULL means "not translated yet"). Optional texts (a poll's description, a consultation's outcome) may be
    empty in every language: then the answer is "".
    """

    def text_in(self, field: str, locale: str) -> str:
        """The text ``field`` (``name``, ``title``, ``summary``, ...) in ``locale``; the Azerbaijani text when that one is
        empty or ``locale`` has no column; "" when both are empty."""
        return getattr(self, f"{field}_{locale}", None) or getattr(self, f"{field}_{FALLBACK_LOCALE}") or ""

    def name_in(self, locale: str) -> str:
        """The name in ``locale``, or the Azerbaijani name when that one is empty (reference data, tags; ``tr()``)."""
        return self.text_in("name", locale)

    def title_in(self, locale: str) -> str:
        """The title in ``locale``, or the Azerbaijani title when that one is empty."""
        return self.text_in("title", locale)
