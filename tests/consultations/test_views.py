"""Consultation and moderation pages through the test client: every page in three languages, each bad input
refused with its message and nothing stored, other districts' records as 404s, the report → hide loop."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.consultations import service as consultations
from app.extensions import db
from app.kit.calendar import local_date
from app.models import (
    Consultation,
    ConsultationComment,
    ConsultationResponse,
    ConsultationSection,
    Report,
    UserBlock,
    utcnow,
)
from app.moderation import service as moderation
from tests.consultation_helpers import make_consultation
from tests.factories import PASSWORD, create_reference_data, create_user
from tests.snapshots import replayed
from tests.test_pages import LANGS, check_page


@pytest.fixture
def world(app):
    with app.app_context():
        return replayed("consultation views: world", lambda: _build_world(app))


def _build_world(app) -> dict:
    """The world's rows, built the first time and replayed after (tests/snapshots.py)."""
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    editor = create_user("editor.gnc@example.az", roles=[("editor", gnc)])
    create_user("editor.msl@example.az", roles=[("editor", msl)])
    create_user("mod.gnc@example.az", roles=[("moderator", gnc)])
    create_user("mod.msl@example.az", roles=[("moderator", msl)])
    resident = create_user("resident@example.az", full_name="Aygün Həsənova")
    other = create_user("other@example.az", full_name="Rəşad Məmmədov")
    create_user("new@example.az", confirmed=False)
    with app.test_request_context():
        ids = {state: make_consultation(editor, gnc, state, title=f"Qayda {state}").id
               for state in ("draft", "upcoming", "open", "closed", "concluded")}
        c = db.session.get(Consultation, ids["open"])
        first = consultations.comment(other, c.id, c.sections[0].id, "Park 07:00-da açılsın.")
        consultations.comment(resident, c.id, None, "Razıyam.", parent_id=first.id)
        other_c = make_consultation(editor, gnc, "open", title="Başqa")
        foreign = consultations.comment(other, other_c.id, other_c.sections[0].id, "Başqa yerdə")
    return {"ids": ids, "first": first.id, "foreign": foreign.id, "section": c.sections[0].id,
            "gnc": gnc.id, "msl": msl.id, "resident": resident.id, "other": other.id}


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.mark.parametrize("lang", LANGS)
def test_public_pages_in_every_language(client, world, lang):
    pages = ["/consultations/", "/consultations/?district=GNC&state=open", "/consultations/?district=national",
             *[f"/consultations/{world['ids'][s]}" for s in ("upcoming", "open", "closed", "concluded")]]
    for path in pages:
        response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)


def test_the_list_filters_and_draws_no_draft(client, world):
    html = client.get("/consultations/").get_data(as_text=True)
    assert "Qayda open" in html and "Qayda draft" not in html
    html = client.get("/consultations/?state=concluded").get_data(as_text=True)
    assert "Qayda concluded" in html and "Qayda open" not in html
    assert "Qayda open" not in client.get("/consultations/?district=MSL").get_data(as_text=True)
    assert client.get("/consultations/?district=XXX&state=nonsense&page=abc").status_code == 200
    assert client.get(f"/consultations/{world['ids']['draft']}").status_code == 404
    assert client.get("/consultations/99999999").status_code == 404


def test_the_list_costs_a_constant_number_of_statements(app, client, world, count_queries):
    with count_queries() as few:
        client.get("/consultations/")
    with app.app_context(), app.test_request_context():
        from app.models import District, User

        editor = db.session.scalar(select(User).where(User.email == "editor.gnc@example.az"))
        for i in range(6):
            make_consultation(editor, db.session.get(District, world["gnc"]), "open", title=f"Əlavə {i}")
    with count_queries() as many:
        client.get("/consultations/")
    assert many.count == few.count


