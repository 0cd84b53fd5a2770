"""Every address that answered before the code was reorganised by area answers the same after.

``tests/data/routes_before_areas.json`` is the URL map taken before the move (each rule, its methods, and the
status an anonymous GET of it got on an empty portal). Rules that stay must exist with the same methods and
answer the same status; the editors' pages that moved under ``/office`` answer their old address with a
permanent redirect to the new one, which answers what the old one did.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

BEFORE = json.loads((Path(__file__).parent / "data" / "routes_before_areas.json").read_text())
# Old prefix -> new prefix: the one staff URL scheme is /office/<area>.
MOVED = {"/commitments/manage": "/office/commitments", "/consultations/manage": "/office/consultations"}
SAMPLES = {"int": "1", "string": "GNC", "default": "GNC", "path": "x"}


def sample_path(rule: str) -> str:
    """The rule with each variable filled with a sample value (the same ones the snapshot used)."""
    def fill(match: re.Match) -> str:
        converter = match.group(1) or "default"
        if converter.startswith("any("):
            return converter[4:-1].split(",")[0].strip().strip("'\"")
        return SAMPLES.get(converter.split("(")[0], "1")

    return re.sub(r"<(?:([^:>]+):)?[^>]+>", fill, rule)


def moved_to(rule: str) -> str | None:
    for old, new in MOVED.items():
        if rule == old:
            return new + "/"
        if rule.startswith(old + "/"):
            return new + rule[len(old):]
    return None


def current_rules(app) -> set[tuple[str, frozenset[str]]]:
    return {(r.rule, frozenset(r.methods - {"HEAD", "OPTIONS"})) for r in app.url_map.iter_rules()}


def test_the_snapshot_is_the_whole_map_of_before():
    assert len(BEFORE) == 223 and any(r["rule"] == "/office/appeals" for r in BEFORE)


def test_every_rule_that_stays_keeps_its_methods_and_every_moved_one_has_its_new_place(app):
    rules = current_rules(app)
    for row in BEFORE:
        rule = moved_to(row["rule"]) or row["rule"]
        assert (rule, frozenset(row["methods"])) in rules, f"{row['rule']} {row['methods']} is gone"


@pytest.mark.parametrize("row", [r for r in BEFORE if r["anonymous_get"] is not None], ids=lambda r: r["rule"])
def test_every_address_answers_the_same_status(client, row):
    path = sample_path(row["rule"])
    new = moved_to(row["rule"])
    if new:
        answer = client.get(path)
        assert answer.status_code == 308 and answer.headers["Location"] == sample_path(new)
        path = sample_path(new)
    assert client.get(path).status_code == row["anonymous_get"]


def test_a_form_sent_to_an_old_address_keeps_its_method_and_query(client):
    answer = client.post("/consultations/manage/1/publish?x=1", data={"a": "b"})
    assert answer.status_code == 308 and answer.headers["Location"] == "/office/consultations/1/publish?x=1"
