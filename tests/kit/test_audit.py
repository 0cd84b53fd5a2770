"""The audit trail: entries join the caller's transaction, form one hash chain, and tampering is found."""
from __future__ import annotations

import os
import threading
from itertools import pairwise

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.administration import operations as ops
from app.extensions import db
from app.kit import audit
from app.models import AuditChainHead, AuditEntry, CommandRun, District
from tests.factories import create_reference_data, create_user
from tests.snapshots import replayed

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


@pytest.fixture
def world(ctx):
    """Built once, then put back (tests/snapshots.py)."""
    return replayed("kit audit: world", _build_world)


def _build_world():
    districts = create_reference_data()
    admin = create_user("admin@example.az", roles=[("admin", None)])
    return {"gnc": districts["GNC"], "admin": admin}


def append(n: int, actor=None) -> list[int]:
    """Record ``n`` entries in one committed transaction; their ids."""
    entries = [audit.record("district.update", actor=actor, object_type="district", object_id=i,
                            summary=f"change {i}", before={"name": f"old {i}"}, after={"name": f"new {i}"})
               for i in range(n)]
    db.session.commit()
    return [entry.id for entry in entries]


def tamper(sql: str, **params) -> None:
    """Change the table by hand, as someone with database access would (the trigger set aside on PostgreSQL)."""
    db.session.remove()
    with db.engine.begin() as conn:
        if ON_POSTGRES:
            conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
        conn.execute(text(sql), params)
        if ON_POSTGRES:
            conn.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only"))


def test_record_fills_actor_object_district_and_joins_the_transaction(world):
    gnc, admin = world["gnc"], world["admin"]
    entry = audit.record("district.update", actor=admin, obj=gnc, summary="  renamed\n the district ",
                         before={"name": "Old"}, after={"name": "New"})
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0  # rolled back with the caller

    entry = audit.record("district.update", actor=admin, obj=gnc, summary="renamed", after={"b": 1, "a": 2})
    db.session.commit()
    stored = db.session.get(AuditEntry, entry.id)
    assert (stored.actor_id, stored.actor_email, stored.action) == (admin.id, "admin@example.az", "district.update")
    assert (stored.object_type, stored.object_id, stored.district_id) == ("district", str(gnc.id), gnc.id)
    assert stored.after == '{"a":2,"b":1}' and stored.before is None
    assert stored.id == 1 and stored.prev_hash == "" and stored.hash == audit.entry_hash(stored)


def test_a_resident_actor_is_named_by_id_only_and_the_chain_holds(world):
    """The trail is append-only: a resident's email written into it could never be erased when they close their
    account. Staff are named by email, residents by id; the hash covers what was stored."""
    from types import SimpleNamespace

    resident = create_user("resident.audit@example.az", full_name="Nigar Quliyeva")
    official = create_user("official.audit@example.az", roles=[("official", world["gnc"])])
    own = audit.record("proposal.publish", actor=resident, object_type="proposal", object_id=7, summary="published")
    staff = audit.record("proposal.answer", actor=official, object_type="proposal", object_id=7, summary="answered")
    national = audit.record("district.update", actor=world["admin"], obj=world["gnc"], summary="renamed")
    stand_in = audit.record("account.export", actor=SimpleNamespace(id=resident.id, email="x@example.az"),
                            object_type="user", object_id=resident.id)
    db.session.commit()
    stored = {e.action: e for e in db.session.scalars(select(AuditEntry))}
    assert (stored["proposal.publish"].actor_id, stored["proposal.publish"].actor_email) == (resident.id, None)
    assert stored["proposal.answer"].actor_email == "official.audit@example.az"
    assert stored["district.update"].actor_email == "admin@example.az"
    assert stored["account.export"].actor_email is None
    for entry in (own, staff, national, stand_in):
        assert entry.hash == audit.entry_hash(db.session.get(AuditEntry, entry.id))
    assert audit.verify().ok
    assert not any("resident.audit" in (e.actor_email or "") + (e.summary or "")
                   for e in db.session.scalars(select(AuditEntry)))


