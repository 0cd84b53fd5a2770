"""Polls: topics and their moderation, voting (every refusal, also under concurrency), the secret ballot, results."""
from __future__ import annotations

import os
import random
import threading
from datetime import datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, inspect, select, text

from app.extensions import db
from app.kit.calendar import BAKU, local_date
from app.kit.errors import Invalid, NotFound
from app.models import Notification, Poll, PollOption, PollParticipation, PollTopic, User
from app.polls import service as polls
from tests.factories import create_reference_data, create_user
from tests.snapshots import replayed

# Monday 7 December 2026, 09:00 in Baku.
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=BAKU)


def resident(email: str, district, **kwargs) -> User:
    user = create_user(email, **kwargs)
    user.district_id = district.id if district is not None else None
    db.session.commit()
    return user


@pytest.fixture
def world(ctx):
    """Gəncə and Masallı, their moderators, an administrator and residents (built once, then put back:
    tests/snapshots.py; the objects are loaded again each time)."""
    return replayed("poll service: world", _build_world)


def _build_world() -> dict:
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    return {
        "gnc": gnc, "msl": msl,
        "moderator": create_user("moderator@example.az", roles=[("moderator", gnc)]),
        "moderator_msl": create_user("moderator.msl@example.az", roles=[("moderator", msl)]),
        "admin": create_user("admin@example.az", roles=[("admin", None)]),
        "author": resident("author@example.az", gnc, full_name="Aygün Həsənova", locale="en"),
        "voters": [resident(f"voter{i}@example.az", gnc) for i in range(8)],
        "outsider": resident("outsider@example.az", msl),
        "homeless": resident("nowhere@example.az", None),
        "unconfirmed": resident("new@example.az", gnc, confirmed=False),
    }


def topic_input(world, **changes) -> polls.TopicInput:
    values = dict(district_id=world["gnc"].id, direction="public_spaces", kind="single",
                  question="Mərkəzi parkda nə tikilsin?", description="Parkın şimal hissəsi boşdur.",
                  options=["Uşaq meydançası", "İdman meydançası", "Fəvvarə"])
    values.update(changes)
    return polls.TopicInput(**values)


def poll_input(**changes) -> polls.PollInput:
    values = dict(direction="public_spaces", kind="single", question_az="Mərkəzi parkda nə tikilsin?",
                  question_ru="Что построить в центральном парке?", question_en="What should the central park get?",
                  options_az=["Uşaq meydançası", "İdman meydançası", "Fəvvarə"],
                  options_ru=["Детская площадка", "Спортивная площадка", "Фонтан"],
                  options_en=["A playground", "A sports ground", "A fountain"],
                  opens_at=NOW + timedelta(hours=1), closes_at=NOW + timedelta(days=14))
    values.update(changes)
    return polls.PollInput(**values)


def open_poll(world, **changes) -> Poll:
    """A Gəncə poll that opened an hour before NOW."""
    changes.setdefault("opens_at", NOW - timedelta(hours=1))
    return polls.create_poll(world["moderator"], world["gnc"].id, poll_input(**changes), now=NOW - timedelta(hours=2))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def tallies(poll_id: int) -> list[int]:
    return list(db.session.scalars(select(PollOption.votes).where(PollOption.poll_id == poll_id)
                                   .order_by(PollOption.position)))


def options(poll_id: int) -> list[int]:
    return list(db.session.scalars(select(PollOption.id).where(PollOption.poll_id == poll_id)
                                   .order_by(PollOption.position)))


# --- Topics and their moderation --------------------------------------------------------------------


