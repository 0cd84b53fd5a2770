"""Polls through the web: propose → approve → vote → results in three languages, bad input beside its field,
other districts' topics and polls a 404 in the office, the cabinet's votes saying when but never what."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Notification, Poll, PollOption, PollParticipation, PollTopic, User, utcnow
from app.polls import service as polls
from app.polls.forms import to_local
from tests.appeals.test_views import field_error
from tests.factories import PASSWORD, create_reference_data, create_user
from tests.snapshots import replayed
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]


def resident(email: str, district, **kwargs) -> User:
    user = create_user(email, **kwargs)
    user.district_id = district.id if district is not None else None
    db.session.commit()
    return user


def poll_input(**changes) -> polls.PollInput:
    now = utcnow()
    values = dict(direction="transport", kind="single", question_az="Avtobus neçədə başlasın?",
                  question_ru="Во сколько начинать автобусы?", question_en="When should the buses start?",
                  options_az=["06:00", "07:00"], opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7))
    values.update(changes)
    return polls.PollInput(**values)


@pytest.fixture
def world(app):
    """Gəncə's and Masallı's moderators, an administrator, residents of each; an open, an upcoming and a closed poll.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("poll views: world", _build_world)


def _build_world() -> dict:
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    moderator = create_user("moderator@example.az", roles=[("moderator", gnc)])
    other = create_user("moderator.msl@example.az", roles=[("moderator", msl)])
    create_user("admin@example.az", roles=[("admin", None)])
    resident("author@example.az", gnc, full_name="Aygün Həsənova")
    for i in range(3):
        resident(f"voter{i}@example.az", gnc)
    resident("outsider@example.az", msl)
    resident("new@example.az", gnc, confirmed=False)
    now = utcnow()
    open_poll = polls.create_poll(moderator, gnc.id, poll_input(), now=now - timedelta(hours=2))
    upcoming = polls.create_poll(moderator, gnc.id, poll_input(opens_at=now + timedelta(days=2)), now=now)
    closed = polls.create_poll(moderator, gnc.id, poll_input(kind="multiple"), now=now - timedelta(hours=2))
    msl_poll = polls.create_poll(other, msl.id, poll_input(question_az="Masallı sorğusu"), now=now - timedelta(hours=2))
    voter = db.session.scalar(select(User).where(User.email == "voter0@example.az"))
    polls.vote(voter, closed.id, [o.id for o in closed.options], now=now)
    polls.close_poll(moderator, closed.id, now=now)
    topic = polls.propose(db.session.scalar(select(User).where(User.email == "author@example.az")),
                          polls.TopicInput(district_id=gnc.id, direction="transport", question="Gecə avtobusu lazımdır?",
                                           options=["Bəli", "Xeyr"]))
    return {"gnc": gnc.id, "msl": msl.id, "open": open_poll.id, "upcoming": upcoming.id, "closed": closed.id,
            "msl_poll": msl_poll.id, "topic": topic.id,
            "options": [o.id for o in open_poll.options]}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def sign_in(web, client, email: str, lang: str = "en") -> None:
    web.login(email, PASSWORD)
    client.get(f"/?lang={lang}")


def main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


