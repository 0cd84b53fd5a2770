"""Cells for spreadsheet exports (CSV and XLSX) that no spreadsheet program runs as a formula.

A text that begins with ``=``, ``+``, ``-`` or ``@`` is read as a formula by Excel, LibreOffice and Google
Sheets when a CSV file is opened (and a tab or carriage return in front hides such a start), so a resident's
words or a district's name in an export could run ``=HYPERLINK(...)`` or worse on a supervisor's computer
(CSV/formula injection). Every export passes each cell through ``safe_cell``: such a text gets an apostrophe in
front, which spreadsheets read as "this is text". Numbers, dates and empty cells pass unchanged, so figures stay
figures (a negative number is a number, not a formula).
"""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

# What a spreadsheet may take for the start of a formula (tab and CR can precede one unseen).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` ready for a spreadsheet cell: None as "", a text that could start a formula as text."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | date | datetime | time):
        return value
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(values) -> list[Any]:
    """Every cell of a row through ``safe_cell``."""
    return [safe_cell(value) for value in values]
