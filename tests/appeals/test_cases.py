"""Duplicate appeals linked into one case (app/appeals/cases.py): each appellant keeps their own number, deadline,
notification and answer; one answer for all is all or nothing; residents never see the case."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accountability import stats
from app.accounts import mydata
from app.appeals import cases
from app.appeals import queries as appeal_queries
from app.appeals import service as appeals
from app.extensions import db
from app.kit.errors import Invalid, NotAllowed, NotFound
from app.models import (
    Appeal,
    AppealCase,
    AppealCaseMember,
    AppealEvent,
    AuditEntry,
    Category,
    District,
    Notification,
    OutboxMessage,
    User,
    utcnow,
)
from tests.factories import PASSWORD, create_appeal, create_reference_data, create_user
from tests.snapshots import replayed
from tests.test_pages import check_page

ANSWER = "Su xətti bərpa olundu; təmir işləri 20 martda başa çatdı."


@pytest.fixture
def world(app):
    """Gəncə with two residents, an official and a head; Masallı with an official and a resident.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("appeals cases: world", _build_world)


def _build_world():
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    people = {
        "first": create_user("first@example.az", full_name="Aygün Həsənova"),
        "second": create_user("second@example.az", full_name="Nurlan Sadıqov"),
        "official": create_user("official@example.az", full_name="Elçin Məmmədov", roles=[("official", gnc)]),
        "head": create_user("head@example.az", full_name="Rəşad Quliyev", roles=[("head", gnc)]),
        "other": create_user("other@example.az", roles=[("official", msl)]),
    }
    category = db.session.scalars(select(Category).order_by(Category.id)).first()
    return {"gnc": gnc.id, "msl": msl.id, "category": category.id, **{k: u.id for k, u in people.items()}}


def user(world, name: str) -> User:
    return db.session.get(User, world[name])