def test_the_actor_is_named_and_the_address_is_the_one_the_web_layer_bound(app, world):
    admin_id = world["admin"].id
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.7"}):
        app.preprocess_request()  # the web layer's before-request hooks bind the client's address
        audit.record("user.role", actor=db.session.get(type(world["admin"]), admin_id), object_type="user",
                     object_id=5, summary="x")
        db.session.commit()
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.actor_id == admin_id and entry.ip == "203.0.113.7"
    # After the request, nothing it bound is carried over to work done outside one.
    audit.record("appeal.autoclose", actor=None, object_type="appeal", object_id=2)
    db.session.commit()
    assert db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first().ip is None


def test_an_address_given_explicitly_is_kept(world):
    audit.record("user.role", actor=None, object_type="user", object_id=5, address="198.51.100.4")
    db.session.commit()
    assert db.session.scalars(select(AuditEntry)).one().ip == "198.51.100.4"


def test_outside_a_request_the_actor_is_the_system(world):
    audit.record("appeal.autoclose", actor=None, object_type="appeal", object_id=1)
    db.session.commit()
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.is_system and entry.ip is None


def test_a_new_object_is_named_by_its_id(world):
    district = District(code="TST", name_az="Test", name_ru="Тест", name_en="Test")
    db.session.add(district)
    entry = audit.record("district.create", actor=None, obj=district)
    db.session.commit()
    assert entry.object_id == str(district.id) and entry.district_id == district.id


def test_bad_action_names_are_refused(world):
    for bad in ("Appeal.Status", "appeal", "appeal status", ""):
        with pytest.raises(ValueError):
            audit.record(bad, actor=None)


def test_entries_form_one_chain_across_transactions(world):
    assert append(3) == [1, 2, 3]
    assert append(2) == [4, 5]
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert entries[0].prev_hash == ""
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(entries))
    head = db.session.get(AuditChainHead, 1)
    assert (head.last_id, head.last_hash) == (5, entries[-1].hash)
    result = audit.verify()
    assert result.ok and result.checked == 5 and result.last_id == 5


def refused_on_postgres(sql: str) -> None:
    """On PostgreSQL the trigger refuses ``sql`` (an UPDATE or DELETE) outright."""
    if ON_POSTGRES:
        db.session.remove()
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql))


def test_verify_names_a_changed_entry(world):
    append(5)
    refused_on_postgres("UPDATE audit_entries SET summary = 'nothing happened' WHERE id = 3")
    tamper("UPDATE audit_entries SET summary = 'nothing happened' WHERE id = 3")
    problem = audit.verify().problem
    assert problem.kind == "changed" and problem.entry_id == 3 and "#3" in problem.message


def test_verify_names_a_removed_entry(world):
    append(5)
    refused_on_postgres("DELETE FROM audit_entries WHERE id = 2")
    tamper("DELETE FROM audit_entries WHERE id = 2")
    problem = audit.verify().problem
    assert problem.kind == "removed" and problem.entry_id == 2 and "#2" in problem.message


def test_verify_notices_entries_removed_from_the_end(world):
    append(5)
    tamper("DELETE FROM audit_entries WHERE id >= 4")
    problem = audit.verify().problem
    assert problem.kind == "removed" and problem.entry_id == 4 and "#4–#5" in problem.message


def _forged_row(entry_id: int, prev_hash: str) -> dict:
    """A row whose own hash is right (the forger knows the algorithm) but whose place in the chain is not."""
    from app.models import utcnow

    forged = AuditEntry(id=entry_id, created_at=utcnow(), actor_id=None, actor_email="intruder@example.az",
                        action="user.role", object_type="user", object_id="1", district_id=None,
                        summary="made an administrator", before=None, after=None, ip=None, prev_hash=prev_hash)
    forged.hash = audit.entry_hash(forged)
    return {c: getattr(forged, c) for c in ("id", "created_at", "actor_email", "action", "object_type",
                                            "object_id", "summary", "prev_hash", "hash")}


