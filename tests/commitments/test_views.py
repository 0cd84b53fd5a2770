"""Commitments through the web: public pages without names, editors' pages scoped to their district, feedback."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.commitments import service as commitments
from app.extensions import db
from app.kit.calendar import local_date
from app.models import Commitment, CommitmentFeedback, CommitmentLink, CommitmentMilestone, User, utcnow
from tests.appeals.test_views import field_error
from tests.factories import PASSWORD, create_appeal, create_reference_data, create_user
from tests.snapshots import replayed
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]


@pytest.fixture
def world(app):
    """Gəncə's editor, head and official, Masallı's editor, residents; a completed and an ongoing commitment.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("commitment views: world", _build_world)


def finished_and_ongoing(editor, neighbour, district_id: int, appeal_numbers: list[str],
                         **titles: str) -> tuple[Commitment, Commitment]:
    """A completed commitment (a past milestone, these appeals linked, the neighbour's feedback) and an ongoing one,
    without milestones yet; ``titles`` adds the completed one's other languages."""
    today = local_date(utcnow())
    finished = commitments.create(editor, district_id, commitments.CommitmentInput(
        title_az="Nizami küçəsinin təmiri", title_en="Repairing Nizami street", **titles,
        description_az="Küçənin asfalt örtüyü yenilənir.", status="completed", progress=100,
        planned_start=today - timedelta(days=200), planned_end=today - timedelta(days=60),
        actual_start=today - timedelta(days=190), actual_end=today - timedelta(days=50),
        planned_cost=Decimal("480000.00"), actual_cost=Decimal("499200.50")))
    commitments.add_milestone(editor, finished.id, commitments.MilestoneInput(
        title_az="Asfaltın döşənməsi", due_on=today - timedelta(days=70)))
    for number in appeal_numbers:
        commitments.link_appeal(editor, finished.id, number)
    commitments.record_feedback(neighbour, finished.id, False, "Səkilər hələ təmir olunmayıb.")
    ongoing = commitments.create(editor, district_id, commitments.CommitmentInput(
        title_az="Məktəbin isitmə sistemi", description_az="Radiatorlar dəyişdirilir.", status="in_progress",
        progress=40, planned_start=today - timedelta(days=30), planned_end=today + timedelta(days=120),
        actual_start=today - timedelta(days=20)))
    return finished, ongoing


def _build_world() -> dict:
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    editor = create_user("editor@example.az", full_name="Səbinə İsmayılova", roles=[("editor", gnc)])
    create_user("head@example.az", full_name="Elçin Hüseynov", roles=[("head", gnc)])
    create_user("official@example.az", roles=[("official", gnc)])
    create_user("editor.msl@example.az", roles=[("editor", msl)])
    applicant = create_user("citizen@example.az", full_name="Aygün Həsənova", locale="en")
    neighbour = create_user("neighbour@example.az", full_name="Nurlan Sadıqov")
    create_user("new@example.az", full_name="Təzə Sakin", confirmed=False)
    today = local_date(utcnow())
    published = create_appeal(applicant, gnc, subject="Yolda dərin çuxur var", public_ok=True)
    private = create_appeal(applicant, gnc, subject="Qonşumla mübahisə")
    theirs = create_appeal(applicant, msl, subject="Masallıda su yoxdur")
    finished, ongoing = finished_and_ongoing(editor, neighbour, gnc.id, [published.number, private.number])
    milestone = commitments.add_milestone(editor, ongoing.id, commitments.MilestoneInput(
        title_az="Boruların dəyişdirilməsi", due_on=today + timedelta(days=30)))
    return {"gnc": gnc.id, "msl": msl.id, "finished": finished.id, "ongoing": ongoing.id, "milestone": milestone.id,
            "published": published.number, "private": private.number, "theirs": theirs.number,
            "link": db.session.scalar(select(CommitmentLink.id).where(CommitmentLink.commitment_id == finished.id))}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def main(html: str) -> str:
    """The page's main content, without the header that names the signed-in person."""
    return html.split('<main', 1)[1].split("</main>", 1)[0]