def file(world, citizen: str = "first", district: str = "gnc", days_ago: int = 0, work: bool = True, **changes) -> int:
    """An appeal filed ``days_ago`` days ago (its deadline counted from then) and, with ``work``, taken into work."""
    appeal = create_appeal(user(world, citizen), db.session.get(District, world[district]),
                           now=utcnow() - timedelta(days=days_ago), **changes)
    if work:
        official = user(world, "official" if district == "gnc" else "other")
        appeals.transition(official, appeal.id, "registered")
        appeals.transition(official, appeal.id, "in_progress")
    return appeal.id


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def field_error(html: str, field: str) -> str:
    """The error text printed beside ``field``."""
    match = re.search(rf'id="{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no error beside {field}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def sign_in(web, client, email: str) -> None:
    web.login(email, PASSWORD)
    client.get("/?lang=en")


def sign_out(web) -> None:
    web.post("/auth/logout", {}, form_url="/")


# --- One case, one action, every appellant on their own clock ------------------------------------------------


def test_an_official_links_two_appeals_and_answers_both_with_one_action(app, web, client, world, sink):
    with app.app_context():
        # The first resident wrote 40 days ago: past the 15 working days. The second wrote today.
        late_id = file(world, "first", days_ago=40)
        on_time_id = file(world, "second", subject="Nizami küçəsində su yoxdur")
        late, on_time = db.session.get(Appeal, late_id), db.session.get(Appeal, on_time_id)
        late_number, on_time_number = late.number, on_time.number
        late_due, on_time_due = late.due_at, on_time.due_at
        mailed_before = db.session.scalar(select(func.max(OutboxMessage.id)))
    assert late_due < utcnow() < on_time_due

    sign_in(web, client, "official@example.az")
    page = f"/office/appeals/{late_id}"
    response = web.post(f"{page}/link", {"link-number": on_time_number.lower()}, form_url=page,
                        follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The office page lists the case's other appeal with its status and deadline, linked.
    assert f'href="/office/appeals/{on_time_id}">{on_time_number}</a>' in html
    assert "Appeals on the same matter" in html and "Send this answer to every open appeal of the case" in html
    check_page(html, "en")

    response = web.post(f"{page}/answer", {"answer-answer": ANSWER, "answer-to_case": "y"}, form_url=page)
    assert response.status_code == 302

    with app.app_context():
        late, on_time = db.session.get(Appeal, late_id), db.session.get(Appeal, on_time_id)
        assert late.status == on_time.status == "answered" and late.answer == on_time.answer == ANSWER
        # Each kept its own deadline and was answered through its own step, recorded against that deadline.
        assert (late.due_at, on_time.due_at) == (late_due, on_time_due)
        for appeal in (late, on_time):
            [step] = [e for e in appeal.events if e.action == "answered"]
            assert step.public and step.due_at == appeal.due_at and step.actor_id == world["official"]
        assert late.answered_at > late.due_at and on_time.answered_at <= on_time.due_at
        # Each appellant is told on their own, of their own appeal only.
        for citizen, appeal, other in (("first", late, on_time), ("second", on_time, late)):
            [told] = db.session.scalars(select(Notification).where(
                Notification.user_id == world[citizen], Notification.kind == "appeal.answered")).all()
            assert told.link == f"/cabinet/appeals/{appeal.id}"
            assert appeal.number in told.text and other.number not in told.text
        # Accountability counts each appeal: two answered, one of them on time.
        figures = stats.by_district(stats.default_period())[world["gnc"]]
        assert (figures.answered, figures.on_time) == (2, 1)
        # One audit entry per answer, and one for the case's single action.
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert actions.count("appeal.answer") == 2 and actions.count("appeal_case.answer_all") == 1
        outbox = db.session.scalar(select(func.count()).select_from(OutboxMessage))

    # Each resident's mailbox gets one email of the answer, naming their own appeal only.
    since = [m for m in sink.wait_for(outbox) if int(m["X-Outbox-Id"]) > mailed_before]
    assert sorted(m["To"] for m in since) == ["first@example.az", "second@example.az"]
    for mail in since:
        text = mail["Subject"] + mail.get_body(("plain",)).get_content()
        own, other = (late_number, on_time_number) if mail["To"] == "first@example.az" else (on_time_number, late_number)
        assert own in text and other not in text

    # Each resident reads the answer on their own appeal, with their own deadline.
    for email, appeal_id, own, other, other_name in (
            ("first@example.az", late_id, late_number, on_time_number, "Nurlan Sadıqov"),
            ("second@example.az", on_time_id, on_time_number, late_number, "Aygün Həsənova")):
        sign_out(web)
        sign_in(web, client, email)
        html = client.get(f"/cabinet/appeals/{appeal_id}").get_data(as_text=True)
        assert ANSWER in html and own in html
        assert other not in html and other_name not in html


def test_linking_appeals_of_two_districts_is_refused_beside_the_field(app, web, client, world):
    with app.app_context():
        mine = file(world, "first")
        theirs_number = db.session.get(Appeal, file(world, "first", district="msl")).number
    sign_in(web, client, "official@example.az")
    page = f"/office/appeals/{mine}"
    response = web.post(f"{page}/link", {"link-number": theirs_number}, form_url=page)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "link-number") == (
        f"Appeal {theirs_number} was sent to another district: only appeals of the same district can be linked.")
    check_page(html, "en")
    with app.app_context():
        assert count(AppealCase) == count(AppealCaseMember) == 0
        assert db.session.scalar(select(func.count()).select_from(AppealEvent)
                                 .where(AppealEvent.action == "linked")) == 0
        assert not db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("appeal%link"))).all()


def test_a_wrong_number_is_told_beside_the_field_and_writes_nothing(ctx, world):
    first, second = file(world, "first"), file(world, "second")
    official = user(world, "official")
    number = db.session.get(Appeal, second).number
    for wanted, message in (
            ("", "Enter the registration number of the appeal to link with."),
            ("GNC-2026-999999", "There is no appeal numbered GNC-2026-999999."),
            (db.session.get(Appeal, first).number, "An appeal cannot be linked with itself.")):
        with pytest.raises(Invalid) as refused:
            cases.link(official, first, wanted)
        assert refused.value.errors == {"number": message}
    assert count(AppealCase) == 0
    cases.link(official, first, f"  {number.lower()} ")
    with pytest.raises(Invalid) as twice:
        cases.link(official, second, db.session.get(Appeal, first).number)
    assert twice.value.errors == {"number": f"Appeal {db.session.get(Appeal, first).number} is already in this case."}
    assert count(AppealCase) == 1 and count(AppealCaseMember) == 2


