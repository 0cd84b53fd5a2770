"""The replay of a slow build (tests/snapshots.py) gives a test the same rows and objects as the build did."""
from __future__ import annotations

from tests.conftest import empty_tables
from tests.factories import create_reference_data, create_user
from tests.snapshots import replayed


def _build() -> dict:
    create_reference_data()
    return {"users": [create_user(f"resident{i}@example.az") for i in range(6)], "note": ["kept", 1]}


def test_a_replay_gives_back_the_builds_objects_loaded_in_one_statement_per_class(app, count_queries):
    with app.app_context():
        built = replayed("tests/test_snapshots: six residents", _build)
        expected = [(user.id, user.email) for user in built["users"]]
    empty_tables(app)
    with app.app_context(), count_queries() as counted:
        again = replayed("tests/test_snapshots: six residents", _build)
        got = [(user.id, user.email) for user in again["users"]]
    assert got == expected and again["note"] == ["kept", 1]
    # Written back, not built again (a build would insert each user on its own), and the six loaded together.
    reads = [s for s in counted.statements if s.lstrip().upper().startswith("SELECT") and "FROM users" in s]
    assert len(reads) == 1, reads
    assert sum(s.lstrip().upper().startswith("INSERT INTO USERS") for s in counted.statements) == 1