def test_closed_and_concluded_pages_show_results_and_the_outcome(client, world, app):
    with app.app_context():
        c = db.session.get(Consultation, world["ids"]["concluded"])
        q = c.questions[0]
        db.session.add(ConsultationResponse(consultation_id=c.id, citizen_id=world["resident"]))
        db.session.flush()
        from app.models import ConsultationAnswer
        response = db.session.scalar(select(ConsultationResponse))
        db.session.add(ConsultationAnswer(response_id=response.id, question_id=q.id, option_id=q.options[0].id))
        db.session.commit()
    html = client.get(f"/consultations/{world['ids']['concluded']}?lang=en").get_data(as_text=True)
    assert "What changed and why" in html and "Sakinlər ağızlıq istədi." in html and "ağızlıqla" in html
    assert 'role="img"' in html and "<th scope=\"row\">Yes</th><td>1</td>" in html
    html = client.get(f"/consultations/{world['ids']['open']}?lang=en").get_data(as_text=True)
    assert 'role="img"' not in html


def _sign_in(web, email):
    web.login(email, PASSWORD)


def test_a_resident_comments_replies_and_answers(web, client, world, app):
    _sign_in(web, "resident@example.az")
    url = f"/consultations/{world['ids']['open']}"
    response = web.post(f"{url}/comment", {"section_id": world["section"], "body": "Yeni fikir"}, form_url=url)
    assert response.status_code == 302 and "#comment-" in response.location
    response = web.post(f"{url}/comment", {"section_id": world["section"], "parent_id": world["first"], "body": "Cavab"},
                        form_url=url)
    assert response.status_code == 302
    with app.app_context():
        c = db.session.get(Consultation, world["ids"]["open"])
        q = c.questions[0]
    response = web.post(f"{url}/answers", {f"q{q.id}": q.options[1].id}, form_url=url)
    assert response.status_code == 302
    html = client.get(url + "?lang=en").get_data(as_text=True)
    assert "Yeni fikir" in html and "Rəşad M." in html and "Məmmədov" not in html
    assert "you have answered these questions" in html
    html = client.get("/cabinet/comments?lang=en").get_data(as_text=True)
    assert "Yeni fikir" in html and "Cavab" in html
    check_page(html, "en")


@pytest.mark.parametrize("state, body, parent, expected", [
    ("open", "", None, "Write your comment."),
    ("open", "   ", None, "Write your comment."),
    ("open", "x" * 2001, None, "Use at most 2000 characters."),
    ("closed", "Söz", None, "comment period is over"),
    ("upcoming", "Söz", None, "Comments open on"),
    ("open", "Söz", "foreign", "only to a comment of this consultation"),
])
def test_bad_comments_are_refused_with_the_reason(web, world, app, state, body, parent, expected):
    _sign_in(web, "resident@example.az")
    with app.app_context():
        before = _count(ConsultationComment)
        section = db.session.scalar(select(ConsultationSection.id).where(
            ConsultationSection.consultation_id == world["ids"][state]))
    url = f"/consultations/{world['ids'][state]}"
    data = {"section_id": section, "body": body, "lang": "en"}
    if parent:
        data["parent_id"] = world[parent]
    response = web.post(f"{url}/comment?lang=en", data, form_url=url)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert expected in html.replace("2,000", "2000")
    check_page(html, "en")
    with app.app_context():
        assert _count(ConsultationComment) == before


def test_an_unconfirmed_account_is_refused(web, world, app):
    _sign_in(web, "new@example.az")
    url = f"/consultations/{world['ids']['open']}"
    html = web.client.get(url + "?lang=en").get_data(as_text=True)
    assert "Confirm your email address" in html and 'name="body"' not in html
    response = web.post(f"{url}/comment?lang=en", {"section_id": world["section"], "body": "Söz"}, form_url=url)
    assert response.status_code == 422 and "Confirm your email address" in response.get_data(as_text=True)
    with app.app_context():
        assert _count(ConsultationComment) == 3