def test_only_the_districts_staff_may_link_unlink_and_answer_all(app, web, client, world):
    with app.app_context():
        first, second = file(world, "first"), file(world, "second")
        number = db.session.get(Appeal, second).number
    # A resident (the appellant included) has no such step.
    sign_in(web, client, "first@example.az")
    assert web.post(f"/office/appeals/{first}/link", {"link-number": number}, form_url="/").status_code == 403
    # Another district's official does not see the appeal at all.
    sign_out(web)
    sign_in(web, client, "other@example.az")
    assert web.post(f"/office/appeals/{first}/link", {"link-number": number}, form_url="/office/appeals"
                    ).status_code == 404
    with app.app_context():
        assert count(AppealCase) == 0
        # The district's head may; the rulebook says so for an appeal or a case.
        cases.link(user(world, "head"), first, number)
        with pytest.raises(NotFound):
            cases.unlink(user(world, "other"), first)
        with pytest.raises(NotAllowed):
            cases.answer_all(user(world, "first"), first, ANSWER)
        assert count(AppealCaseMember) == 2


# --- Merging and unlinking -----------------------------------------------------------------------------------


def test_linking_two_cases_merges_them_into_the_older(ctx, world):
    a, b, c, d = (file(world, "first") for _ in range(4))
    official = user(world, "official")
    number = {i: db.session.get(Appeal, i).number for i in (a, b, c, d)}
    older = cases.link(official, a, number[b]).id
    cases.link(official, c, number[d])
    merged = cases.link(official, b, number[c])
    assert merged.id == older and count(AppealCase) == 1
    assert sorted(m.appeal_id for m in merged.members) == [a, b, c, d]
    # Each timeline names the appeals it was newly linked with, as an internal step.
    last = {i: [e for e in db.session.get(Appeal, i).events if e.action == "linked"][-1] for i in (a, b, c, d)}
    assert last[a].note == last[b].note == f"{number[c]}, {number[d]}"
    assert last[c].note == last[d].note == f"{number[a]}, {number[b]}"
    assert not any(e.public for e in last.values())


def test_unlinking_is_audited_and_a_case_of_one_dissolves(app, web, client, world):
    with app.app_context():
        a, b, c = file(world, "first"), file(world, "second"), file(world, "first")
        number = {i: db.session.get(Appeal, i).number for i in (a, b, c)}
        official = user(world, "official")
        cases.link(official, a, number[b])
        case_id = cases.link(official, a, number[c]).id
    sign_in(web, client, "official@example.az")
    response = web.post(f"/office/appeals/{a}/unlink", {"unlink-submit": "1"}, form_url=f"/office/appeals/{a}",
                        follow_redirects=True)
    assert response.status_code == 200
    assert "Appeals on the same matter" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(AppealCaseMember, a) is None
        assert sorted(m.appeal_id for m in db.session.get(AppealCase, case_id).members) == [b, c]
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "appeal_case.unlink"))
        assert entry.actor_id == world["official"] and entry.object_type == "appeal_case"
        assert entry.object_id == str(case_id) and entry.district_id == world["gnc"] and number[a] in entry.summary
        per_appeal = db.session.scalars(select(AuditEntry.object_id).where(AuditEntry.action == "appeal.unlink")).all()
        assert sorted(per_appeal) == sorted(str(i) for i in (a, b, c))
        steps = {i: [e for e in db.session.get(Appeal, i).events if e.action == "unlinked"] for i in (a, b, c)}
        assert steps[a][0].note == f"{number[b]}, {number[c]}" and steps[b][0].note == steps[c][0].note == number[a]
        assert not any(e.public for found in steps.values() for e in found)

        # The case left with one appeal dissolves.
        cases.unlink(user(world, "official"), b)
        assert count(AppealCase) == count(AppealCaseMember) == 0
        assert [e.note for e in db.session.get(Appeal, c).events if e.action == "unlinked"] == [number[a], number[b]]
        with pytest.raises(Invalid):
            cases.unlink(user(world, "official"), c)


# --- All or nothing ----------------------------------------------------------------------------------------------


def test_answer_all_sends_nothing_when_one_appeal_cannot_be_answered(app, web, client, world):
    with app.app_context():
        working = file(world, "first")
        waiting = file(world, "second", work=False)  # only filed: not yet in work
        waiting_number = db.session.get(Appeal, waiting).number
        cases.link(user(world, "official"), working, waiting_number)
        notifications, mails = count(Notification), count(OutboxMessage)
    sign_in(web, client, "official@example.az")
    page = f"/office/appeals/{working}"
    response = web.post(f"{page}/answer", {"answer-answer": ANSWER, "answer-to_case": "y"}, form_url=page)
    assert response.status_code == 422
    message = field_error(response.get_data(as_text=True), "answer-answer")
    assert message.startswith("Nothing was sent.") and f"{waiting_number} (Submitted)" in message
    assert "In progress" in message
    with app.app_context():
        assert [db.session.get(Appeal, i).status for i in (working, waiting)] == ["in_progress", "submitted"]
        assert db.session.get(Appeal, working).answer is None
        assert (count(Notification), count(OutboxMessage)) == (notifications, mails)
    # Without the box ticked, the one appeal is answered alone, as before.
    response = web.post(f"{page}/answer", {"answer-answer": ANSWER}, form_url=page)
    assert response.status_code == 302
    with app.app_context():
        assert [db.session.get(Appeal, i).status for i in (working, waiting)] == ["answered", "submitted"]