# --- The whole loop -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_propose_approve_vote_and_the_results_in_every_language(app, web, client, world, lang):
    sign_in(web, client, "author@example.az", lang)
    response = web.post("/cabinet/poll-topics/new", {
        "district_id": str(world["gnc"]), "direction": "public_spaces", "kind": "single",
        "question": "Parkda nə tikilsin?", "description": "", "options": "Uşaq meydançası\nFəvvarə\n\n"})
    assert response.status_code == 302
    with app.app_context():
        topic = db.session.scalar(select(PollTopic).where(PollTopic.question == "Parkda nə tikilsin?"))
        assert topic.options == ["Uşaq meydançası", "Fəvvarə"] and topic.status == "submitted"
        topic_id = topic.id
    assert "Parkda nə tikilsin?" in client.get("/cabinet/poll-topics").get_data(as_text=True)

    web.post("/auth/logout", {}, form_url="/cabinet/")
    sign_in(web, client, "moderator@example.az", lang)
    page = client.get(f"/office/polls/topics/{topic_id}")
    assert page.status_code == 200
    check_page(page.get_data(as_text=True), lang)
    now = utcnow()
    response = web.post(f"/office/polls/topics/{topic_id}/approve", {
        "poll-direction": "public_spaces", "poll-kind": "single", "poll-results_visibility": "after_vote",
        "poll-question_az": "Parkda nə tikilsin?", "poll-question_ru": "Что построить в парке?",
        "poll-question_en": "What should the park get?", "poll-options_az": "Uşaq meydançası\nFəvvarə",
        "poll-options_ru": "Детская площадка\nФонтан", "poll-options_en": "A playground\nA fountain",
        "poll-opening": "now", "poll-opens_at": to_local(now - timedelta(minutes=5)),
        "poll-closes_at": to_local(now + timedelta(days=3))},
        form_url=f"/office/polls/topics/{topic_id}")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        poll = db.session.scalar(select(Poll).where(Poll.topic_id == topic_id))
        poll_id, (playground, fountain) = poll.id, [o.id for o in poll.options]
        author = db.session.scalar(select(User).where(User.email == "author@example.az"))
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == author.id, Notification.link == f"/polls/{poll_id}")) == 1

    web.post("/auth/logout", {}, form_url="/cabinet/")
    for email, choice in (("voter0@example.az", playground), ("voter1@example.az", playground),
                          ("voter2@example.az", fountain)):
        sign_in(web, client, email, lang)
        before = client.get(f"/polls/{poll_id}").get_data(as_text=True)
        assert 'type="radio"' in before and "<legend>" in before and 'id="results-title"' in before
        assert "<svg" not in before  # results after voting
        response = web.post(f"/polls/{poll_id}/vote", {"vote-options": str(choice)}, form_url=f"/polls/{poll_id}")
        assert response.status_code == 302
        web.post("/auth/logout", {}, form_url="/cabinet/")

    sign_in(web, client, "voter0@example.az", lang)
    html = client.get(f"/polls/{poll_id}").get_data(as_text=True)
    check_page(html, lang)
    label = {"az": "Uşaq meydançası", "ru": "Детская площадка", "en": "A playground"}[lang]
    question = {"az": "Parkda nə tikilsin?", "ru": "Что построить в парке?", "en": "What should the park get?"}[lang]
    assert f"<h1>{question}</h1>" in html
    # Issue 15, item 10: an open poll's tally is shown to nobody, voters included (it used to be, to voters).
    assert '<svg class="chart chart-hbars"' not in html and f'<th scope="row">{label}</th>' not in html
    assert 'type="radio"' not in html  # voted already: no ballot again
    with app.app_context():
        assert db.session.scalars(select(PollOption.votes).where(PollOption.poll_id == poll_id)
                                  .order_by(PollOption.position)).all() == [2, 1]


# --- Bad input --------------------------------------------------------------------------------------


def test_bad_votes_are_refused_with_the_reason_and_nothing_is_stored(app, web, client, world):
    poll = f"/polls/{world['open']}"
    sign_in(web, client, "voter1@example.az")
    response = web.post(f"{poll}/vote", {}, form_url=poll)
    assert response.status_code == 422
    assert "Choose an answer" in field_error(response.get_data(as_text=True), "vote-options")
    response = web.post(f"{poll}/vote", {"vote-options": "abc"}, form_url=poll)
    assert response.status_code == 422 and "answers of this poll" in field_error(response.get_data(as_text=True), "vote-options")
    response = web.post(f"{poll}/vote", {"vote-options": str(world["options"][0] + 1000)}, form_url=poll)
    assert response.status_code == 422
    response = web.post(f"{poll}/vote", {"vote-options": [str(o) for o in world["options"]]}, form_url=poll)
    assert response.status_code == 422 and "one answer only" in field_error(response.get_data(as_text=True), "vote-options")
    for path, words in ((f"/polls/{world['upcoming']}", "opens on"), (f"/polls/{world['closed']}", "closed on")):
        response = web.post(f"{path}/vote", {"vote-options": str(world["options"][0])}, form_url=poll)
        assert response.status_code == 422 and words in response.get_data(as_text=True)
    assert web.post(f"{poll}/vote", {"vote-options": str(world["options"][0])}).status_code == 302
    response = web.post(f"{poll}/vote", {"vote-options": str(world["options"][1])}, form_url=poll)
    assert response.status_code == 422 and "already voted" in response.get_data(as_text=True)
    assert client.post("/polls/999999/vote", data={}).status_code in (400, 404)
    web.post("/auth/logout", {}, form_url="/cabinet/")

    sign_in(web, client, "outsider@example.az")
    page = client.get(poll).get_data(as_text=True)
    assert "residents of Ganja" in page and 'type="radio"' not in page
    response = web.post(f"{poll}/vote", {"vote-options": str(world["options"][0])}, form_url=poll)
    assert response.status_code == 422 and "residents of Ganja" in response.get_data(as_text=True)
    web.post("/auth/logout", {}, form_url="/cabinet/")

    sign_in(web, client, "new@example.az")
    assert "Confirm your email" in client.get(poll).get_data(as_text=True)
    response = web.post(f"{poll}/vote", {"vote-options": str(world["options"][0])}, form_url=poll)
    assert response.status_code == 422 and "Confirm your email" in response.get_data(as_text=True)
    response = web.post("/cabinet/poll-topics/new", {"district_id": str(world["gnc"]), "direction": "transport",
                                                     "kind": "single", "question": "Sual?", "options": "Bəli\nXeyr"})
    assert response.status_code == 422 and "Confirm your email" in response.get_data(as_text=True)
    assert count(app, PollTopic) == 1
    # One participation (voter1 in the open poll) besides the closed poll's.
    assert count(app, PollParticipation) == 2


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"question": ""}, "question", "Write the question"),
    ({"question": "S" * 301}, "question", "at most 300"),
    ({"options": "Tək cavab"}, "options", "at least 2"),
    ({"options": "Bəli\n" + "X" * 201}, "options", "at most 200"),
    ({"description": "D" * 2001}, "description", "at most 2000"),
    ({"direction": "weather"}, "direction", "direction"),
    ({"district_id": "abc"}, "district_id", "district authority"),
])
def test_bad_topics_are_refused_beside_the_field(app, web, client, world, data, field, words):
    sign_in(web, client, "author@example.az")
    values = {"district_id": str(world["gnc"]), "direction": "transport", "kind": "single",
              "question": "Gecə avtobusu?", "description": "", "options": "Bəli\nXeyr", **data}
    response = web.post("/cabinet/poll-topics/new", values)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert words in field_error(html, field).replace(",", "")
    assert 'class="error-summary"' in html
    assert count(app, PollTopic) == 1