INSERT = ("INSERT INTO audit_entries (id, created_at, actor_email, action, object_type, object_id, summary, "
          "prev_hash, hash) VALUES (:id, :created_at, :actor_email, :action, :object_type, :object_id, :summary, "
          ":prev_hash, :hash)")


def test_verify_names_an_entry_inserted_out_of_order(world):
    append(5)
    first_hash = db.session.get(AuditEntry, 1).hash
    row = _forged_row(3, first_hash)  # claims to come straight after #1
    tamper("DELETE FROM audit_entries WHERE id = 3")
    tamper(INSERT, **row)
    problem = audit.verify().problem
    assert problem.kind == "out_of_order" and problem.entry_id == 3


def test_verify_names_an_entry_added_after_the_end_by_hand(world):
    append(3)
    last_hash = db.session.get(AuditEntry, 3).hash
    tamper(INSERT, **_forged_row(4, last_hash))  # a perfect link, but not appended by the application
    problem = audit.verify().problem
    assert problem.kind == "inserted" and problem.entry_id == 4


def test_the_cli_reports_the_first_broken_entry(world, runner):
    append(4)
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "OK: 4 entries" in ok.output
    tamper("UPDATE audit_entries SET after = '{}' WHERE id = 2")
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "entry #2 was changed" in broken.output


@pytest.mark.skipif(not ON_POSTGRES, reason="the trigger exists on PostgreSQL only")
def test_postgresql_refuses_update_and_delete_on_the_trail(world):
    append(2)
    db.session.remove()
    for sql in ("UPDATE audit_entries SET summary = 'x' WHERE id = 1", "DELETE FROM audit_entries WHERE id = 2"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql))
    assert audit.verify().ok and audit.verify().checked == 2