def sign_in(web, client, email: str, lang: str = "en") -> None:
    web.login(email, PASSWORD)
    client.get(f"/?lang={lang}")


# --- Public pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_public_pages_show_numbers_but_never_a_name(app, client, world, lang):
    finished = f"/commitments/item/{world['finished']}"
    for path in ["/commitments/", "/commitments/GNC", finished, f"/commitments/item/{world['ongoing']}"]:
        html = client.get(f"{path}?lang={lang}").get_data(as_text=True)
        for name in ("Aygün", "Həsənova", "Nurlan", "Sadıqov", "Səbinə", "citizen@example.az"):
            assert name not in html, (path, name)
        assert "Qonşumla mübahisə" not in html, path  # the subject of an appeal not allowed for publication
    html = client.get(f"{finished}?lang={lang}").get_data(as_text=True)
    assert world["published"] in html and "Yolda dərin çuxur var" in html and world["private"] in html
    assert "Səkilər hələ təmir olunmayıb." in html
    # The title falls back to Azerbaijani where there is no translation.
    assert {"az": "Nizami küçəsinin təmiri", "ru": "Nizami küçəsinin təmiri", "en": "Repairing Nizami street"}[lang] in html
    assert client.get("/commitments/ZZZ").status_code == 404
    assert client.get("/commitments/item/999999").status_code == 404


def test_the_public_list_filters_by_status(client, world):
    completed = client.get("/commitments/GNC?status=completed&lang=en").get_data(as_text=True)
    assert f"/commitments/item/{world['finished']}" in completed and f"/commitments/item/{world['ongoing']}" not in completed
    everything = client.get("/commitments/GNC?status=whatever").get_data(as_text=True)
    assert f"/commitments/item/{world['finished']}" in everything and f"/commitments/item/{world['ongoing']}" in everything
    assert "/commitments/item/" not in client.get("/commitments/MSL").get_data(as_text=True)


@pytest.mark.parametrize("lang", LANGS)
def test_every_commitment_page_keeps_the_portals_promises(app, web, client, world, lang):
    public = ["/commitments/", "/commitments/GNC", f"/commitments/item/{world['finished']}",
              f"/commitments/item/{world['ongoing']}"]
    for path in public:
        response = client.get(f"{path}?lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)
    sign_in(web, client, "neighbour@example.az", lang)
    page = client.get(f"/commitments/item/{world['finished']}")
    assert 'name="feedback-delivered"' in page.get_data(as_text=True)
    check_page(page.get_data(as_text=True), lang)
    web.post("/auth/logout", {}, form_url="/cabinet/")
    sign_in(web, client, "editor@example.az", lang)
    for path in ["/office/commitments/", "/office/commitments/new", f"/office/commitments/{world['finished']}",
                 f"/office/commitments/{world['ongoing']}", f"/office/commitments/{world['ongoing']}/edit"]:
        response = client.get(path)
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)
    # And with errors beside the fields.
    bad = web.post("/office/commitments/new", {"title_az": "", "planned_cost": "-5"})
    assert bad.status_code == 422
    check_page(bad.get_data(as_text=True), lang)


# --- Residents' feedback -----------------------------------------------------------------------------