def test_a_blocked_user_is_told_until_when_and_why(web, world, app):
    with app.app_context(), app.test_request_context():
        from app.models import User

        mod = db.session.scalar(select(User).where(User.email == "mod.gnc@example.az"))
        moderation.block(mod, world["resident"], "Təhqiredici sözlər", utcnow() + timedelta(days=3))
    _sign_in(web, "resident@example.az")
    url = f"/consultations/{world['ids']['open']}"
    html = web.client.get(url + "?lang=en").get_data(as_text=True)
    assert "You may not take part until" in html and "Təhqiredici sözlər" in html
    response = web.post(f"{url}/comment?lang=en", {"section_id": world["section"], "body": "Söz"}, form_url=url)
    assert response.status_code == 422
    assert "You may not take part until" in response.get_data(as_text=True)
    with app.app_context():
        assert _count(ConsultationComment) == 3


def test_answers_need_every_question_and_come_once(web, world, app):
    _sign_in(web, "resident@example.az")
    url = f"/consultations/{world['ids']['open']}"
    response = web.post(f"{url}/answers?lang=en", {}, form_url=url)
    assert response.status_code == 422 and "Choose one of the answers." in response.get_data(as_text=True)
    with app.app_context():
        q = db.session.get(Consultation, world["ids"]["open"]).questions[0]
        assert _count(ConsultationResponse) == 0
    assert web.post(f"{url}/answers", {f"q{q.id}": q.options[0].id}, form_url=url).status_code == 302
    response = web.post(f"{url}/answers?lang=en", {f"q{q.id}": q.options[1].id}, form_url=f"{url}/comments/{world['first']}/report".replace(url, "/consultations"))
    assert response.status_code == 422 and "already answered" in response.get_data(as_text=True)


def test_report_hide_restore_loop(web, client, world, app):
    _sign_in(web, "resident@example.az")
    report_url = f"/consultations/comments/{world['first']}/report"
    page = client.get(report_url + "?lang=en")
    check_page(page.get_data(as_text=True), "en")
    response = web.post(f"{report_url}?lang=en", {"report-reason": ""}, form_url=report_url)
    assert response.status_code == 422 and "Give a reason." in response.get_data(as_text=True)
    response = web.post(report_url, {"report-reason": "Söyüş var"})
    assert response.status_code == 302
    response = web.post(f"{report_url}?lang=en", {"report-reason": "Yenə"}, form_url=report_url)
    assert response.status_code == 422 and "already reported" in response.get_data(as_text=True)
    with app.app_context():
        assert _count(Report) == 1
    web.post("/auth/logout", {}, form_url="/cabinet/")

    # A moderator of another district: the queue is empty and acting is a 404.
    _sign_in(web, "mod.msl@example.az")
    assert "Söyüş var" not in client.get("/office/moderation").get_data(as_text=True)
    response = web.post("/office/moderation/hide", {"target_type": "comment", "target_id": world["first"], "reason": "x"},
                        form_url="/office/moderation")
    assert response.status_code == 404
    with app.app_context():
        report_id = db.session.scalar(select(Report.id))
    assert web.post(f"/office/moderation/reports/{report_id}/dismiss", {}, form_url="/office/moderation").status_code == 404
    web.post("/auth/logout", {}, form_url="/cabinet/")

    _sign_in(web, "mod.gnc@example.az")
    for lang in LANGS:
        html = client.get(f"/office/moderation?lang={lang}").get_data(as_text=True)
        check_page(html, lang)
        assert "Söyüş var" in html
    response = web.post("/office/moderation/hide?lang=en", {"target_type": "comment", "target_id": world["first"],
                                                             "reason": ""}, form_url="/office/moderation")
    assert response.status_code == 422 and "Give a reason." in response.get_data(as_text=True)
    response = web.post("/office/moderation/hide", {"target_type": "comment", "target_id": world["first"],
                                                     "reason": "Təhqir"}, form_url="/office/moderation")
    assert response.status_code == 302
    url = f"/consultations/{world['ids']['open']}?lang=en"
    html = client.get(url).get_data(as_text=True)
    assert "Hidden by the moderator: Təhqir" in html and "Original, shown only to moderators" in html
    web.post("/auth/logout", {}, form_url="/cabinet/")
    html = client.get(url).get_data(as_text=True)
    assert "Hidden by the moderator: Təhqir" in html and "Park 07:00-da açılsın." not in html
    _sign_in(web, "mod.gnc@example.az")
    response = web.post("/office/moderation/restore", {"target_type": "comment", "target_id": world["first"],
                                                        "next": "/consultations/"}, form_url="/office/moderation")
    assert response.status_code == 302 and response.location.endswith("/consultations/")
    assert "Park 07:00-da açılsın." in client.get(url).get_data(as_text=True)