def test_a_failure_on_a_later_appeal_rolls_back_the_answers_already_given(ctx, world, monkeypatch):
    first, second = file(world, "first"), file(world, "second")
    cases.link(user(world, "official"), first, db.session.get(Appeal, second).number)
    answered = appeals._STEPS["answered"]
    calls = []

    def fails_the_second_time(actor, appeal, data, now, as_citizen):
        calls.append(appeal.id)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        answered(actor, appeal, data, now, as_citizen)

    monkeypatch.setitem(appeals._STEPS, "answered", fails_the_second_time)
    with pytest.raises(RuntimeError):
        cases.answer_all(user(world, "official"), first, ANSWER)
    assert calls == [first, second]
    db.session.expire_all()
    assert [db.session.get(Appeal, i).status for i in (first, second)] == ["in_progress", "in_progress"]
    assert db.session.scalar(select(func.count()).select_from(AppealEvent).where(AppealEvent.action == "answered")) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind == "appeal.answered")) == 0


def test_answer_all_checks_the_answer_before_anything(ctx, world):
    first, second = file(world, "first"), file(world, "second")
    official = user(world, "official")
    with pytest.raises(Invalid) as alone:
        cases.answer_all(official, first, ANSWER)
    assert alone.value.errors == {None: "This appeal is not linked with other appeals."}
    cases.link(official, first, db.session.get(Appeal, second).number)
    with pytest.raises(Invalid) as empty:
        cases.answer_all(official, first, "   ")
    assert empty.value.errors == {"answer": "Write the answer."}
    # Appeals of the case that are no longer open are left as they are.
    third = file(world, "first")
    cases.link(official, first, db.session.get(Appeal, third).number)
    appeals.transition(official, third, "answered", appeals.StepData(answer="Ayrıca cavab."))
    done = cases.answer_all(official, first, ANSWER)
    assert sorted(a.id for a in done) == [first, second]
    assert db.session.get(Appeal, third).answer == "Ayrıca cavab."


# --- The inbox -------------------------------------------------------------------------------------------------


def test_the_inbox_shows_a_case_together_in_every_order(ctx, world):
    # Filed on six days, the oldest first: by deadline and by number the ids ascend.
    ids = [file(world, "first", days_ago=days, work=False) for days in (12, 10, 8, 6, 4, 2)]
    one, two, three, four, five, six = ids
    official = user(world, "official")
    cases.link(official, one, db.session.get(Appeal, five).number)

    def order(sort: str) -> list[int]:
        box = appeal_queries.inbox(official, None, appeal_queries.InboxFilters(sort=sort))
        return [a.id for a in box.page.items]

    assert order("due") == [one, five, two, three, four, six]
    assert order("number") == [one, five, two, three, four, six]
    # Newest first: the case comes where its newest appeal does.
    assert order("newest") == [six, five, one, four, three, two]
    box = appeal_queries.inbox(official, None, appeal_queries.InboxFilters())
    number = {a.id: a.number for a in box.page.items}
    assert box.cases == {one: [(five, number[five])], five: [(one, number[one])]}


def test_the_inbox_costs_the_same_statements_with_cases_on_the_page(ctx, world, count_queries):
    ids = [file(world, "first", days_ago=30 - day, work=False) for day in range(30)]
    official = user(world, "official")
    number = {i: db.session.get(Appeal, i).number for i in ids}
    cases.link(official, ids[0], number[ids[2]])
    cases.link(official, ids[27], number[ids[29]])
    statements, mates = {}, {}
    for size in (5, 30):
        db.session.expire_all()
        with count_queries() as q:
            box = appeal_queries.inbox(official, None, appeal_queries.InboxFilters(per_page=size))
            [(a.category.name_az, a.assignee and a.assignee.full_name, box.cases.get(a.id)) for a in box.page.items]
        statements[size] = q.count
        mates[size] = {i: [n for _, n in found] for i, found in box.cases.items()}
    assert statements[5] == statements[30]
    assert mates[5] == {ids[0]: [number[ids[2]]], ids[2]: [number[ids[0]]]}
    assert mates[30][ids[27]] == [number[ids[29]]] and len(mates[30]) == 4