def test_a_proposed_topic_becomes_a_poll_residents_vote_in_and_the_author_is_told(world):
    topic = polls.propose(world["author"], topic_input(world), now=NOW)
    assert topic.status == "submitted"
    assert db.session.scalar(select(Notification.text).where(Notification.user_id == world["moderator"].id))
    assert polls.office_lists(world["moderator"], world["gnc"], now=NOW)[0] == [topic]
    poll = polls.approve(world["moderator"], topic.id, poll_input(opens_at=None, open_now=True), now=NOW)
    assert topic.status == "approved" and poll.topic_id == topic.id and poll.district_id == world["gnc"].id
    assert poll.opens_at == NOW
    told = db.session.scalars(select(Notification).where(Notification.user_id == world["author"].id)).all()
    assert len(told) == 1 and "approved" in told[0].text and told[0].link == f"/polls/{poll.id}"
    first, second, third = options(poll.id)
    for voter, choice in zip(world["voters"], [first, first, third, first, second], strict=False):
        polls.vote(voter, poll.id, [choice], now=NOW)
    result = polls.results(poll)
    assert [r.votes for r in result.options] == [3, 1, 1] and result.participants == 5
    assert [r.percent for r in result.options] == [60.0, 20.0, 20.0]
    assert [r.option.label_in("ru") for r in result.options][0] == "Детская площадка"


@pytest.mark.parametrize(("changes", "field"), [
    ({"question": "   "}, "question"),
    ({"question": "S" * 301}, "question"),
    ({"description": "T" * 2001}, "description"),
    ({"options": ["Yalnız bir cavab"]}, "options"),
    ({"options": []}, "options"),
    ({"options": [f"Cavab {i}" for i in range(11)]}, "options"),
    ({"options": ["Bəli", "X" * 201]}, "options"),
    ({"options": ["Bəli", "bəli"]}, "options"),
    ({"direction": "weather"}, "direction"),
    ({"kind": "ranked"}, "kind"),
    ({"district_id": None}, "district_id"),
    ({"district_id": 999999}, "district_id"),
])
def test_bad_topics_are_refused_beside_the_field_and_nothing_is_stored(world, changes, field):
    with pytest.raises(Invalid) as refused:
        polls.propose(world["author"], topic_input(world, **changes), now=NOW)
    assert field in refused.value.errors
    assert count(PollTopic) == 0


def test_changes_requested_then_resubmitted_then_rejected_with_a_reason(world):
    topic = polls.propose(world["author"], topic_input(world), now=NOW)
    with pytest.raises(Invalid) as refused:
        polls.ask_changes(world["moderator"], topic.id, "  ", now=NOW)
    assert "reason" in refused.value.errors and topic.status == "submitted"
    polls.ask_changes(world["moderator"], topic.id, "Cavablara 'Heç biri' əlavə edin.", now=NOW)
    assert topic.status == "changes_requested"
    with pytest.raises(Invalid):  # only a waiting topic is decided
        polls.reject(world["moderator"], topic.id, "Təkrar", now=NOW)
    with pytest.raises(Invalid) as refused:
        polls.resubmit(world["author"], topic.id, topic_input(world, options=["Tək"]), now=NOW)
    assert "options" in refused.value.errors
    with pytest.raises(NotFound):
        polls.resubmit(world["voters"][0], topic.id, topic_input(world), now=NOW)
    polls.resubmit(world["author"], topic.id, topic_input(world, options=["Uşaq meydançası", "Heç biri"]), now=NOW)
    assert topic.status == "submitted" and topic.options == ["Uşaq meydançası", "Heç biri"]
    with pytest.raises(Invalid) as refused:
        polls.reject(world["moderator"], topic.id, "R" * 1001, now=NOW)
    assert "reason" in refused.value.errors
    polls.reject(world["moderator"], topic.id, "Bu məsələ artıq həll olunub.", now=NOW)
    assert topic.status == "rejected" and topic.reason == "Bu məsələ artıq həll olunub."
    texts = db.session.scalars(select(Notification.text).where(Notification.user_id == world["author"].id)
                               .order_by(Notification.id)).all()
    assert len(texts) == 2 and "change" in texts[0] and "rejected" in texts[1] and "artıq həll" in texts[1]
    with pytest.raises(Invalid):
        polls.approve(world["moderator"], topic.id, poll_input(), now=NOW)
    assert count(Poll) == 0


