"""The filters of a list page, read from its query string the same way everywhere: a value the page never offers
is no filter (the whole list), never an error page."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from app.kit.reference import find_by_code
from app.models import District

NATIONAL = "national"


def choice(args: Mapping[str, str], name: str, allowed: Collection[str]) -> str:
    """``args[name]`` when it is one of ``allowed``, else "" (no filter)."""
    value = args.get(name, "")
    return value if value in allowed else ""


@dataclass(frozen=True)
class DistrictFilter:
    """``?district=``: one district, the national items only, or every district ("" code)."""

    code: str
    district: District | None
    national: bool


def district_filter(args: Mapping[str, str], name: str = "district", national: bool = True) -> DistrictFilter:
    """An active district by its code (any letter case), ``national`` where the list has national items, or none;
    an unknown code is no filter."""
    code = (args.get(name) or "").strip()
    if national and code == NATIONAL:
        return DistrictFilter(NATIONAL, None, True)
    district = find_by_code(code) if code else None
    return DistrictFilter(district.code if district else "", district, False)
