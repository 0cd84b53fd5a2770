"""Proposals through the web: every page in three languages, bad input beside its field, one support each,
the head's answer (another district's proposal is a 404), lists at a fixed number of statements."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Category, District, Proposal, ProposalSupport, User, utcnow
from app.proposals import service as proposals
from tests.appeals.test_views import field_error
from tests.factories import EXE, PASSWORD, PNG, create_proposal, create_reference_data, create_user
from tests.snapshots import replayed
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture
def world(app):
    """Gəncə (threshold 2) with its head and official, Masallı's head and official, residents; four proposals.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("proposal views: world", _build_world)


def _build_world() -> dict:
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    head = create_user("head@example.az", full_name="Elçin Hüseynov", roles=[("head", gnc)])
    create_user("official@example.az", roles=[("official", gnc)])
    create_user("head.msl@example.az", roles=[("head", msl)])
    create_user("official.msl@example.az", roles=[("official", msl)])
    create_user("admin@example.az", roles=[("admin", None)])
    author = create_user("author@example.az", full_name="Aygün Həsənova")
    create_user("neighbour@example.az", full_name="Nurlan Sadıqov")
    create_user("new@example.az", confirmed=False)
    category = db.session.scalars(select(Category).order_by(Category.position)).first()
    proposals.update_settings(head, gnc.id, 2, 90)

    def make(title: str, publish: bool = True, district=gnc) -> Proposal:
        return create_proposal(author, district, category, title, publish=publish)

    open_one = make("Parkda velosiped yolu")
    reached = make("Məktəb yanında piyada keçidi")
    proposals.support(user("neighbour@example.az"), reached.id)
    proposals.support(author, reached.id)
    draft = make("Qaralama", publish=False)
    theirs = make("Masallıda bulaq", district=msl)
    return {"gnc": gnc.id, "msl": msl.id, "category": category.id, "open": open_one.id, "reached": reached.id,
            "draft": draft.id, "theirs": theirs.id}


def sign_in(web, client, email: str, lang: str = "en") -> None:
    web.login(email, PASSWORD)
    client.get(f"/?lang={lang}")


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_in_three_languages(web, client, world, lang):
    public = ["/proposals/", f"/proposals/?district=GNC&state=threshold_reached&category={world['category']}",
              f"/proposals/{world['open']}", f"/proposals/{world['reached']}"]
    for path in public:
        response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)
    sign_in(web, client, "author@example.az", lang)
    for path in ["/proposals/new", "/cabinet/proposals", "/cabinet/proposals/supports",
                 f"/cabinet/proposals/{world['draft']}/edit", f"/proposals/{world['draft']}"]:
        response = client.get(path)
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)
    web.post("/auth/logout", {}, form_url="/cabinet/")
    sign_in(web, client, "head@example.az", lang)
    for path in ["/office/proposals", f"/office/proposals/{world['reached']}", f"/office/proposals/{world['open']}",
                 "/office/proposals/settings"]:
        response = client.get(path)
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)


def test_the_public_page_shows_the_progress_in_words_and_the_deadline(client, world):
    html = client.get(f"/proposals/{world['reached']}?lang=en").get_data(as_text=True)
    assert "2 of 2 supports" in html and "100%" in html
    assert "Answer due by" in html and "Due in 15 working days" in html
    html = client.get(f"/proposals/{world['open']}?lang=en").get_data(as_text=True)
    assert "0 of 2 supports" in html and "Sign in to support this proposal" in html