def test_approving_a_topic_opens_the_poll_now_or_at_a_coming_time_never_at_a_past_one(world):
    topic = polls.propose(world["author"], topic_input(world), now=NOW)
    for opens_at in (NOW - timedelta(minutes=1), NOW - timedelta(days=3)):
        with pytest.raises(Invalid) as refused:
            polls.approve(world["moderator"], topic.id, poll_input(opens_at=opens_at), now=NOW)
        assert set(refused.value.errors) == {"opens_at"} and "passed" in refused.value.errors["opens_at"]
    with pytest.raises(Invalid) as refused:
        polls.approve(world["moderator"], topic.id, poll_input(opens_at=None), now=NOW)
    assert "opens_at" in refused.value.errors
    # "Now" ignores a stale time in the field, but the poll must still close after it opens.
    with pytest.raises(Invalid) as refused:
        polls.approve(world["moderator"], topic.id, poll_input(open_now=True, closes_at=NOW - timedelta(hours=1)),
                      now=NOW)
    assert "closes_at" in refused.value.errors
    assert count(Poll) == 0 and topic.status == "submitted"
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == world["author"].id)) == 0
    # The current minute still counts as now: the form's time has no seconds.
    later = NOW + timedelta(seconds=40)
    poll = polls.approve(world["moderator"], topic.id, poll_input(opens_at=NOW), now=later)
    assert poll.opens_at == NOW and poll.state(later) == "open"


def test_a_topic_approved_to_open_now_takes_votes_at_once(world):
    topic = polls.propose(world["author"], topic_input(world), now=NOW)
    poll = polls.approve(world["moderator"], topic.id, poll_input(opens_at=NOW + timedelta(days=2), open_now=True),
                         now=NOW)
    assert poll.opens_at == NOW and poll.state(NOW) == "open"
    polls.vote(world["voters"][0], poll.id, [options(poll.id)[0]], now=NOW + timedelta(minutes=1))
    assert db.session.scalar(select(func.count()).select_from(PollParticipation)) == 1


def test_another_districts_moderator_finds_neither_topic_nor_poll(world):
    topic = polls.propose(world["author"], topic_input(world), now=NOW)
    poll = open_poll(world)
    other = world["moderator_msl"]
    for action in (lambda: polls.approve(other, topic.id, poll_input(), now=NOW),
                   lambda: polls.ask_changes(other, topic.id, "Dəyişin", now=NOW),
                   lambda: polls.reject(other, topic.id, "Yox", now=NOW),
                   lambda: polls.close_poll(other, poll.id, now=NOW),
                   lambda: polls.update_poll(other, poll.id, poll_input(), now=NOW),
                   lambda: polls.create_poll(other, world["gnc"].id, poll_input(), now=NOW),
                   lambda: polls.create_poll(other, None, poll_input(), now=NOW),
                   lambda: polls.moderated_topic(world["admin"], topic.id)):
        with pytest.raises(NotFound):
            action()
    assert topic.status == "submitted" and count(Poll) == 1


def test_national_polls_are_the_administrators_and_open_to_every_resident(world):
    poll = polls.create_poll(world["admin"], None, poll_input(opens_at=NOW - timedelta(hours=1)),
                             now=NOW - timedelta(hours=2))
    assert poll.district_id is None
    polls.vote(world["outsider"], poll.id, [options(poll.id)[0]], now=NOW)
    polls.vote(world["voters"][0], poll.id, [options(poll.id)[1]], now=NOW)
    assert tallies(poll.id) == [1, 1, 0]


@pytest.mark.parametrize(("changes", "field"), [
    ({"question_az": ""}, "question_az"),
    ({"question_en": "Q" * 301}, "question_en"),
    ({"options_az": ["Bir"]}, "options_az"),
    ({"options_ru": ["Один"]}, "options_ru"),
    ({"options_en": ["One", "Two"]}, "options_en"),
    ({"opens_at": None}, "opens_at"),
    ({"closes_at": NOW}, "closes_at"),
    ({"closes_at": NOW + timedelta(minutes=30)}, "closes_at"),
    ({"closes_at": NOW + timedelta(days=400)}, "closes_at"),
    ({"results_visibility": "never"}, "results_visibility"),
])
def test_bad_polls_are_refused_and_nothing_is_stored(world, changes, field):
    with pytest.raises(Invalid) as refused:
        polls.create_poll(world["moderator"], world["gnc"].id, poll_input(**changes), now=NOW)
    assert field in refused.value.errors
    assert count(Poll) == 0 and count(PollOption) == 0