def test_a_page_holds_a_case_whole(ctx, world):
    ids = [file(world, "first", days_ago=30 - day, work=False) for day in range(12)]
    official = user(world, "official")
    # A case of the first appeal and one that would come on the second page: a page counts the case once.
    cases.link(official, ids[0], db.session.get(Appeal, ids[7]).number)

    def page(n: int) -> appeal_queries.Inbox:
        return appeal_queries.inbox(official, None, appeal_queries.InboxFilters(per_page=5, page=n))

    first, second, third = page(1), page(2), page(3)
    assert [a.id for a in first.page.items] == [ids[0], ids[7], ids[1], ids[2], ids[3], ids[4]]
    assert [a.id for a in second.page.items] == [ids[5], ids[6], ids[8], ids[9], ids[10]]
    assert [a.id for a in third.page.items] == [ids[11]]
    # Twelve appeals in eleven places: the count says twelve, the pages hold eleven entries.
    assert first.total == 12 and first.page.total == 11 and first.page.pages == 3
    # An appeal of the case the filters do not show leaves its place to the other.
    appeals.transition(official, ids[0], "registered")
    appeals.transition(official, ids[0], "in_progress")
    appeals.transition(official, ids[0], "answered", appeals.StepData(answer=ANSWER))
    again = page(1)
    assert ids[0] not in [a.id for a in again.page.items] and again.total == 11
    later = page(2)
    assert [a.id for a in later.page.items] == [ids[6], ids[7], ids[8], ids[9], ids[10]]
    assert later.cases[ids[7]] == [(ids[0], db.session.get(Appeal, ids[0]).number)]


def test_the_inbox_page_marks_each_appeal_of_a_case(app, web, client, world):
    with app.app_context():
        a, b, c, alone = (file(world, "first", days_ago=d) for d in (9, 6, 3, 1))
        number = {i: db.session.get(Appeal, i).number for i in (a, b, c, alone)}
        cases.link(user(world, "official"), a, number[c])
        cases.link(user(world, "official"), a, number[b])
    sign_in(web, client, "official@example.az")
    html = client.get("/office/appeals").get_data(as_text=True)
    check_page(html, "en")
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]
    assert [re.search(r">([A-Z]+-\d{4}-\d{6})</a>", r).group(1) for r in rows] == [
        number[a], number[b], number[c], number[alone]]
    assert html.count("Case of 3") == 3 and "Case of" not in rows[3]
    assert f'href="/office/appeals/{c}">{number[c]}</a>' in rows[0]


# --- Residents see nothing of it ---------------------------------------------------------------------------------


def test_a_residents_pages_show_nothing_of_the_other_appeal(app, web, client, world):
    with app.app_context():
        mine = file(world, "first", public_ok=True)
        theirs = file(world, "second", public_ok=True)
        theirs_number = db.session.get(Appeal, theirs).number
        cases.link(user(world, "official"), mine, theirs_number)
        cases.answer_all(user(world, "official"), mine, ANSWER)
        my_number = db.session.get(Appeal, mine).number
    sign_in(web, client, "first@example.az")
    pages = [f"/cabinet/appeals/{mine}", "/cabinet/appeals", "/cabinet/notifications", "/cabinet/"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert theirs_number not in html and "Nurlan Sadıqov" not in html, path
        assert "Linked with other appeals" not in html and "same matter" not in html, path
    assert my_number in client.get(f"/cabinet/appeals/{mine}").get_data(as_text=True)
    # The other appeal itself stays out of reach.
    assert client.get(f"/cabinet/appeals/{theirs}").status_code == 404
    assert client.get(f"/office/appeals/{mine}").status_code == 403
    # The public list names no case either.
    public = client.get("/appeals/public/GNC").get_data(as_text=True)
    assert "Case of" not in public and "same matter" not in public
    # Nor does what the resident downloads of their data (their appeal's public steps only).
    with app.app_context():
        steps = [e for e in db.session.get(Appeal, mine).events if e.action == "linked"]
        assert steps and not steps[0].public
        download = json.dumps(mydata.collect(user(world, "first"), lambda *_: None), default=str, ensure_ascii=False)
        assert my_number in download and ANSWER in download
        assert theirs_number not in download and "Nurlan" not in download and '"linked"' not in download