def test_blocking_and_lifting_through_the_office(web, client, world, app):
    _sign_in(web, "mod.gnc@example.az")
    url = f"/office/moderation/block/{world['other']}"
    for lang in LANGS:
        check_page(client.get(f"{url}?lang={lang}").get_data(as_text=True), lang)
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    response = web.post(f"{url}?lang=en", {"reason": "", "ends_on": yesterday}, form_url=url)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Give a reason." in html
    response = web.post(f"{url}?lang=en", {"reason": "Spam", "ends_on": yesterday}, form_url=url)
    assert response.status_code == 422 and "The end must be in the future." in response.get_data(as_text=True)
    response = web.post(f"{url}?lang=en", {"reason": "Spam", "ends_on": "not a date"}, form_url=url)
    assert response.status_code == 422
    with app.app_context():
        assert _count(UserBlock) == 0
    ends = (utcnow() + timedelta(days=5)).date().isoformat()
    assert web.post(url, {"reason": "Spam", "ends_on": ends}, form_url=url).status_code == 302
    for lang in LANGS:
        html = client.get(f"/office/moderation/blocks?lang={lang}").get_data(as_text=True)
        check_page(html, lang)
        assert "Rəşad Məmmədov" in html
    with app.app_context():
        block_id = db.session.scalar(select(UserBlock.id))
    web.post("/auth/logout", {}, form_url="/cabinet/")
    _sign_in(web, "mod.msl@example.az")
    assert "Rəşad" not in client.get("/office/moderation/blocks").get_data(as_text=True)
    assert web.post(f"/office/moderation/blocks/{block_id}/lift", {}, form_url="/office/moderation").status_code == 404
    web.post("/auth/logout", {}, form_url="/cabinet/")
    _sign_in(web, "mod.gnc@example.az")
    assert web.post(f"/office/moderation/blocks/{block_id}/lift", {}, form_url="/office/moderation").status_code == 302
    with app.app_context():
        assert db.session.get(UserBlock, block_id).lifted_at is not None


def test_residents_and_editors_may_not_moderate(web, client, world):
    _sign_in(web, "resident@example.az")
    assert client.get("/office/moderation").status_code == 403
    assert client.get("/office/consultations/").status_code == 403
    web.post("/auth/logout", {}, form_url="/cabinet/")
    _sign_in(web, "editor.gnc@example.az")
    assert client.get("/office/moderation").status_code == 403