def test_a_poll_changes_only_before_it_opens_and_closes_early_only_while_open(world):
    poll = polls.create_poll(world["moderator"], world["gnc"].id, poll_input(), now=NOW)
    polls.update_poll(world["moderator"], poll.id, poll_input(options_az=["Bəli", "Xeyr"], options_ru=[], options_en=[]),
                      now=NOW)
    assert [o.label_in("en") for o in poll.options] == ["Bəli", "Xeyr"]
    with pytest.raises(Invalid):
        polls.close_poll(world["moderator"], poll.id, now=NOW)
    later = NOW + timedelta(hours=2)
    with pytest.raises(Invalid):
        polls.update_poll(world["moderator"], poll.id, poll_input(), now=later)
    polls.close_poll(world["moderator"], poll.id, now=later)
    assert poll.state(later) == "closed"


# --- Voting ----------------------------------------------------------------------------------------


def test_every_bad_vote_is_refused_and_nothing_is_stored(world):
    poll = open_poll(world)
    multiple = open_poll(world, kind="multiple")
    first, second, _third = options(poll.id)
    foreign = options(multiple.id)[0]
    voter = world["voters"][0]
    polls.vote(voter, poll.id, [first], now=NOW)
    cases = [
        (voter, poll.id, [second], NOW, None, "already voted"),
        (world["outsider"], poll.id, [first], NOW, None, "residents of Ganja"),
        (world["homeless"], poll.id, [first], NOW, None, "choose your district"),
        (world["voters"][1], poll.id, [first], NOW - timedelta(hours=1, minutes=30), None, "opens on"),
        (world["voters"][1], poll.id, [first], NOW + timedelta(days=15), None, "closed on"),
        (world["voters"][1], poll.id, [foreign], NOW, "options", "answers of this poll"),
        (world["voters"][1], poll.id, [-1], NOW, "options", "answers of this poll"),
        (world["voters"][1], poll.id, [first, second], NOW, "options", "one answer only"),
        (world["voters"][1], poll.id, [], NOW, "options", "Choose an answer"),
        (world["voters"][1], multiple.id, [], NOW, "options", "at least one"),
        (world["unconfirmed"], poll.id, [first], NOW, None, "Confirm your email"),
    ]
    for user, poll_id, chosen, when, field, words in cases:
        with pytest.raises(Invalid) as refused:
            polls.vote(user, poll_id, chosen, now=when)
        assert words in refused.value.errors[field], (words, refused.value.errors)
    assert count(PollParticipation) == 1
    assert tallies(poll.id) == [1, 0, 0] and tallies(multiple.id) == [0, 0, 0]
    with pytest.raises(NotFound):
        polls.vote(voter, 999999, [first], now=NOW)


def test_several_answers_each_count_once(world):
    poll = open_poll(world, kind="multiple")
    first, second, third = options(poll.id)
    polls.vote(world["voters"][0], poll.id, [first, third, third], now=NOW)
    polls.vote(world["voters"][1], poll.id, [third], now=NOW)
    assert tallies(poll.id) == [1, 0, 2]
    result = polls.results(poll)
    assert result.participants == 2 and [r.percent for r in result.options] == [50.0, 0.0, 100.0]


def test_results_follow_the_polls_rule(world):
    """Issue 15, item 10: no tally of an open poll for anyone (whatever rule an older poll was given), and a
    closed poll's only from ``MIN_PARTICIPANTS`` participants."""
    after_vote = open_poll(world)
    after_close = open_poll(world, results_visibility="after_close")
    enough, few = polls.MIN_PARTICIPANTS, polls.MIN_PARTICIPANTS - 1
    for poll in (after_vote, after_close):
        assert not polls.results_visible(poll, NOW - timedelta(hours=1, minutes=30), enough)  # upcoming
        assert not polls.results_visible(poll, NOW, enough)  # open: not even to voters or moderators
        assert polls.results_visible(poll, NOW + timedelta(days=20), enough)
        assert not polls.results_visible(poll, NOW + timedelta(days=20), few)