@pytest.mark.skipif(not ON_POSTGRES, reason="simultaneous appends are tested on PostgreSQL (SQLite serialises writers)")
def test_simultaneous_appends_keep_one_unbroken_chain(app, world):
    append(1)
    barrier = threading.Barrier(20)
    errors: list[Exception] = []

    def writer(n: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                for i in range(3):
                    # Work before and after the entry, like a real use case.
                    db.session.execute(select(func.count()).select_from(District))
                    audit.record("appeal.status", actor=None, object_type="appeal", object_id=f"{n}-{i}")
                    audit.record("appeal.answer", actor=None, object_type="appeal", object_id=f"{n}-{i}")
                    db.session.commit()
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    result = audit.verify()
    assert result.ok and result.checked == 1 + 20 * 3 * 2
    ids = db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
    assert ids == list(range(1, 122))


# --- Scheduled commands record their runs ------------------------------------------------


def test_command_run_records_success_with_its_summary(world):
    with ops.command_run("appeals escalate") as run:
        run.summary = "3 escalated"
    stored = db.session.scalars(select(CommandRun)).one()
    assert (stored.name, stored.outcome, stored.summary, stored.error) == ("appeals escalate", "ok", "3 escalated", None)
    assert stored.finished_at >= stored.started_at


def test_command_run_records_a_failure_and_rolls_back_the_work(world):
    with pytest.raises(RuntimeError), ops.command_run("reception remind"):
        audit.record("appeal.status", actor=None, object_type="appeal", object_id=1)
        db.session.flush()
        raise RuntimeError("mail server down")
    stored = db.session.scalars(select(CommandRun)).one()
    assert stored.outcome == "failed" and stored.error == "RuntimeError: mail server down"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_scheduled_commands_record_their_runs(world, runner):
    from app.scheduled import JOBS

    # The operations page lists every job the scheduler runs, and each one's command records its run.
    assert ops.SCHEDULED_COMMANDS == [job.name for job in JOBS]
    for name in ops.SCHEDULED_COMMANDS:
        assert runner.invoke(args=name.split()).exit_code == 0, name
    runs = dict(ops.last_runs())
    assert all(runs[name] is not None and runs[name].outcome == "ok" for name in ops.SCHEDULED_COMMANDS)
    assert runs["appeals escalate"].summary == "0 escalated"


# --- Staff actions in the other modules land in the trail -------------------------------------------


def trail() -> list[tuple[str, str | None, str | None]]:
    """(action, actor email, object type) of every entry, in order."""
    return [(e.action, e.actor_email, e.object_type) for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_appeal_steps_by_staff_and_the_scheduler_are_recorded_the_applicants_are_not(world):
    from datetime import timedelta

    from app.appeals import service as appeals
    from app.models import utcnow
    from tests.factories import create_appeal

    gnc = world["gnc"]
    citizen = create_user("citizen@example.az")
    official = create_user("official@example.az", roles=[("official", gnc)])
    appeal = create_appeal(citizen, gnc)
    assert trail() == []  # filing is the resident's own step
    appeals.transition(official, appeal.id, "registered")
    appeals.transition(official, appeal.id, "in_progress")
    appeals.post_message(official, appeal.id, "Sənədləri göndərin")
    appeals.transition(official, appeal.id, "answered", appeals.StepData(answer="Su verildi."))
    appeals.transition(citizen, appeal.id, "reopened", appeals.StepData(note="Su yenə yoxdur"))
    appeals.escalate_overdue(now=utcnow() + timedelta(days=60))
    assert trail() == [("appeal.status", "official@example.az", "appeal"),
                       ("appeal.status", "official@example.az", "appeal"),
                       ("appeal.message", "official@example.az", "appeal"),
                       ("appeal.answer", "official@example.az", "appeal"),
                       ("appeal.escalate", None, "appeal")]
    answer = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "appeal.answer")).one()
    assert answer.district_id == gnc.id and answer.object_id == str(appeal.id)
    assert '"status":"in_progress"' in answer.before and '"status":"answered"' in answer.after
    assert appeal.number in answer.summary and "Su verildi" not in (answer.after + answer.summary)
    assert audit.verify().ok


def test_commitment_changes_keep_only_what_changed(world):
    from dataclasses import replace
    from datetime import date

    from app.commitments import service as commitments

    editor = create_user("editor@example.az", roles=[("editor", world["gnc"])])
    data = commitments.CommitmentInput(title_az="Nizami küçəsinin təmiri", description_az="Asfalt yenilənir.",
                                       planned_start=date(2027, 3, 1), planned_end=date(2027, 9, 30))
    commitment = commitments.create(editor, world["gnc"].id, data)
    commitments.update(editor, commitment.id, replace(data, progress=40, status="in_progress",
                                                      actual_start=date(2026, 1, 10)))
    created, updated = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert (created.action, updated.action) == ("commitment.create", "commitment.update")
    assert updated.before == '{"actual_start":null,"progress":0,"status":"planned"}'
    assert updated.after == '{"actual_start":"2026-01-10","progress":40,"status":"in_progress"}'


def test_staff_downloads_of_a_residents_file_are_recorded(world):
    from app.appeals import queries as appeal_queries
    from app.appeals import service as appeals
    from tests.factories import PDF, Upload, create_appeal

    gnc = world["gnc"]
    citizen = create_user("citizen@example.az")
    official = create_user("official@example.az", roles=[("official", gnc)])
    appeal = create_appeal(citizen, gnc, attachments=[Upload("pasport.pdf", PDF)])
    attachment_id = appeal.attachments[0].id
    appeal_queries.attachment_for(citizen, appeal.id, attachment_id)
    assert trail() == []
    appeal_queries.attachment_for(official, appeal.id, attachment_id)
    assert trail() == [("appeal.download", "official@example.az", "appeal")]
    assert appeals is not None