def test_a_resident_says_whether_it_was_delivered_and_changes_their_word(app, web, client, world):
    item = f"/commitments/item/{world['finished']}"
    sign_in(web, client, "citizen@example.az")
    missing = web.post(f"{item}/feedback", {"feedback-comment": "Yaxşıdır"}, form_url=item)
    assert missing.status_code == 422 and "delivered" in field_error(missing.get_data(as_text=True), "feedback-delivered")
    long = web.post(f"{item}/feedback", {"feedback-delivered": "yes", "feedback-comment": "x" * 1001}, form_url=item)
    assert long.status_code == 422 and "1000" in field_error(long.get_data(as_text=True), "feedback-comment")
    assert count(app, CommitmentFeedback) == 1
    sent = web.post(f"{item}/feedback", {"feedback-delivered": "yes", "feedback-comment": "Yol əladır."}, form_url=item)
    assert sent.status_code == 302
    page = main(client.get(item).get_data(as_text=True))
    assert "Yol əladır." in page and "Change your feedback" in page and "Aygün" not in page
    changed = web.post(f"{item}/feedback", {"feedback-delivered": "no", "feedback-comment": ""}, form_url=item)
    assert changed.status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(CommitmentFeedback).order_by(CommitmentFeedback.id)).all()
        assert [(r.delivered, r.comment) for r in rows] == [(False, "Səkilər hələ təmir olunmayıb."), (False, None)]


def test_feedback_on_unfinished_work_or_without_a_confirmed_account_is_refused(app, web, client, world):
    ongoing = f"/commitments/item/{world['ongoing']}"
    finished = f"/commitments/item/{world['finished']}"
    visitor = client.get(finished).get_data(as_text=True)
    assert "/auth/login" in visitor and 'name="feedback-delivered"' not in visitor
    sign_in(web, client, "new@example.az")
    assert 'name="feedback-delivered"' not in client.get(finished).get_data(as_text=True)
    assert web.post(f"{finished}/feedback", {"feedback-delivered": "yes"}, form_url=finished).status_code == 403
    web.post("/auth/logout", {}, form_url="/cabinet/")
    sign_in(web, client, "citizen@example.az")
    assert 'name="feedback-delivered"' not in client.get(ongoing).get_data(as_text=True)
    early = web.post(f"{ongoing}/feedback", {"feedback-delivered": "yes"}, form_url=finished)
    assert early.status_code == 422 and "once it is completed" in early.get_data(as_text=True)
    assert count(app, CommitmentFeedback) == 1


# --- Editors --------------------------------------------------------------------------------------------


def form_fields(**changes) -> dict[str, str]:
    """A good commitment as the form posts it; keyword arguments change any field."""
    today = local_date(utcnow())
    fields = {"title_az": "Parkın abadlaşdırılması", "title_ru": "", "title_en": "", "description_az": "Skamyalar təmir olunur.",
              "description_ru": "", "description_en": "", "department_id": "", "status": "planned", "progress": "0",
              "planned_start": (today + timedelta(days=10)).isoformat(), "planned_end": (today + timedelta(days=90)).isoformat(),
              "actual_start": "", "actual_end": "", "planned_cost": "12 500,50", "actual_cost": ""}
    fields.update(changes)
    return fields


def test_bad_input_comes_back_beside_its_field_with_422_and_nothing_is_stored(app, web, client, world):
    sign_in(web, client, "editor@example.az")
    before = count(app, Commitment)
    cases = [
        ({"planned_end": (local_date(utcnow()) + timedelta(days=5)).isoformat()}, "planned_end", "before the planned start"),
        ({"planned_cost": "-100"}, "planned_cost", "negative"),
        ({"planned_cost": "a lot"}, "planned_cost", "number"),
        ({"progress": "150"}, "progress", "0 to 100"),
        ({"progress": "most"}, "progress", "0 to 100"),
        ({"planned_start": "next tuesday"}, "planned_start", "year-month-day"),
        ({"title_az": ""}, "title_az", "Azerbaijani"),
        ({"title_en": "x" * 201}, "title_en", "200"),
        ({"status": "completed", "progress": "100"}, "actual_end", "completed"),
    ]
    for changes, field, words in cases:
        response = web.post("/office/commitments/new", form_fields(**changes))
        assert response.status_code == 422, changes
        assert words in field_error(response.get_data(as_text=True), field), changes
    assert count(app, Commitment) == before
    made = web.post("/office/commitments/new", form_fields(progress="0%"))
    assert made.status_code == 302
    with app.app_context():
        made_row = db.session.scalar(select(Commitment).where(Commitment.title_az == "Parkın abadlaşdırılması"))
        assert made_row.planned_cost == Decimal("12500.50") and made_row.title_in("en") == "Parkın abadlaşdırılması"
    assert count(app, Commitment) == before + 1