# --- The secret ballot --------------------------------------------------------------------------------


def test_the_tables_cannot_tell_who_chose_what(world):
    """From the rows alone, participations and tallies cannot be matched: no shared column, key, time or order."""
    columns = {table: {c["name"] for c in inspect(db.engine).get_columns(table)}
               for table in ("poll_options", "poll_participations")}
    # The tallies name no person and carry no time; the participations name no option.
    assert columns["poll_options"] == {"id", "poll_id", "position", "label_az", "label_ru", "label_en", "votes"}
    # ... and keep the day of the vote only, never its moment (issue 15, item 10).
    assert columns["poll_participations"] == {"id", "poll_id", "user_id", "voted_on"}
    referenced = {fk["referred_table"] for fk in inspect(db.engine).get_foreign_keys("poll_options")}
    assert referenced == {"polls"}
    assert {fk["referred_table"] for fk in inspect(db.engine).get_foreign_keys("poll_participations")} == {"polls", "users"}

    # The same eight ballots cast in two different orders leave the option rows exactly alike:
    # nothing in them depends on who voted when.
    first_poll, second_poll = open_poll(world), open_poll(world)
    picks = [0, 0, 1, 2, 0, 1, 2, 2]
    order = list(range(8))
    random.Random(7).shuffle(order)
    snapshots = []
    for poll, sequence in ((first_poll, range(8)), (second_poll, order)):
        ids = options(poll.id)
        for i in sequence:
            polls.vote(world["voters"][i], poll.id, [ids[picks[i]]], now=NOW + timedelta(minutes=i))
        snapshots.append(db.session.execute(text(
            "SELECT position, label_az, votes FROM poll_options WHERE poll_id = :p ORDER BY id"),
            {"p": poll.id}).all())
    assert snapshots[0] == snapshots[1] == [(1, "Uşaq meydançası", 3), (2, "İdman meydançası", 2), (3, "Fəvvarə", 3)]
    # The participation rows say who took part and on which day, and nothing more.
    rows = db.session.execute(text("SELECT * FROM poll_participations WHERE poll_id = :p"), {"p": first_poll.id}).all()
    assert len(rows) == 8 and all(len(row) == 4 for row in rows)
    if db.engine.dialect.name == "postgresql":
        # Every vote rewrites every option row of the poll in one statement, so even PostgreSQL's row
        # transaction ids (xmin) are alike on all of them: they do not point at the last voter's choice.
        xmins = db.session.execute(text("SELECT DISTINCT xmin::text FROM poll_options WHERE poll_id = :p"),
                                   {"p": second_poll.id}).all()
        assert len(xmins) == 1