def test_moderator_decisions_need_a_reason_and_the_resident_changes_and_resubmits(app, web, client, world):
    topic = f"/office/polls/topics/{world['topic']}"
    sign_in(web, client, "moderator@example.az")
    response = web.post(f"{topic}/reject", {"reject-reason": ""}, form_url=topic)
    assert response.status_code == 422 and field_error(response.get_data(as_text=True), "reject-reason")
    response = web.post(f"{topic}/approve", {"poll-question_az": "", "poll-options_az": "Bəli"}, form_url=topic)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and field_error(html, "poll-question_az") and field_error(html, "poll-options_az")
    assert count(app, Poll) == 4
    assert web.post(f"{topic}/changes", {"changes-reason": "'Bilmirəm' cavabını əlavə edin."}, form_url=topic).status_code == 302
    web.post("/auth/logout", {}, form_url="/cabinet/")

    sign_in(web, client, "author@example.az")
    mine = f"/cabinet/poll-topics/{world['topic']}"
    html = client.get(mine).get_data(as_text=True)
    assert "Bilmirəm" in html and 'name="options"' in html
    response = web.post(mine, {"direction": "transport", "kind": "single", "question": "Gecə avtobusu lazımdır?",
                               "options": "Bəli\nXeyr\nBilmirəm"})
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.get(PollTopic, world["topic"])
        assert stored.status == "submitted" and stored.options == ["Bəli", "Xeyr", "Bilmirəm"]
        assert stored.district_id == world["gnc"]
    web.post("/auth/logout", {}, form_url="/cabinet/")

    sign_in(web, client, "moderator@example.az")
    assert web.post(f"{topic}/reject", {"reject-reason": "Bu artıq həll olunub."}, form_url=topic).status_code == 302
    web.post("/auth/logout", {}, form_url="/cabinet/")
    sign_in(web, client, "author@example.az")
    html = client.get("/cabinet/poll-topics").get_data(as_text=True)
    assert "Rejected" in html
    assert "Bu artıq həll olunub." in client.get(mine).get_data(as_text=True)


# The new message is in the catalogues once they are updated; until then az and ru only show that it is there.
PAST = {"az": "", "ru": "", "en": "passed"}