@pytest.mark.parametrize("lang", LANGS)
def test_editor_pages_in_every_language(web, client, world, app, lang):
    _sign_in(web, "editor.gnc@example.az")
    with app.app_context():
        draft = db.session.get(Consultation, world["ids"]["draft"])
        section, question = draft.sections[0].id, draft.questions[0].id
        closed = db.session.get(Consultation, world["ids"]["closed"])
        closed_section = closed.sections[0].id
    pages = ["/office/consultations/", "/office/consultations/new", f"/office/consultations/{draft.id}",
             f"/office/consultations/{draft.id}/edit", f"/office/consultations/{draft.id}/sections/new",
             f"/office/consultations/sections/{section}/edit", f"/office/consultations/{draft.id}/questions/new",
             f"/office/consultations/{closed.id}", f"/office/consultations/sections/{closed_section}/outcome",
             f"/office/consultations/{closed.id}/outcome", f"/consultations/{draft.id}"]
    for path in pages:
        response = client.get(f"{path}?lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)
    assert question


def test_the_editor_loop_and_bad_input(web, client, world, app):
    _sign_in(web, "editor.gnc@example.az")
    today = local_date(utcnow())  # Baku's date: the form's dates are Baku's (UTC's lags by a day at night)
    response = web.post("/office/consultations/new?lang=en", {
        "district_id": str(world["gnc"]), "title_az": "", "summary_az": "Mətn",
        "opens_on": today.isoformat(), "closes_on": (today - timedelta(days=3)).isoformat()},
        form_url="/office/consultations/new")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Write the title in Azerbaijani." in html and "cannot be before the first" in html
    response = web.post("/office/consultations/new", {
        "district_id": str(world["msl"]), "title_az": "X", "summary_az": "Y",
        "opens_on": today.isoformat(), "closes_on": today.isoformat()}, form_url="/office/consultations/new")
    assert response.status_code == 422
    with app.app_context():
        before = _count(Consultation)
    response = web.post("/office/consultations/new", {
        "district_id": str(world["gnc"]), "title_az": "Yeni qayda", "summary_az": "Haqqında",
        "opens_on": today.isoformat(), "closes_on": (today + timedelta(days=10)).isoformat()},
        form_url="/office/consultations/new")
    assert response.status_code == 302
    new_id = int(response.location.rstrip("/").split("/")[-1])
    response = web.post(f"/office/consultations/{new_id}/publish?lang=en", {}, form_url=f"/office/consultations/{new_id}")
    assert response.status_code == 422 and "at least one section" in response.get_data(as_text=True)
    assert web.post(f"/office/consultations/{new_id}/sections/new", {"title_az": "Bölmə", "body_az": "Mətn"},
                    form_url=f"/office/consultations/{new_id}/sections/new").status_code == 302
    assert web.post(f"/office/consultations/{new_id}/questions/new",
                    {"text_az": "Sual?", "options_az": "Bəli\nXeyr"},
                    form_url=f"/office/consultations/{new_id}/questions/new").status_code == 302
    assert web.post(f"/office/consultations/{new_id}/publish", {},
                    form_url=f"/office/consultations/{new_id}").status_code == 302
    with app.app_context():
        assert _count(Consultation) == before + 1
        assert db.session.get(Consultation, new_id).status == "published"
    closed = world["ids"]["closed"]
    response = web.post(f"/office/consultations/{closed}/outcome?lang=en", {"outcome_az": ""},
                        form_url=f"/office/consultations/{closed}/outcome")
    assert response.status_code == 422
    assert web.post(f"/office/consultations/{closed}/outcome", {"outcome_az": "Dəyişmədi."},
                    form_url=f"/office/consultations/{closed}/outcome").status_code == 302


def test_another_districts_editor_gets_404(web, client, world):
    _sign_in(web, "editor.msl@example.az")
    for state in ("draft", "open"):
        assert client.get(f"/office/consultations/{world['ids'][state]}").status_code == 404
    assert client.get(f"/consultations/{world['ids']['draft']}").status_code == 404
    assert web.post(f"/office/consultations/{world['ids']['draft']}/publish", {},
                    form_url="/office/consultations/").status_code == 404
    assert client.get(f"/office/consultations/sections/{world['section']}/edit").status_code == 404


def test_the_accountability_page_counts_consultations_and_comments(client, world):
    html = client.get("/accountability/GNC?lang=en").get_data(as_text=True)
    # Held: the open, closed and concluded ones and the other open one (the upcoming one's period has not begun,
    # a draft is not held); comments: the three written in the fixture.
    assert "Consultations held" in html
    held = html.split("Consultations held</dt><dd>")[1].split("</dd>")[0]
    comments = html.split("Comments received</dt><dd>")[1].split("</dd>")[0]
    assert (held.strip(), comments.strip()) == ("4", "3")
    assert "Consultations held</dt><dd>0" in client.get("/accountability/MSL?lang=en").get_data(as_text=True)