def test_an_edit_with_bad_input_changes_nothing(app, web, client, world):
    sign_in(web, client, "editor@example.az")
    edit = f"/office/commitments/{world['ongoing']}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert 'value="Məktəbin isitmə sistemi"' in page and 'value="40"' in page
    bad = web.post(edit, form_fields(title_az="Başqa ad", status="in_progress", progress="40", actual_cost="-1"))
    assert bad.status_code == 422 and "negative" in field_error(bad.get_data(as_text=True), "actual_cost")
    with app.app_context():
        assert db.session.get(Commitment, world["ongoing"]).title_az == "Məktəbin isitmə sistemi"


def test_the_editor_maintains_milestones_and_links(app, web, client, world):
    sign_in(web, client, "head@example.az")
    work = f"/office/commitments/{world['ongoing']}"
    empty = web.post(f"{work}/milestones", {"milestone-title_az": "", "milestone-due_on": ""}, form_url=work)
    assert empty.status_code == 422 and field_error(empty.get_data(as_text=True), "milestone-title_az")
    assert field_error(empty.get_data(as_text=True), "milestone-due_on")
    added = web.post(f"{work}/milestones", {"milestone-title_az": "Radiatorlar", "milestone-title_ru": "Радиаторы",
                                            "milestone-due_on": (local_date(utcnow()) + timedelta(days=60)).isoformat()},
                     form_url=work)
    assert added.status_code == 302
    milestone = f"/office/commitments/milestones/{world['milestone']}"
    future = web.post(f"{milestone}/done", {f"done{world['milestone']}-done_on": "2099-01-01"}, form_url=work)
    assert future.status_code == 422 and "future" in field_error(future.get_data(as_text=True), f"done{world['milestone']}-done_on")
    assert web.post(f"{milestone}/done", {f"done{world['milestone']}-done_on": ""}, form_url=work).status_code == 302
    with app.app_context():
        assert db.session.get(CommitmentMilestone, world["milestone"]).done_on == local_date(utcnow())
        assert count(app, CommitmentMilestone) == 3
    assert web.post(f"{milestone}/reopen", {}, form_url=work).status_code == 302
    with app.app_context():
        assert db.session.get(CommitmentMilestone, world["milestone"]).done_on is None

    for number, words in [("", "registration number"), ("GNC-1", "looks like"), (world["theirs"], "No appeal of"),
                          ("GNC-2026-999999", "No appeal of")]:
        refused = web.post(f"{work}/links", {"link-number": number}, form_url=work)
        assert refused.status_code == 422 and words in field_error(refused.get_data(as_text=True), "link-number"), number
    assert world["theirs"] not in field_error(refused.get_data(as_text=True), "link-number")
    assert web.post(f"{work}/links", {"link-number": world["published"].lower()}, form_url=work).status_code == 302
    page = client.get(work).get_data(as_text=True)
    # The head works the district's appeals, so the number leads to the appeal in the official cabinet.
    assert world["published"] in page and "/office/appeals/" in page
    with app.app_context():
        link = db.session.scalar(select(CommitmentLink.id).where(CommitmentLink.commitment_id == world["ongoing"]))
    assert web.post(f"/office/commitments/links/{link}/unlink", {}, form_url=work).status_code == 302
    assert count(app, CommitmentLink) == 2


