"""Issue 15, item 10: the secret ballot's last links.

A participation row kept the moment of the vote to the microsecond, and a poll's tally was live to every voter:
lining up a tally seen to change (or two backups, or the access log) with those moments told who chose what,
and a poll with one or two participants told it to anyone who knew who took part. Now a participation keeps
the day only, nobody sees an open poll's tally, and a closed poll's is shown only from
``polls.MIN_PARTICIPANTS`` participants.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from app import create_app
from app.extensions import db
from app.models import PollParticipation, User, utcnow
from app.polls import service as polls
from tests.databases import sibling_database
from tests.factories import PASSWORD, create_reference_data, create_user


def _world(app, voters: int) -> dict:
    """Gəncə's moderator, ``voters`` residents of Gəncə, and an open "after_vote" poll (the old live rule)."""
    with app.app_context():
        gnc = create_reference_data()["GNC"]
        moderator = create_user("moderator@example.az", roles=[("moderator", gnc)])
        emails = [f"voter{i}@example.az" for i in range(voters)]
        for email in emails:
            user = create_user(email)
            user.district_id = gnc.id
        db.session.commit()
        now = utcnow()
        poll = polls.create_poll(moderator, gnc.id, polls.PollInput(
            direction="transport", kind="single", question_az="Avtobus neçədə başlasın?", options_az=["06:00", "07:00"],
            results_visibility="after_vote", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7)),
            now=now - timedelta(hours=2))
        return {"poll": poll.id, "options": [o.id for o in poll.options], "emails": emails}


def _vote(app, email: str, poll_id: int, option_id: int, now: datetime | None = None) -> None:
    with app.app_context():
        polls.vote(db.session.scalar(select(User).where(User.email == email)), poll_id, [option_id], now=now)


def _close(app, poll_id: int) -> None:
    with app.app_context():
        polls.close_poll(db.session.scalar(select(User).where(User.email == "moderator@example.az")), poll_id)


def test_item10_a_participation_keeps_the_day_of_the_vote_not_its_moment(app):
    world = _world(app, 1)
    # 22:30:15.123456 UTC is already the next day in Baku (UTC+4).
    moment = datetime(2026, 3, 9, 22, 30, 15, 123456, tzinfo=UTC)
    with app.app_context():
        poll = db.session.get(polls.Poll, world["poll"])
        poll.opens_at, poll.closes_at = moment - timedelta(days=1), moment + timedelta(days=1)
        db.session.commit()
    _vote(app, world["emails"][0], world["poll"], world["options"][0], now=moment)
    with app.app_context():
        columns = {c["name"]: str(c["type"]).upper() for c in inspect(db.engine).get_columns("poll_participations")}
        assert not any("TIME" in kind for kind in columns.values()), columns  # no timestamp column at all
        [row] = db.session.execute(text("SELECT * FROM poll_participations")).mappings().all()
        assert "created_at" not in row and str(row["voted_on"])[:10] == "2026-03-10"
        assert db.session.scalar(select(PollParticipation.voted_on)) == date(2026, 3, 10)


def test_item10_nobody_sees_an_open_polls_tally_not_even_a_voter(app, web, client):
    world = _world(app, polls.MIN_PARTICIPANTS + 1)
    for email in world["emails"]:
        _vote(app, email, world["poll"], world["options"][0])
    for email in (world["emails"][0], "moderator@example.az"):
        assert web.login(email, PASSWORD).status_code == 302
        html = client.get(f"/polls/{world['poll']}?lang=en").get_data(as_text=True)
        assert "<svg" not in html and "Votes for each answer" not in html
        assert "The results are shown once the poll closes" in html
        web.post("/auth/logout", {}, form_url="/cabinet/")


def test_item10_a_closed_poll_with_few_participants_shows_no_results(app, client):
    world = _world(app, polls.MIN_PARTICIPANTS)
    for email in world["emails"][:2]:
        _vote(app, email, world["poll"], world["options"][1])
    _close(app, world["poll"])
    html = client.get(f"/polls/{world['poll']}?lang=en").get_data(as_text=True)
    assert "<svg" not in html and "Votes for each answer" not in html
    assert f"Fewer than {polls.MIN_PARTICIPANTS} residents took part" in html


def test_item10_a_closed_poll_with_enough_participants_shows_its_results(app, client):
    world = _world(app, polls.MIN_PARTICIPANTS)
    for email in world["emails"]:
        _vote(app, email, world["poll"], world["options"][0])
    _close(app, world["poll"])
    html = client.get(f"/polls/{world['poll']}?lang=en").get_data(as_text=True)
    assert '<svg class="chart chart-hbars"' in html
    assert f'<th scope="row">06:00</th><td>{polls.MIN_PARTICIPANTS}</td>' in html


def test_item10_my_votes_show_the_day_only(app, web, client):
    world = _world(app, 1)
    _vote(app, world["emails"][0], world["poll"], world["options"][0])
    assert web.login(world["emails"][0], PASSWORD).status_code == 302
    html = client.get("/cabinet/polls?lang=en").get_data(as_text=True)
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert f'href="/polls/{world["poll"]}"' in main and ":" not in main.split("<tbody>", 1)[1].split("</tbody>")[0]


def test_item10_the_migration_keeps_only_the_baku_day_of_existing_votes(app, tmp_path):
    """0019_ballot_day on a database holding a vote cast at 22:30:15.123456 UTC: the Baku day is kept (the
    next day), the moment is gone; the downgrade gives back a timestamp at midnight of that day."""
    with sibling_database(app.config["SQLALCHEMY_DATABASE_URI"], "ballot_day", tmp_path) as url:
        other = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "ATTACHMENTS_DIR": str(tmp_path / "files")})
        with other.app_context():
            upgrade(revision="0018_user_sessions")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO districts (id, code, name_az, name_ru, name_en, active) "
                                  "VALUES (1, 'GNC', 'Gəncə', 'Гянджа', 'Ganja', true)"))
                conn.execute(text("INSERT INTO users (id, email, full_name, password_hash, created_at) "
                                  "VALUES (1, 'voter@example.az', 'V', 'x', :now)"), {"now": utcnow()})
                conn.execute(text(
                    "INSERT INTO polls (id, district_id, direction, kind, question_az, opens_at, closes_at, "
                    "results_visibility, created_at, updated_at) VALUES (1, 1, 'other', 'single', 'S?', :o, :c, "
                    "'after_vote', :o, :o)"),
                    {"o": datetime(2026, 3, 1, tzinfo=UTC), "c": datetime(2026, 4, 1, tzinfo=UTC)})
                conn.execute(text("INSERT INTO poll_participations (id, poll_id, user_id, created_at) "
                                  "VALUES (1, 1, 1, :at)"), {"at": datetime(2026, 3, 9, 22, 30, 15, 123456, tzinfo=UTC)})
            upgrade(revision="0019_ballot_day")
            with db.engine.connect() as conn:
                columns = {c["name"] for c in inspect(conn).get_columns("poll_participations")}
                assert columns == {"id", "poll_id", "user_id", "voted_on"}
                assert str(conn.execute(text("SELECT voted_on FROM poll_participations")).scalar())[:10] == "2026-03-10"
            downgrade(revision="0018_user_sessions")
            with db.engine.connect() as conn:
                back = conn.execute(text("SELECT created_at FROM poll_participations")).scalar()
                assert "voted_on" not in {c["name"] for c in inspect(conn).get_columns("poll_participations")}
                assert str(back)[:16] in ("2026-03-09 20:00", "2026-03-10 00:00")  # midnight in Baku, stored in UTC
            db.engine.dispose()