def test_a_resident_writes_and_publishes_with_a_picture(app, web, client, world):
    sign_in(web, client, "neighbour@example.az")
    import io

    response = web.post("/proposals/new", {
        "district_id": world["gnc"], "category_id": world["category"], "title": "Küçədə skamyalar",
        "body": "Dayanacaqlarda skamya qoyulsun.", "publish": "1", "image": (io.BytesIO(PNG), "bench.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        made = db.session.scalar(select(Proposal).where(Proposal.title == "Küçədə skamyalar"))
        assert made.state == "published" and made.image_type == "image/png" and made.threshold == 2
        made_id = made.id
    picture = client.get(f"/proposals/{made_id}/image")
    assert picture.status_code == 200 and picture.mimetype == "image/png"


@pytest.mark.parametrize("changes, field, words", [
    ({"title": ""}, "title", "Give the proposal a title"),
    ({"title": "x" * 151}, "title", "at most 150 characters"),
    ({"body": ""}, "body", "Describe what you propose"),
    ({"district_id": "99999"}, "district_id", "Choose the district"),
    ({"category_id": "abc"}, "category_id", "Choose a category"),
])
def test_bad_input_is_refused_beside_its_field(app, web, client, world, changes, field, words):
    sign_in(web, client, "neighbour@example.az")
    before = count(app, Proposal)
    values = {"district_id": world["gnc"], "category_id": world["category"], "title": "Başlıq", "body": "Mətn",
              "publish": "1", **changes}
    response = web.post("/proposals/new", values)
    assert response.status_code == 422
    assert words in field_error(response.get_data(as_text=True), field)
    assert count(app, Proposal) == before


def test_a_file_that_is_not_an_image_is_refused(app, web, client, world):
    import io

    sign_in(web, client, "neighbour@example.az")
    before = count(app, Proposal)
    response = web.post("/proposals/new", {
        "district_id": world["gnc"], "category_id": world["category"], "title": "Başlıq", "body": "Mətn",
        "publish": "1", "image": (io.BytesIO(EXE), "photo.png")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "is not a PDF, JPEG or PNG file" in field_error(response.get_data(as_text=True), "image")
    assert count(app, Proposal) == before


def test_one_support_each_and_never_on_a_closed_proposal(app, web, client, world):
    sign_in(web, client, "neighbour@example.az")
    page = f"/proposals/{world['open']}"
    assert web.post(f"{page}/support", {}, form_url=page).status_code == 302
    again = web.post(f"{page}/support", {"support-submit": "1"}, form_url=f"/proposals/{world['reached']}")
    assert again.status_code == 422 and "already support" in again.get_data(as_text=True)
    assert count(app, ProposalSupport) == 3
    assert "Withdraw my support" in client.get(page).get_data(as_text=True)
    assert web.post(f"{page}/withdraw", {}, form_url=page).status_code == 302
    assert count(app, ProposalSupport) == 2
    with app.app_context():
        db.session.get(Proposal, world["open"]).support_until = utcnow() - timedelta(minutes=1)
        db.session.commit()
    closed = web.post(f"{page}/support", {}, form_url="/cabinet/")
    assert closed.status_code == 422 and "no more supports" in closed.get_data(as_text=True)
    assert count(app, ProposalSupport) == 2


def test_an_unconfirmed_resident_is_sent_to_confirm_first(web, client, world):
    sign_in(web, client, "new@example.az")
    assert client.get("/proposals/new").status_code == 403
    assert web.post(f"/proposals/{world['open']}/support", {}, form_url="/cabinet/").status_code == 403
    assert "Confirm your email address" in client.get(f"/proposals/{world['open']}").get_data(as_text=True)


def test_drafts_are_the_authors_alone(web, client, world):
    assert client.get(f"/proposals/{world['draft']}").status_code == 404
    sign_in(web, client, "neighbour@example.az")
    assert client.get(f"/proposals/{world['draft']}").status_code == 404
    assert client.get(f"/cabinet/proposals/{world['draft']}/edit").status_code == 404
    assert "Qaralama" not in client.get("/proposals/").get_data(as_text=True)


def test_the_author_edits_and_deletes_a_draft(app, web, client, world):
    sign_in(web, client, "author@example.az")
    edit = f"/cabinet/proposals/{world['draft']}/edit"
    bad = web.post(edit, {"district_id": world["gnc"], "category_id": world["category"], "title": "", "body": "Mətn",
                          "save": "1"})
    assert bad.status_code == 422
    assert web.post(edit, {"district_id": world["gnc"], "category_id": world["category"], "title": "Yeni",
                           "body": "Mətn", "save": "1"}).status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, world["draft"]).title == "Yeni"
    assert web.post(f"/cabinet/proposals/{world['draft']}/delete", {}, form_url="/cabinet/proposals").status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, world["draft"]) is None
    # A published proposal is no longer a draft to delete.
    assert web.post(f"/cabinet/proposals/{world['open']}/delete", {}, form_url="/cabinet/proposals").status_code == 404


def test_the_head_answers_and_the_public_sees_it(app, web, client, world):
    sign_in(web, client, "head@example.az")
    work = f"/office/proposals/{world['reached']}"
    bad = web.post(f"{work}/answer", {"answer-response": "Səbəb"}, form_url=work)
    assert bad.status_code == 422
    assert "Choose the decision" in field_error(bad.get_data(as_text=True), "answer-decision")
    empty = web.post(f"{work}/answer", {"answer-decision": "accepted", "answer-response": ""}, form_url=work)
    assert "Give the reasoning" in field_error(empty.get_data(as_text=True), "answer-response")
    done = web.post(f"{work}/answer", {"answer-decision": "partly_accepted",
                                       "answer-response": "Keçid gələn ay çəkiləcək."}, form_url=work)
    assert done.status_code == 302
    assert web.post(f"{work}/advance", {"advance-to_state": "in_progress"}, form_url=work).status_code == 302
    html = client.get(f"/proposals/{world['reached']}?lang=en").get_data(as_text=True)
    assert "Keçid gələn ay çəkiləcək." in html and "Partly accepted" in html and "In progress" in html


@pytest.mark.parametrize("email", ["head.msl@example.az", "official.msl@example.az", "official@example.az"])
def test_only_the_districts_head_answers_others_get_404(app, web, client, world, email):
    sign_in(web, client, email)
    work = f"/office/proposals/{world['reached']}"
    response = web.post(f"{work}/answer", {"answer-decision": "accepted", "answer-response": "Bəli."},
                        form_url="/office/")
    assert response.status_code == 404
    if email.endswith(".msl@example.az"):
        assert client.get(work).status_code == 404
    with app.app_context():
        assert db.session.get(Proposal, world["reached"]).state == "threshold_reached"


def test_settings_by_the_head_and_refused_input(app, web, client, world):
    sign_in(web, client, "head@example.az")
    bad = web.post("/office/proposals/settings", {"threshold": "0", "period_days": "abc"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "from 1 to" in field_error(html, "threshold") and "from 7 to 365" in field_error(html, "period_days")
    assert web.post("/office/proposals/settings", {"threshold": "250", "period_days": "60"}).status_code == 302
    with app.app_context():
        assert proposals.settings_for(world["gnc"]).threshold == 250
    # Another district's settings are a 404 for this head, open to the administrator.
    assert client.get(f"/office/proposals/settings?district={world['msl']}").status_code == 404
    web.post("/auth/logout", {}, form_url="/cabinet/")
    sign_in(web, client, "admin@example.az")
    assert client.get(f"/office/proposals/settings?district={world['msl']}").status_code == 200


def test_lists_run_a_fixed_number_of_statements(app, web, client, world, count_queries):
    """The public list, the cabinet's lists and the office list cost the same with 4 or 34 proposals."""
    def statements(path: str) -> int:
        with count_queries() as q:
            assert client.get(path).status_code == 200
        return q.count

    sign_in(web, client, "author@example.az")
    paths = ["/proposals/", "/proposals/?district=GNC&state=published", "/cabinet/proposals", "/cabinet/proposals/supports"]
    before = {path: statements(path) for path in paths}
    with app.app_context():
        author, neighbour = user("author@example.az"), user("neighbour@example.az")
        category = db.session.get(Category, world["category"])
        for i in range(30):
            # A day apart each, under the limit of new proposals per resident and day.
            when = utcnow() - timedelta(days=i + 2)
            made = proposals.create(author, proposals.ProposalInput(world["gnc"], category.id, f"Təklif {i}", "Mətn."),
                                    publish_now=True, now=when)
            proposals.support(author, made.id, now=when)
            proposals.support(neighbour, made.id, now=when)
    after = {path: statements(path) for path in paths}
    assert after == before
    web.post("/auth/logout", {}, form_url="/cabinet/")
    sign_in(web, client, "head@example.az")
    assert statements("/office/proposals") == statements("/office/proposals?page=2")


def test_the_expire_command_closes_what_ran_out_once(app, runner, world):
    with app.app_context():
        db.session.get(Proposal, world["open"]).support_until = utcnow() - timedelta(minutes=1)
        db.session.commit()
    first = runner.invoke(args=["proposals", "expire"])
    assert first.exit_code == 0 and "Closed 1 of 1 proposals" in first.output
    second = runner.invoke(args=["proposals", "expire"])
    assert second.exit_code == 0 and "Closed 0 of 0 proposals" in second.output
    with app.app_context():
        assert db.session.get(Proposal, world["open"]).state == "expired"
        # The one that reached its threshold is not closed, whatever its period.
        assert db.session.get(Proposal, world["reached"]).state == "threshold_reached"


def test_the_accountability_page_counts_the_districts_proposals(app, web, client, world):
    with app.app_context():
        proposals.answer(user("head@example.az"), world["reached"], "accepted", "Bəli.")
    html = client.get("/accountability/GNC?lang=en").get_data(as_text=True)
    section = html.split("Citizen proposals</h2>", 1)[1].split("</dl>", 1)[0]
    assert re.search(r"Reached their threshold</dt><dd>1<", section)
    assert re.search(r"Answered on time \(15 working days\)</dt><dd>1<", section)
    assert re.search(r"Accepted</dt><dd>1<", section)


def test_a_blocked_resident_is_told_on_the_page(app, web, client, world):
    from app.moderation import service as moderation

    with app.app_context():
        moderator = create_user("moderator@example.az", roles=[("moderator", db.session.get(District, world["gnc"]))])
        moderation.block(moderator, user("neighbour@example.az").id, "Spam", utcnow() + timedelta(days=3))
    sign_in(web, client, "neighbour@example.az")
    page = f"/proposals/{world['open']}"
    response = web.post(f"{page}/support", {}, form_url=page)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "You may not take part until" in html and "Spam" in html
    response = web.post("/proposals/new", {"district_id": world["gnc"], "category_id": world["category"],
                                           "title": "Başlıq", "body": "Mətn", "publish": "1"})
    assert response.status_code == 422 and "You may not take part until" in response.get_data(as_text=True)
    assert count(app, ProposalSupport) == 2


def test_report_then_hidden_shows_the_reason_in_its_place(app, web, client, world):
    from app.moderation import service as moderation

    sign_in(web, client, "neighbour@example.az")
    page = f"/proposals/{world['open']}"
    empty = web.post(f"{page}/report", {"report-reason": ""}, form_url=page)
    assert empty.status_code == 422 and "Give a reason" in field_error(empty.get_data(as_text=True), "report-reason")
    assert web.post(f"{page}/report", {"report-reason": "Reklamdır"}, form_url=page).status_code == 302
    with app.app_context():
        moderator = create_user("moderator@example.az", roles=[("moderator", db.session.get(District, world["gnc"]))])
        moderation.hide(moderator, "proposal", world["open"], "Kommersiya reklamı")
    html = client.get(f"{page}?lang=en").get_data(as_text=True)
    assert "Hidden by the moderator: Kommersiya reklamı" in html and "Parkda velosiped yolu" not in html
    assert "Hidden by the moderator" in client.get("/proposals/").get_data(as_text=True)
    web.post("/auth/logout", {}, form_url="/cabinet/")
    sign_in(web, client, "moderator@example.az")
    html = client.get(page).get_data(as_text=True)
    assert "Parkda velosiped yolu" in html and "you still see the original" in html


def test_the_expire_run_is_recorded(app, runner, world):
    from app.models import CommandRun

    assert runner.invoke(args=["proposals", "expire"]).exit_code == 0
    with app.app_context():
        run = db.session.scalars(select(CommandRun)).one()
        assert (run.name, run.outcome, run.summary) == ("proposals expire", "ok", "0 closed")