@pytest.mark.parametrize("lang", LANGS)
def test_the_moderator_opens_an_approved_poll_now_or_later_and_a_past_time_is_refused(app, web, client, world, lang):
    topic = f"/office/polls/topics/{world['topic']}"
    sign_in(web, client, "moderator@example.az", lang)
    page = client.get(topic).get_data(as_text=True)
    check_page(page, lang)
    assert 'id="poll-opening"' in page and 'id="poll-opens_at"' in page
    assert re.search(r'<input[^>]*name="poll-opening"[^>]*value="now"', page)
    now = utcnow()
    fields = {"poll-direction": "transport", "poll-kind": "single", "poll-question_az": "Gecə avtobusu lazımdır?",
              "poll-options_az": "Bəli\nXeyr", "poll-opening": "at", "poll-opens_at": to_local(now - timedelta(hours=2)),
              "poll-closes_at": to_local(now + timedelta(days=7))}
    past = web.post(f"{topic}/approve", fields, form_url=topic)
    html = past.get_data(as_text=True)
    assert past.status_code == 422
    assert PAST[lang] in field_error(html, "poll-opens_at")
    assert 'href="#poll-opens_at"' in html  # the error summary leads to the field
    check_page(html, lang)
    # Nothing was written: no poll, the topic still waits, the resident is told nothing.
    assert count(app, Poll) == 4
    with app.app_context():
        assert db.session.get(PollTopic, world["topic"]).status == "submitted"
        author = db.session.scalar(select(User.id).where(User.email == "author@example.az"))
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == author)) == 0

    later = web.post(f"{topic}/approve", {**fields, "poll-opens_at": to_local(now + timedelta(days=1))}, form_url=topic)
    assert later.status_code == 302
    with app.app_context():
        poll = db.session.scalar(select(Poll).where(Poll.topic_id == world["topic"]))
        assert poll.state(utcnow()) == "upcoming"


def test_opening_now_ignores_the_time_field_and_the_poll_takes_votes_at_once(app, web, client, world):
    topic = f"/office/polls/topics/{world['topic']}"
    sign_in(web, client, "moderator@example.az")
    before = utcnow().replace(microsecond=0)
    response = web.post(f"{topic}/approve", {
        "poll-direction": "transport", "poll-kind": "single", "poll-question_az": "Gecə avtobusu lazımdır?",
        "poll-options_az": "Bəli\nXeyr", "poll-opening": "now", "poll-opens_at": "",
        "poll-closes_at": to_local(utcnow() + timedelta(days=7))}, form_url=topic)
    assert response.status_code == 302
    with app.app_context():
        poll = db.session.scalar(select(Poll).where(Poll.topic_id == world["topic"]))
        assert poll.opens_at >= before and poll.state(utcnow()) == "open"
        poll_id = poll.id
    web.post("/auth/logout", {}, form_url="/cabinet/")
    sign_in(web, client, "voter1@example.az")
    assert 'type="radio"' in client.get(f"/polls/{poll_id}").get_data(as_text=True)


# --- Other districts, other residents -----------------------------------------------------------------


def test_another_districts_moderator_gets_404_and_residents_get_403(app, web, client, world):
    sign_in(web, client, "moderator.msl@example.az")
    topic = f"/office/polls/topics/{world['topic']}"
    assert client.get(topic).status_code == 404
    for path, data in ((f"{topic}/approve", {}), (f"{topic}/changes", {"changes-reason": "x"}),
                       (f"{topic}/reject", {"reject-reason": "x"}), (f"/office/polls/{world['open']}/close", {})):
        assert web.post(path, data, form_url="/office/polls").status_code == 404, path
    assert client.get(f"/office/polls/{world['upcoming']}/edit").status_code == 404
    assert client.get(f"/office/polls?district={world['gnc']}").status_code == 404
    assert client.get("/office/polls/new?national=1").status_code == 404
    office = client.get("/office/polls").get_data(as_text=True)
    assert f'href="/polls/{world["msl_poll"]}"' in office and f'href="/polls/{world["open"]}"' not in office
    assert "Gecə avtobusu" not in office
    with app.app_context():
        assert db.session.get(PollTopic, world["topic"]).status == "submitted"
    web.post("/auth/logout", {}, form_url="/cabinet/")

    sign_in(web, client, "voter0@example.az")
    assert client.get("/office/polls").status_code == 403
    # Another resident's topic is a 404 in the cabinet.
    assert client.get(f"/cabinet/poll-topics/{world['topic']}").status_code == 404


def test_administrator_creates_a_national_poll_and_closes_it(app, web, client, world):
    sign_in(web, client, "admin@example.az")
    assert client.get("/office/polls").status_code == 200
    now = utcnow()
    response = web.post("/office/polls/new?national=1", {
        "direction": "environment", "kind": "multiple", "results_visibility": "after_close",
        "question_az": "Hansı ekoloji tədbirlər?", "options_az": "Ağacəkmə\nTəmizlik aksiyası",
        "opens_at": to_local(now - timedelta(minutes=1)), "closes_at": to_local(now + timedelta(days=5))})
    assert response.status_code == 302
    with app.app_context():
        national = db.session.scalar(select(Poll).where(Poll.district_id.is_(None)))
        national_id = national.id
    assert web.post(f"/office/polls/{national_id}/close", {}, form_url="/office/polls").status_code == 302
    with app.app_context():
        assert db.session.get(Poll, national_id).state(utcnow()) == "closed"
    # Administrators do not moderate a district's topics.
    assert client.get(f"/office/polls/topics/{world['topic']}").status_code == 404