def test_my_votes_say_when_never_what(world):
    poll = open_poll(world)
    polls.vote(world["voters"][0], poll.id, [options(poll.id)[2]], now=NOW)
    [(voted_poll, day)] = polls.my_votes(world["voters"][0])
    assert voted_poll.id == poll.id and day == local_date(NOW)  # the day only (issue 15, item 10)
    assert polls.my_votes(world["voters"][1]) == []


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="simultaneous votes are tested on PostgreSQL (SQLite serialises writers)")
def test_one_resident_voting_in_two_tabs_at_the_same_moment_is_counted_once(app, world):
    poll = open_poll(world)
    poll_id, choice, voter_id = poll.id, options(poll.id)[0], world["voters"][0].id
    tabs = 10
    barrier = threading.Barrier(tabs)
    counted, refused, errors = [], [], []

    def tab() -> None:
        with app.test_request_context(), force_locale("en"):
            try:
                user = db.session.get(User, voter_id)
                db.session.close()
                barrier.wait()
                polls.vote(user, poll_id, [choice], now=NOW)
                counted.append(1)
            except Invalid as error:
                refused.append(error.errors)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tab) for _ in range(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(counted) == 1 and len(refused) == tabs - 1
    assert all("already voted" in r[None] for r in refused)
    db.session.expire_all()
    assert count(PollParticipation) == 1 and tallies(poll_id) == [1, 0, 0]


# --- Accountability ------------------------------------------------------------------------------------


def test_district_figures_count_polls_held_votes_and_turnout(world):
    poll = open_poll(world)
    open_poll(world)
    polls.create_poll(world["moderator"], world["gnc"].id, poll_input(opens_at=NOW + timedelta(days=3),
                                                                     closes_at=NOW + timedelta(days=9)), now=NOW)
    for voter in world["voters"][:3]:
        polls.vote(voter, poll.id, [options(poll.id)[0]], now=NOW)
    figures = polls.district_figures(NOW - timedelta(days=30), NOW + timedelta(days=30), world["gnc"].id, now=NOW)
    # 2 polls held (the third has not opened), 3 votes; 10 confirmed residents of Gəncə (author and 8 voters... and
    # the unconfirmed one does not count).
    residents = 1 + len(world["voters"])
    assert figures == {"held": 2, "votes": 3, "turnout_pct": round(100 * 3 / (2 * residents), 1)}
    assert polls.district_figures(NOW - timedelta(days=30), NOW, world["msl"].id, now=NOW)["held"] == 0


# --- The participation guard and the audit trail -----------------------------------------------------------


def test_a_blocked_resident_neither_votes_nor_proposes_and_proposals_are_rate_limited(world):
    from app.models import UserBlock, utcnow

    poll = open_poll(world)
    blocked = world["voters"][0]
    db.session.add(UserBlock(user_id=blocked.id, reason="Təhqiramiz şərhlər", ends_at=utcnow() + timedelta(days=3),
                             created_by_id=world["moderator"].id))
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        polls.vote(blocked, poll.id, [options(poll.id)[0]], now=NOW)
    assert "Təhqiramiz şərhlər" in refused.value.errors[None]
    with pytest.raises(Invalid):
        polls.propose(blocked, topic_input(world), now=NOW)
    assert count(PollParticipation) == 0 and count(PollTopic) == 0 and tallies(poll.id) == [0, 0, 0]
    for i in range(polls.TOPICS_PER_DAY):
        polls.propose(world["author"], topic_input(world, question=f"Sual {i}?"), now=NOW)
    with pytest.raises(Invalid) as refused:
        polls.propose(world["author"], topic_input(world), now=NOW)
    assert "too many" in refused.value.errors[None]
    assert count(PollTopic) == polls.TOPICS_PER_DAY


def test_every_moderation_step_is_in_the_audit_trail_and_votes_are_not(world):
    from app.models import AuditEntry

    first = polls.propose(world["author"], topic_input(world), now=NOW)
    second = polls.propose(world["author"], topic_input(world, question="İkinci sual?"), now=NOW)
    third = polls.propose(world["author"], topic_input(world, question="Üçüncü sual?"), now=NOW)
    poll = polls.approve(world["moderator"], first.id, poll_input(open_now=True), now=NOW)
    polls.ask_changes(world["moderator"], second.id, "Daha dəqiq yazın.", now=NOW)
    polls.reject(world["moderator"], third.id, "Səlahiyyətimizə aid deyil.", now=NOW)
    direct = polls.create_poll(world["moderator"], world["gnc"].id, poll_input(), now=NOW)
    polls.update_poll(world["moderator"], direct.id, poll_input(), now=NOW)
    polls.vote(world["voters"][0], poll.id, [options(poll.id)[0]], now=NOW)
    polls.close_poll(world["moderator"], poll.id, now=NOW + timedelta(hours=1))
    entries = db.session.execute(select(AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id,
                                        AuditEntry.actor_id, AuditEntry.district_id).order_by(AuditEntry.id)).all()
    moderator, gnc = world["moderator"].id, world["gnc"].id
    assert entries == [
        ("poll.approve", "poll", str(poll.id), moderator, gnc),
        ("poll.ask_changes", "poll_topic", str(second.id), moderator, gnc),
        ("poll.reject", "poll_topic", str(third.id), moderator, gnc),
        ("poll.create", "poll", str(direct.id), moderator, gnc),
        ("poll.update", "poll", str(direct.id), moderator, gnc),
        ("poll.close", "poll", str(poll.id), moderator, gnc),
    ]
