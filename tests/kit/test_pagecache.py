"""Visitors' pages from the shared cache (app/kit/pagecache.py, app/kit/cache.py): a hit for the same page, never a
page of another language, another person or an older state of what it shows."""
from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import flash, render_template_string
from sqlalchemy import select, update

from app.commitments import service as commitments
from app.extensions import db
from app.kit import cache
from app.kit.calendar import local_date
from app.kit.pagecache import cached_page
from app.models import ArticleText, District, User, utcnow
from app.polls import service as polls
from tests.conftest import another_app
from tests.factories import PASSWORD, create_appeal, create_article, create_reference_data, create_user
from tests.polls.test_views import poll_input
from tests.ratings.helpers import answered_appeal
from tests.ratings.helpers import world as ratings_world
from tests.snapshots import replayed


@pytest.fixture
def world(app):
    """Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("kit pagecache: world", _build_world)


def _build_world():
    districts = create_reference_data()
    gnc = districts["GNC"]
    editor = create_user("editor@example.az", full_name="Səbinə İsmayılova",
                         roles=[("editor", gnc), ("moderator", gnc)])
    create_user("resident@example.az", full_name="Aygün Həsənova")
    article = create_article(editor, gnc, title="Yeni park açıldı")
    return {"gnc": gnc.id, "article": article.id, "editor": editor.id}


def visit(client, path: str, **headers):
    response = client.get(path, headers=headers)
    assert response.status_code in (200, 304), (path, response.status_code)
    return response


def test_a_visitor_gets_the_stored_page_without_a_database_read(client, world, count_queries):
    first = visit(client, "/news/")
    assert first.headers["X-Cache"] == "MISS" and first.headers["ETag"]
    with count_queries() as q:
        second = visit(client, "/news/")
    assert second.headers["X-Cache"] == "HIT"
    assert second.get_data() == first.get_data() and second.headers["ETag"] == first.headers["ETag"]
    assert q.count == 0
    assert second.headers["Content-Type"].startswith("text/html")
    # The security headers and the request id are the request's own, as on every page.
    assert "Content-Security-Policy" in second.headers and "Cookie" in second.headers["Vary"]
    assert second.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert int(second.headers["Content-Length"]) == len(first.get_data())
    assert client.head("/news/").headers["X-Cache"] == "HIT"


def test_a_host_the_portal_does_not_answer_to_gets_no_stored_page(app, client, world):
    visit(client, "/about")
    app.config["TRUSTED_HOSTS"] = ["portal.example.az"]
    try:
        refused = client.get("/about", headers={"Host": "evil.example"})
        assert refused.status_code == 400 and "X-Cache" not in refused.headers
        assert client.get("/about", headers={"Host": "portal.example.az"}).status_code == 200
    finally:
        app.config["TRUSTED_HOSTS"] = None


def test_a_browser_holding_the_page_gets_a_304(client, world):
    etag = visit(client, "/about").headers["ETag"]
    for _ in range(2):  # the miss that stored it, then a hit
        again = client.get("/about", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b""
    assert client.get("/about", headers={"If-None-Match": '"other"'}).status_code == 200
    # The weak form nginx gives the tag when it compresses the page still matches.
    weak = client.get("/about", headers={"If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304 and weak.headers["X-Cache"] == "HIT" and "Content-Length" not in weak.headers


def test_each_language_has_its_own_entry(client, world):
    az = visit(client, "/news/?lang=az")
    ru = visit(client, "/news/?lang=ru")
    assert ru.headers["X-Cache"] == "MISS" and ru.get_data() != az.get_data()
    assert 'lang="ru"' in ru.get_data(as_text=True)
    # The session now holds Russian: the address without ?lang= is the Russian entry, and a crafted language is
    # the default one, not a new entry.
    again = visit(client, "/news/")
    assert again.headers["X-Cache"] == "HIT" and again.get_data() == ru.get_data()
    other = visit(client.application.test_client(), "/news/?lang=xx")
    assert other.get_data() == az.get_data()


def test_a_signed_in_person_never_gets_a_cached_page_and_signing_out_shows_no_one_elses(app, client, web, world):
    visit(client, "/")
    assert visit(client, "/").headers["X-Cache"] == "HIT"
    assert web.login("resident@example.az", PASSWORD).status_code == 302
    mine = visit(client, "/")
    assert "X-Cache" not in mine.headers and "Aygün Həsənova" in mine.get_data(as_text=True)
    assert "no-store" in mine.headers["Cache-Control"]
    # Signing out: the message saying so is shown (not swallowed by a stored page), and the page is a visitor's.
    web.post("/auth/logout", {}, form_url="/cabinet/")
    after = visit(client, "/")
    assert "X-Cache" not in after.headers and "Aygün Həsənova" not in after.get_data(as_text=True)
    assert "Siz çıxış etdiniz." in after.get_data(as_text=True)
    # The next visit, message shown, is the visitor's stored page again, with no one's name in it.
    final = visit(client, "/")
    assert final.headers["X-Cache"] == "HIT" and "Aygün Həsənova" not in final.get_data(as_text=True)
    # What the person saw while signed in was never stored for visitors.
    assert "Aygün Həsənova" not in visit(app.test_client(), "/").get_data(as_text=True)


@pytest.mark.parametrize("query", ["?utm_source=mail", "?page=1&page=2", f"?page={'9' * 65}", "?tag=x&junk=1"])
def test_queries_outside_the_key_neither_read_nor_fill_the_cache(client, world, query):
    visit(client, "/news/")
    response = visit(client, f"/news/{query}")
    assert "X-Cache" not in response.headers
    assert "X-Cache" not in visit(client, f"/news/{query}").headers


def test_known_parameters_make_their_own_entries(client, world):
    assert visit(client, "/news/?kind=event").headers["X-Cache"] == "MISS"
    assert visit(client, "/news/?kind=event").headers["X-Cache"] == "HIT"
    assert visit(client, "/news/?kind=news").headers["X-Cache"] == "MISS"


def test_an_edited_article_is_on_the_next_visitors_page(app, client, world):
    for path in ("/news/", f"/news/article/{world['article']}", "/"):
        visit(client, path)
        assert visit(client, path).headers["X-Cache"] == "HIT"
    with app.app_context():
        text = db.session.scalar(select(ArticleText).where(ArticleText.article_id == world["article"],
                                                           ArticleText.lang == "az"))
        text.title = "Park bağlanıb"
        db.session.commit()
    for path in ("/news/", f"/news/article/{world['article']}", "/"):
        fresh = visit(client, path)
        assert fresh.headers["X-Cache"] == "MISS" and "Park bağlanıb" in fresh.get_data(as_text=True), path


def test_a_bulk_update_retires_the_pages_that_read_its_table(app, client, world):
    visit(client, "/reception/")
    with app.app_context():
        db.session.execute(update(District).where(District.id == world["gnc"]).values(name_az="Gəncə şəhəri"))
        db.session.commit()
    assert "Gəncə şəhəri" in visit(client, "/reception/").get_data(as_text=True)


def test_a_write_retires_the_pages_that_read_what_its_triggers_wrote(app, world):
    """The database's triggers write ``open_deadlines`` when an appeal is filed (the session never sees it): its
    generation moves with the appeals', so a page that read only the counts is retired too."""
    with app.app_context():
        store = cache.store(app)
        before = store.generations(["appeals", "open_deadlines"])
        resident = db.session.scalar(select(User).where(User.email == "resident@example.az"))
        create_appeal(resident, db.session.get(District, world["gnc"]))
        after = store.generations(["appeals", "open_deadlines"])
    assert after[0] > before[0] and after[1] > before[1]