# --- Pages --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_poll_page_renders_in_every_language(app, web, client, world, lang):
    for path in ["/polls/", "/polls/?state=open", "/polls/?district=GNC&state=closed&direction=transport",
                 "/polls/?district=national", "/polls/?district=XXX&state=bad&page=abc", f"/polls/{world['open']}",
                 f"/polls/{world['upcoming']}", f"/polls/{world['closed']}"]:
        response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)
    # One participant: the closed poll's results stay hidden (issue 15, item 10; tests/polls/test_secret_ballot.py).
    closed = client.get(f"/polls/{world['closed']}?lang=en").get_data(as_text=True)
    assert "<svg" not in closed and "Fewer than 5 residents took part" in closed
    assert "<svg" not in client.get(f"/polls/{world['open']}").get_data(as_text=True)
    assert client.get("/polls/999999").status_code == 404
    sign_in(web, client, "voter0@example.az", lang)
    for path in ["/cabinet/polls", "/cabinet/poll-topics", "/cabinet/poll-topics/new", f"/polls/{world['open']}"]:
        response = client.get(path)
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)
    web.post("/auth/logout", {}, form_url="/cabinet/")
    sign_in(web, client, "moderator@example.az", lang)
    for path in ["/office/polls", "/office/polls/new", f"/office/polls/{world['upcoming']}/edit",
                 f"/office/polls/topics/{world['topic']}"]:
        response = client.get(path)
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)


def test_my_votes_say_when_but_never_what(app, web, client, world):
    sign_in(web, client, "voter0@example.az")
    html = main(client.get("/cabinet/polls").get_data(as_text=True))
    assert f'href="/polls/{world["closed"]}"' in html
    assert "06:00" not in html and "07:00" not in html  # the answers chosen are nowhere


def test_the_list_filters_and_runs_a_fixed_number_of_statements(app, client, world, count_queries):
    html = client.get("/polls/?district=MSL").get_data(as_text=True)
    assert f'href="/polls/{world["msl_poll"]}"' in html and f'href="/polls/{world["open"]}"' not in html
    assert f'href="/polls/{world["msl_poll"]}"' not in client.get("/polls/?district=GNC").get_data(as_text=True)
    assert client.get("/polls/?state=upcoming").get_data(as_text=True).count('class="card"') == 1
    assert client.get("/polls/?direction=health").get_data(as_text=True).count('class="card"') == 0

    def statements() -> int:
        with count_queries() as q:
            assert client.get("/polls/").status_code == 200
        return q.count

    before = statements()
    with app.app_context():
        moderator = db.session.scalar(select(User).where(User.email == "moderator@example.az"))
        for i in range(18):
            polls.create_poll(moderator, world["gnc"], poll_input(question_az=f"Sorğu {i}"))
    assert statements() == before
    assert client.get("/polls/").get_data(as_text=True).count('class="card"') == polls.PER_PAGE
    page_two = client.get("/polls/?page=2").get_data(as_text=True)
    assert page_two.count('class="card"') == 22 - polls.PER_PAGE and 'rel="prev"' in page_two


def test_the_districts_accountability_page_counts_polls_and_turnout(app, client, world):
    html = main(client.get("/accountability/GNC?lang=en").get_data(as_text=True))
    # Two polls of Gəncə have opened (the open and the closed one; the upcoming has not), with one vote.
    figures = html.split("Polls held", 1)[1]
    assert "<dd>2</dd>" in figures.split("</dl>", 1)[0]
    assert "Votes cast</dt><dd>1</dd>" in figures
    assert 'href="/polls/?district=GNC"' in html
    empty = main(client.get("/accountability/QBA?lang=en").get_data(as_text=True)).split("Polls held", 1)[1]
    assert "Votes cast</dt><dd>0</dd>" in empty and "—" in empty.split("</dl>", 1)[0]


def test_the_home_page_card_counts_the_open_polls_and_links_to_them(client, world):
    html = client.get("/?lang=en").get_data(as_text=True)
    card = re.search(r'<li class="card">\s*<h3><a href="/polls/">.*?</li>', html, re.S)
    assert card and "Open polls: 2" in card.group()  # Gəncə's open one and Masallı's; not the upcoming or closed