def test_the_editor_reaches_the_pages_from_the_office_and_an_official_does_not(app, web, client, world):
    sign_in(web, client, "editor@example.az")
    assert "/office/commitments/" in client.get("/office/").get_data(as_text=True)
    work = main(client.get(f"/office/commitments/{world['finished']}").get_data(as_text=True))
    # An editor does not work appeals: the number is plain text, the applicant stays unnamed.
    assert world["private"] in work and "/office/appeals/" not in work and "Aygün" not in work
    web.post("/auth/logout", {}, form_url="/cabinet/")
    sign_in(web, client, "official@example.az")
    assert "/office/commitments/" not in client.get("/office/").get_data(as_text=True)
    assert client.get("/office/commitments/").status_code == 403


def test_another_districts_editor_gets_404_and_changes_nothing(app, web, client, world):
    sign_in(web, client, "editor.msl@example.az")
    ongoing, finished = world["ongoing"], world["finished"]
    for path in [f"/office/commitments/{ongoing}", f"/office/commitments/{ongoing}/edit",
                 f"/office/commitments/?district={world['gnc']}", f"/office/commitments/new?district={world['gnc']}"]:
        assert client.get(path).status_code == 404, path
    posts = [
        (f"/office/commitments/{ongoing}/edit", form_fields(title_az="Ələ keçirilmiş")),
        (f"/office/commitments/new?district={world['gnc']}", form_fields(title_az="Ələ keçirilmiş")),
        (f"/office/commitments/{ongoing}/milestones", {"milestone-title_az": "X", "milestone-due_on": "2030-01-01"}),
        (f"/office/commitments/milestones/{world['milestone']}/done", {f"done{world['milestone']}-done_on": ""}),
        (f"/office/commitments/milestones/{world['milestone']}/reopen", {}),
        (f"/office/commitments/{finished}/links", {"link-number": world["published"]}),
        (f"/office/commitments/links/{world['link']}/unlink", {}),
    ]
    for path, data in posts:
        assert web.post(path, data, form_url="/office/commitments/").status_code == 404, path
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Commitment).where(Commitment.title_az == "Ələ keçirilmiş")) == 0
        assert db.session.get(CommitmentMilestone, world["milestone"]).done_on is None
        assert db.session.get(Commitment, ongoing).title_az == "Məktəbin isitmə sistemi"
    assert count(app, CommitmentLink) == 2 and count(app, CommitmentMilestone) == 2
    # Their own list is Masallı's, empty; Gəncə's commitments do not appear in it.
    own = client.get("/office/commitments/").get_data(as_text=True)
    assert "Məktəbin isitmə sistemi" not in own


def test_visitors_and_residents_cannot_open_the_editors_pages(app, web, client, world):
    assert client.get("/office/commitments/").status_code == 302
    sign_in(web, client, "citizen@example.az")
    assert client.get("/office/commitments/").status_code == 403
    assert client.get(f"/office/commitments/{world['ongoing']}").status_code == 403


def test_commitment_lists_run_a_fixed_number_of_statements(app, web, client, world, count_queries):
    """The public list and the editor's list cost the same with 2 or 14 commitments."""
    def statements(path: str) -> int:
        with count_queries() as q:
            assert client.get(path).status_code == 200
        return q.count

    sign_in(web, client, "editor@example.az")
    paths = ["/commitments/GNC", "/office/commitments/", f"/commitments/item/{world['finished']}"]
    before = {path: statements(path) for path in paths}
    with app.app_context():
        editor = db.session.scalar(select(User).where(User.email == "editor@example.az"))
        for i in range(12):
            made = commitments.create(editor, world["gnc"], commitments.CommitmentInput(
                title_az=f"Öhdəlik {i}", description_az="Təsvir", planned_start=date(2027, 1, 1),
                planned_end=date(2027, 6, 1)))
            commitments.add_milestone(editor, made.id, commitments.MilestoneInput(title_az="Mərhələ", due_on=date(2027, 2, 1)))
    after = {path: statements(path) for path in paths}
    assert after == before