def test_a_rolled_back_change_retires_nothing(app, client, world):
    visit(client, "/news/")
    with app.app_context():
        db.session.scalar(select(ArticleText).where(ArticleText.article_id == world["article"])).title = "Heç nə"
        db.session.flush()
        db.session.rollback()
    assert visit(client, "/news/").headers["X-Cache"] == "HIT"


def test_a_new_poll_and_its_closing_are_on_the_next_visitors_page(app, client, world):
    visit(client, "/polls/")
    with app.app_context():
        editor = db.session.get(User, world["editor"])
        poll_id = polls.create_poll(editor, world["gnc"], poll_input(question_az="Park harada olsun?"),
                                    now=utcnow() - timedelta(hours=2)).id
    listed = visit(client, "/polls/")
    assert listed.headers["X-Cache"] == "MISS" and "Park harada olsun?" in listed.get_data(as_text=True)
    page = visit(client, f"/polls/{poll_id}")
    assert visit(client, f"/polls/{poll_id}").headers["X-Cache"] == "HIT"
    with app.app_context():
        polls.close_poll(db.session.get(User, world["editor"]), poll_id)
    closed = visit(client, f"/polls/{poll_id}")
    assert closed.headers["X-Cache"] == "MISS" and closed.get_data() != page.get_data()


def test_a_commitments_change_is_on_the_next_visitors_page(app, client, world):
    with app.app_context():
        editor = db.session.get(User, world["editor"])
        today = local_date(utcnow())
        item_id = commitments.create(editor, world["gnc"], commitments.CommitmentInput(
            title_az="Məktəbin təmiri", description_az="Dam örtüyü dəyişdirilir.", status="in_progress",
            progress=40, planned_start=today - timedelta(days=30), planned_end=today + timedelta(days=60),
            planned_cost=Decimal("1000.00"))).id
    before = visit(client, f"/commitments/item/{item_id}")
    assert visit(client, f"/commitments/item/{item_id}").headers["X-Cache"] == "HIT"
    with app.app_context():
        editor = db.session.get(User, world["editor"])
        data = commitments.CommitmentInput(
            title_az="Məktəbin təmiri", description_az="Dam örtüyü dəyişdirilir.", status="in_progress",
            progress=75, planned_start=today - timedelta(days=30), planned_end=today + timedelta(days=60),
            planned_cost=Decimal("1000.00"))
        commitments.update(editor, item_id, data)
    after = visit(client, f"/commitments/item/{item_id}")
    assert after.headers["X-Cache"] == "MISS" and after.get_data() != before.get_data()
    assert "75" in after.get_data(as_text=True)


