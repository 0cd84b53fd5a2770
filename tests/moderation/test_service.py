"""Moderation core: the participation guard, reports, hiding and restoring, blocks, the per-district queue.

A throw-away content table ("note") stands in for the real content types, so the core is tested on its own.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Column, Integer, String, Table, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app import authz
from app.extensions import db
from app.kit import participation
from app.kit.errors import Invalid, NotAllowed, NotFound
from app.models import Moderated, Notification, Report, UserBlock, utcnow
from app.moderation import service as moderation
from tests.factories import create_reference_data, create_user


class _Base(DeclarativeBase):
    pass


# Only for the foreign key of ``hidden_by_id``: the real table exists already.
Table("users", _Base.metadata, Column("id", Integer, primary_key=True))


class Note(Moderated, _Base):
    __tablename__ = "test_moderated_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(200))


@pytest.fixture
def notes(app):
    """The "note" target registered on its own table, dropped afterwards."""
    with app.app_context():
        _Base.metadata.create_all(db.engine, tables=[Note.__table__])
    moderation.register_target("note", Note, district_of=lambda n: n.district_id, title_of=lambda n: n.text,
                               url_of=lambda n: f"/notes/{n.id}")
    yield Note
    moderation._TARGETS.pop("note", None)
    with app.app_context():
        db.session.remove()
        Note.__table__.drop(db.engine)


@pytest.fixture
def world(notes, ctx):
    """Two districts, their moderators, an administrator, residents and a note in each district."""
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    w = {
        "gnc": gnc, "msl": msl,
        "mod_gnc": create_user("mod.gnc@example.az", roles=[("moderator", gnc)]),
        "mod_msl": create_user("mod.msl@example.az", roles=[("moderator", msl)]),
        "admin": create_user("admin@example.az", roles=[("admin", None)]),
        "official": create_user("official@example.az", roles=[("official", gnc)]),
        "author": create_user("author@example.az"),
        "reader": create_user("reader@example.az"),
        "unconfirmed": create_user("new@example.az", confirmed=False),
    }
    w["note_gnc"] = Note(district_id=gnc.id, author_id=w["author"].id, text="Gəncədə söz")
    w["note_msl"] = Note(district_id=msl.id, author_id=w["author"].id, text="Masallıda söz")
    w["note_national"] = Note(district_id=None, author_id=w["author"].id, text="Milli söz")
    db.session.add_all([w["note_gnc"], w["note_msl"], w["note_national"]])
    db.session.commit()
    return w


def _reports() -> int:
    return db.session.scalar(select(func.count(Report.id)))


# --- The participation guard -------------------------------------------------------------


def test_unconfirmed_email_may_not_take_part(world):
    with pytest.raises(Invalid) as error:
        participation.ensure_can_take_part(world["unconfirmed"])
    assert "Confirm your email" in error.value.errors[None]
    participation.ensure_can_take_part(world["reader"])


def test_a_blocked_user_is_told_until_when_and_why(world):
    ends = utcnow() + timedelta(days=3)
    moderation.block(world["mod_gnc"], world["author"].id, "Təhqiredici sözlər", ends)
    with pytest.raises(Invalid) as error:
        participation.ensure_can_take_part(world["author"])
    message = error.value.errors[None]
    assert message.startswith("You may not take part until ") and message.endswith(": Təhqiredici sözlər")
    assert str(ends.year) in message


def test_an_ended_or_lifted_block_no_longer_bars(world):
    now = utcnow()
    db.session.add(UserBlock(user_id=world["author"].id, reason="old", created_at=now - timedelta(days=5),
                             ends_at=now - timedelta(days=1)))
    db.session.commit()
    participation.ensure_can_take_part(world["author"])
    entry = moderation.block(world["mod_gnc"], world["author"].id, "spam", now + timedelta(days=1))
    moderation.lift(world["mod_gnc"], entry.id)
    participation.ensure_can_take_part(world["author"])


def test_rate_limit(world):
    participation.ensure_rate(world["reader"], "comment", 4, limit=5)
    with pytest.raises(Invalid) as error:
        participation.ensure_rate(world["reader"], "comment", 5, limit=5)
    assert "try again later" in error.value.errors[None]


# --- Reports --------------------------------------------------------------------------------


def test_a_resident_reports_content_into_its_districts_queue(world):
    entry = moderation.report(world["reader"], "note", world["note_gnc"].id, "  Söyüş var  ")
    assert (entry.district_id, entry.reason, entry.is_open) == (world["gnc"].id, "Söyüş var", True)
    page = moderation.queue(world["mod_gnc"])
    assert [(i.target_type, i.target_id, i.title) for i in page.items] == [("note", world["note_gnc"].id, "Gəncədə söz")]
    assert page.items[0].author.id == world["author"].id and page.items[0].url == f"/notes/{world['note_gnc'].id}"
    assert moderation.queue(world["mod_msl"]).items == []
    assert moderation.open_report_count(world["mod_gnc"]) == 1


@pytest.mark.parametrize("reason, field", [("", "reason"), ("   ", "reason"), ("x" * 501, "reason")])
def test_a_report_needs_a_reason_of_at_most_500_characters(world, reason, field):
    with pytest.raises(Invalid) as error:
        moderation.report(world["reader"], "note", world["note_gnc"].id, reason)
    assert field in error.value.errors
    assert _reports() == 0


def test_reports_refused_with_the_reason(world):
    note = world["note_gnc"].id
    for user, expected in ((world["unconfirmed"], "Confirm your email"), (world["author"], "wrote yourself")):
        with pytest.raises(Invalid) as error:
            moderation.report(user, "note", note, "bad")
        assert expected in error.value.errors[None]
    moderation.report(world["reader"], "note", note, "bad")
    with pytest.raises(Invalid) as error:
        moderation.report(world["reader"], "note", note, "again")
    assert "already reported" in error.value.errors[None]
    with pytest.raises(NotFound):
        moderation.report(world["reader"], "note", 999_999, "bad")
    with pytest.raises(NotFound):
        moderation.report(world["reader"], "unknown", note, "bad")
    assert _reports() == 1


def test_reports_are_rate_limited(world, monkeypatch):
    monkeypatch.setattr(moderation, "REPORTS_PER_HOUR", 1)
    moderation.report(world["reader"], "note", world["note_gnc"].id, "bad")
    with pytest.raises(Invalid) as error:
        moderation.report(world["reader"], "note", world["note_msl"].id, "bad")
    assert "try again later" in error.value.errors[None]
    assert _reports() == 1


def test_a_blocked_user_cannot_report(world):
    moderation.block(world["mod_gnc"], world["reader"].id, "spam", utcnow() + timedelta(days=1))
    with pytest.raises(Invalid):
        moderation.report(world["reader"], "note", world["note_gnc"].id, "bad")
    assert _reports() == 0


# --- Hiding and restoring ------------------------------------------------------------------


def test_hiding_keeps_the_original_resolves_reports_and_tells_the_author(world):
    note = world["note_gnc"]
    moderation.report(world["reader"], "note", note.id, "bad")
    moderation.hide(world["mod_gnc"], "note", note.id, "Söyüş")
    db.session.expire_all()
    assert note.is_hidden and note.hidden_reason == "Söyüş" and note.text == "Gəncədə söz"
    assert note.hidden_by_id == world["mod_gnc"].id
    assert db.session.scalar(select(Report.outcome)) == "hidden"
    assert moderation.queue(world["mod_gnc"]).items == []
    told = db.session.scalars(select(Notification.text).where(Notification.user_id == world["author"].id)).all()
    assert any("Söyüş" in text for text in told)
    with pytest.raises(Invalid):
        moderation.report(world["reader"], "note", note.id, "more")
    with pytest.raises(Invalid):
        moderation.hide(world["mod_gnc"], "note", note.id, "twice")
    moderation.restore(world["mod_gnc"], "note", note.id)
    db.session.expire_all()
    assert not note.is_hidden and note.hidden_reason is None
    with pytest.raises(Invalid):
        moderation.restore(world["mod_gnc"], "note", note.id)


def test_hiding_needs_a_reason(world):
    with pytest.raises(Invalid) as error:
        moderation.hide(world["mod_gnc"], "note", world["note_gnc"].id, " ")
    assert "reason" in error.value.errors
    db.session.expire_all()
    assert not world["note_gnc"].is_hidden


def test_a_moderator_of_another_district_finds_nothing(world):
    note = world["note_gnc"]
    entry = moderation.report(world["reader"], "note", note.id, "bad")
    for action in (lambda: moderation.hide(world["mod_msl"], "note", note.id, "x"),
                   lambda: moderation.restore(world["mod_msl"], "note", note.id),
                   lambda: moderation.dismiss(world["mod_msl"], entry.id),
                   lambda: moderation.queue(world["mod_msl"], district_id=world["gnc"].id),
                   lambda: moderation.hide(world["mod_gnc"], "note", world["note_national"].id, "x"),
                   lambda: moderation.hide(world["official"], "note", note.id, "x")):
        with pytest.raises(NotFound):
            action()
    db.session.expire_all()
    assert not note.is_hidden and entry.is_open


def test_administrators_moderate_national_content_and_see_every_queue(world):
    moderation.report(world["reader"], "note", world["note_national"].id, "bad")
    moderation.report(world["reader"], "note", world["note_msl"].id, "bad")
    assert len(moderation.queue(world["admin"]).items) == 2
    moderation.hide(world["admin"], "note", world["note_national"].id, "Milli qayda")
    assert len(moderation.queue(world["admin"]).items) == 1


def test_dismissing_a_report(world):
    entry = moderation.report(world["reader"], "note", world["note_gnc"].id, "bad")
    moderation.dismiss(world["mod_gnc"], entry.id)
    db.session.expire_all()
    assert entry.outcome == "dismissed" and not world["note_gnc"].is_hidden
    with pytest.raises(Invalid):
        moderation.dismiss(world["mod_gnc"], entry.id)


def test_the_queue_costs_a_constant_number_of_statements(world, count_queries):
    readers = [create_user(f"r{i}@example.az") for i in range(6)]
    extra = [Note(district_id=world["gnc"].id, author_id=world["author"].id, text=f"söz {i}") for i in range(6)]
    db.session.add_all(extra)
    db.session.commit()
    moderation.report(readers[0], "note", extra[0].id, "bad")
    with count_queries() as small:
        moderation.queue(world["mod_gnc"])
    for i, reader in enumerate(readers):
        for note in extra[1:]:
            if i < 2:
                moderation.report(reader, "note", note.id, "bad")
    with count_queries() as big:
        page = moderation.queue(world["mod_gnc"], per_page=3)
    assert big.count == small.count
    assert page.total == 6 and len(page.items) == 3 and page.pages == 2


# --- Blocks -----------------------------------------------------------------------------------


def test_block_refusals(world):
    now = utcnow()
    mod = world["mod_gnc"]
    cases = [
        (world["reader"].id, "", now + timedelta(days=1), "reason"),
        (world["reader"].id, "spam", None, "ends_at"),
        (world["reader"].id, "spam", now - timedelta(minutes=1), "ends_at"),
        (world["reader"].id, "spam", now + timedelta(days=400), "ends_at"),
        (world["official"].id, "spam", now + timedelta(days=1), None),
        (mod.id, "spam", now + timedelta(days=1), None),
    ]
    for user_id, reason, ends, field in cases:
        with pytest.raises(Invalid) as error:
            moderation.block(mod, user_id, reason, ends)
        assert field in error.value.errors
    with pytest.raises(NotFound):
        moderation.block(mod, 999_999, "spam", now + timedelta(days=1))
    with pytest.raises(NotAllowed):
        moderation.block(world["official"], world["reader"].id, "spam", now + timedelta(days=1))
    assert db.session.scalar(select(func.count(UserBlock.id))) == 0
    moderation.block(mod, world["reader"].id, "spam", now + timedelta(days=1))
    with pytest.raises(Invalid) as error:
        moderation.block(mod, world["reader"].id, "spam", now + timedelta(days=2))
    assert "already blocked" in error.value.errors[None]


def test_blocks_are_listed_and_lifted_by_their_districts_moderators(world):
    entry = moderation.block(world["mod_gnc"], world["reader"].id, "spam", utcnow() + timedelta(days=1))
    assert entry.district_id == world["gnc"].id
    assert [b.id for b in moderation.blocks(world["mod_gnc"]).items] == [entry.id]
    assert moderation.blocks(world["mod_msl"]).items == []
    with pytest.raises(NotFound):
        moderation.lift(world["mod_msl"], entry.id)
    moderation.lift(world["admin"], entry.id)
    with pytest.raises(Invalid):
        moderation.lift(world["mod_gnc"], entry.id)


def test_policies(world):
    assert authz.can(world["mod_gnc"], "moderation.work")
    assert authz.can(world["mod_gnc"], "moderation.work", world["gnc"])
    assert not authz.can(world["mod_gnc"], "moderation.work", world["msl"])
    assert not authz.can(world["mod_gnc"], "moderation.work", moderation.Scope(None))
    assert authz.can(world["admin"], "moderation.work", moderation.Scope(None))
    assert not authz.can(world["official"], "moderation.work")
    assert not authz.can(world["reader"], "moderation.block")
    assert authz.can(world["reader"], "participation.take_part")
    # Signed in is enough to try: the service refuses an unconfirmed email with its reason.
    assert authz.can(world["unconfirmed"], "participation.take_part")


def test_every_moderation_action_is_audited(world):
    from app.models import AuditEntry

    note = world["note_gnc"]
    entry = moderation.report(world["reader"], "note", note.id, "bad")
    moderation.dismiss(world["mod_gnc"], entry.id)
    moderation.hide(world["mod_gnc"], "note", note.id, "Söyüş")
    moderation.restore(world["mod_gnc"], "note", note.id)
    block = moderation.block(world["mod_gnc"], world["reader"].id, "spam", utcnow() + timedelta(days=1))
    moderation.lift(world["mod_gnc"], block.id)
    rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [r.action for r in rows] == ["moderation.dismiss", "moderation.hide", "moderation.restore",
                                        "moderation.block", "moderation.lift"]
    assert {r.actor_id for r in rows} == {world["mod_gnc"].id}
    assert {r.district_id for r in rows} == {world["gnc"].id}
    hide = rows[1]
    assert (hide.object_type, hide.object_id, hide.summary) == ("note", str(note.id), "Söyüş")
    assert rows[3].object_id == str(world["reader"].id)
    # Refused actions leave no entry.
    with pytest.raises(Invalid):
        moderation.hide(world["mod_gnc"], "note", note.id, "")
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 5