def test_a_districts_figures_change_with_the_next_answer(app, client):
    # One application context throughout: the world's rows stay attached to its session between the visits.
    with app.app_context():
        figures = ratings_world()
        answered_appeal(figures)
        before = visit(client, "/accountability/GNC")
        assert visit(client, "/accountability/GNC").headers["X-Cache"] == "HIT"
        answered_appeal(figures)
        after = visit(client, "/accountability/GNC")
    assert after.headers["X-Cache"] == "MISS" and after.get_data() != before.get_data()


def test_a_public_appeal_list_shows_a_new_appeal_at_once(app, client, world):
    visit(client, "/appeals/public/GNC")
    with app.app_context():
        resident = db.session.scalar(select(User).where(User.email == "resident@example.az"))
        create_appeal(resident, db.session.get(District, world["gnc"]), subject="Küçə işıqları yanmır",
                      public_ok=True)
    assert "Küçə işıqları yanmır" in visit(client, "/appeals/public/GNC").get_data(as_text=True)


@pytest.fixture
def bare(app):
    """Another application on the suite's database with test-only pages: a flash, a form, a cookie, a session
    change, a failure."""
    with another_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                 "ATTACHMENTS_DIR": app.config["ATTACHMENTS_DIR"]}) as other:
        from app.authz import public

        @other.get("/_test/flash")
        @cached_page()
        @public
        def with_flash():
            flash("Bir dəfəlik xəbər")
            return "flashed"

        @other.get("/_test/form")
        @cached_page()
        @public
        def with_form():
            return render_template_string("<form method=post>{{ csrf_token() }}</form>")

        @other.get("/_test/cookie")
        @cached_page()
        @public
        def with_cookie():
            response = other.make_response("cookie")
            response.set_cookie("seen", "1")
            return response

        @other.get("/_test/session")
        @cached_page()
        @public
        def with_session():
            from flask import session

            session["visited"] = True
            return "session"

        @other.get("/_test/fails")
        @cached_page()
        @public
        def fails():
            db.session.execute(select(District)).all()
            raise RuntimeError("boom")

        yield other


@pytest.mark.parametrize("path", ["/_test/flash", "/_test/form", "/_test/cookie", "/_test/session"])
def test_a_page_made_for_one_visitor_is_never_stored(bare, path):
    response = bare.test_client().get(path)
    assert response.status_code == 200 and response.headers["X-Cache"] == "BYPASS"
    # Another visitor gets the view's own page, not the first one's.
    other = bare.test_client().get(path)
    assert other.headers["X-Cache"] == "BYPASS"


def test_a_failing_page_leaves_nothing_recorded(bare):
    client = bare.test_client()
    assert client.get("/_test/fails").status_code == 500
    with bare.app_context():
        assert cache._reading.get() == ()


def test_workers_sharing_redis_see_each_others_changes(app, world):
    """Two applications (two app servers) on one Redis: a change committed through one retires the other's page."""
    prefix = f"test-{uuid.uuid4().hex}"
    settings = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "ATTACHMENTS_DIR": app.config["ATTACHMENTS_DIR"], "CACHE_URL": "redis://127.0.0.1:6379/0",
                "REDIS_PREFIX": prefix}
    with another_app("testing", settings) as one, another_app("testing", settings) as two:
        assert isinstance(cache.store(one), cache.RedisStore)
        first = one.test_client()
        assert first.get("/news/").headers["X-Cache"] == "MISS"
        assert two.test_client().get("/news/").headers["X-Cache"] == "HIT"
        with two.app_context():
            db.session.scalar(select(ArticleText).where(ArticleText.article_id == world["article"],
                                                        ArticleText.lang == "az")).title = "Redisdən keçən xəbər"
            db.session.commit()
        fresh = first.get("/news/")
        assert fresh.headers["X-Cache"] == "MISS" and "Redisdən keçən xəbər" in fresh.get_data(as_text=True)
        import redis

        client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)


def test_a_cache_that_is_down_is_a_miss_not_an_error(app, world):
    settings = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "ATTACHMENTS_DIR": app.config["ATTACHMENTS_DIR"], "CACHE_URL": "redis://127.0.0.1:1/0"}
    with another_app("testing", settings) as other:
        client = other.test_client()
        for _ in range(2):
            response = client.get("/news/")
            assert response.status_code == 200 and "Yeni park açıldı" in response.get_data(as_text=True)
