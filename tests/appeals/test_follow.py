"""Following a public appeal: from its public page or the similar list, the news of its answer in the follower's
notification centre (never the applicant's name, never the applicant's page), unfollowing, the cabinet list, and
what stops the news: the appeal made confidential, the account closed."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts import mydata
from app.appeals import follow
from app.appeals import service as appeals
from app.extensions import db
from app.models import Appeal, AppealFollower, Category, Notification, OutboxMessage, User
from tests.factories import PASSWORD, create_appeal, create_reference_data, create_user
from tests.snapshots import replayed
from tests.test_pages import check_page

APPLICANT = "Aygün Həsənova"
APPLICANT_PHONE = "+994 50 123 45 67"


@pytest.fixture
def world(app):
    """A public open appeal of Gəncə by its applicant, a non-public one, a resident who may follow, an unconfirmed
    one, and Gəncə's official. Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("appeals follow: world", _build_world)


def _build_world():
    districts = create_reference_data()
    gnc = districts["GNC"]
    category = db.session.scalar(select(Category).where(Category.code == "utilities"))
    applicant = create_user("applicant@example.az", full_name=APPLICANT)
    follower = create_user("follower@example.az", full_name="Nurlan Sadıqov", locale="en")
    create_user("unconfirmed@example.az", confirmed=False)
    official = create_user("official@example.az", roles=[("official", gnc)])
    shown = create_appeal(applicant, gnc, category, subject="Suyun kəsilməsi", text="Su yoxdur.", public_ok=True,
                          applicant_phone=APPLICANT_PHONE)
    hidden = create_appeal(applicant, gnc, category, subject="Qonşu ilə mübahisə", text="Şəxsi məsələ.")
    return {"appeal": shown.id, "number": shown.number, "hidden": hidden.id, "official": official.id,
            "applicant": applicant.id, "follower": follower.id}


def follow_on_web(web, world, appeal_id=None, **data):
    """Press "Follow this appeal" on the public page; the page it leads back to is opened, as a browser would (its
    confirmation is shown there, and only there)."""
    appeal_id = appeal_id or world["appeal"]
    response = web.post(f"/cabinet/appeals/{appeal_id}/follow", data, form_url=f"/appeals/public/GNC/{world['appeal']}")
    if response.status_code == 302:
        web.client.get(response.headers["Location"])
    return response


def answer(app, world, appeal_id=None, text="Su təchizatı bərpa olundu."):
    """The official registers the appeal, takes it into work and answers, through the use cases."""
    with app.app_context():
        official = db.session.get(User, world["official"])
        appeal_id = appeal_id or world["appeal"]
        appeals.transition(official, appeal_id, "registered")
        appeals.transition(official, appeal_id, "in_progress")
        appeals.transition(official, appeal_id, "answered", appeals.StepData(answer=text))


def followed_news(app, user_id: int) -> list[Notification]:
    with app.app_context():
        rows = list(db.session.scalars(select(Notification).where(
            Notification.user_id == user_id, Notification.kind == "appeal.followed").order_by(Notification.id)))
        db.session.expunge_all()
        return rows


def follower_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AppealFollower))


# --- Following, and its news -----------------------------------------------------------------------------------


def test_following_one_brings_its_answer_to_the_followers_notification_centre(app, web, client, world):
    web.login("follower@example.az", PASSWORD)
    page = client.get(f"/appeals/public/GNC/{world['appeal']}?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Follow this appeal" in html and APPLICANT not in html
    check_page(html, "en")

    response = follow_on_web(web, world)
    assert response.status_code == 302 and response.headers["Location"] == f"/appeals/public/GNC/{world['appeal']}"
    assert follower_rows(app) == 1
    answer(app, world)

    news = followed_news(app, world["follower"])
    assert len(news) == 1
    # The public page, never the applicant's own; the follower's language; no name, no contact.
    assert news[0].link == f"/appeals/public/GNC/{world['appeal']}" and news[0].appeal_id == world["appeal"]
    assert news[0].text.startswith(f"Appeal {world['number']}, which you follow, is answered")
    assert APPLICANT not in news[0].text and APPLICANT_PHONE not in news[0].text
    centre = client.get("/cabinet/notifications?lang=en").get_data(as_text=True)
    assert f"Appeal {world['number']}, which you follow, is answered" in centre
    opened = client.get(f"/cabinet/notifications/{news[0].id}")
    assert opened.headers["Location"] == f"/appeals/public/GNC/{world['appeal']}"
    answered_page = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert "Su təchizatı bərpa olundu." in answered_page and APPLICANT not in answered_page
    # The kind's default is an email at once: to the follower, with the public link and without the applicant.
    with app.app_context():
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "follower@example.az"))
        assert mail is not None and f"/appeals/public/GNC/{world['appeal']}" in mail.body
        assert APPLICANT not in mail.body and "/cabinet/appeals/" not in mail.body
    # The applicant hears of their own appeal the usual way, not as a follower.
    assert followed_news(app, world["applicant"]) == []


@pytest.mark.parametrize("step", ["closed", "forwarded", "not_considered", "withdrawn", "reopened"])
def test_the_follower_is_told_when_the_appeals_course_ends_or_changes(app, web, world, step):
    web.login("follower@example.az", PASSWORD)
    follow_on_web(web, world)
    with app.app_context():
        official = db.session.get(User, world["official"])
        applicant = db.session.get(User, world["applicant"])
        appeal_id = world["appeal"]
        if step == "forwarded":
            appeals.transition(official, appeal_id, "forwarded", appeals.StepData(forwarded_to="Azərsu ASC"))
        elif step == "not_considered":
            appeals.transition(official, appeal_id, "not_considered",
                               appeals.StepData(ground="repeated", note="Eyni məsələ artıq baxılıb."))
        elif step == "withdrawn":
            appeals.transition(applicant, appeal_id, "not_considered", appeals.StepData())
    if step in ("closed", "reopened"):
        answer(app, world)
        with app.app_context():
            applicant = db.session.get(User, world["applicant"])
            if step == "closed":
                appeals.transition(applicant, world["appeal"], "closed", appeals.StepData(rating=4))
            else:
                appeals.transition(applicant, world["appeal"], "reopened", appeals.StepData(note="Su yenə yoxdur."))
    texts = [n.text for n in followed_news(app, world["follower"])]
    expected = {"closed": "is closed", "forwarded": "forwarded to the competent body",
                "not_considered": "left without consideration", "withdrawn": "withdrawn by its applicant",
                "reopened": "is reopened"}[step]
    assert expected in texts[-1] and all(APPLICANT not in t for t in texts)


def test_steps_of_no_news_tell_the_follower_nothing(app, web, world):
    web.login("follower@example.az", PASSWORD)
    follow_on_web(web, world)
    with app.app_context():
        official = db.session.get(User, world["official"])
        appeals.transition(official, world["appeal"], "registered")
        appeals.transition(official, world["appeal"], "in_progress")
        appeals.post_message(official, world["appeal"], "Yerində baxış keçirildi.")
    assert followed_news(app, world["follower"]) == []


def test_following_twice_keeps_one_follow(app, web, world):
    web.login("follower@example.az", PASSWORD)
    assert follow_on_web(web, world).status_code == 302
    assert follow_on_web(web, world).status_code == 302
    assert follower_rows(app) == 1
    answer(app, world)
    assert len(followed_news(app, world["follower"])) == 1


def test_unfollowing_ends_the_news(app, web, client, world):
    web.login("follower@example.az", PASSWORD)
    follow_on_web(web, world)
    response = web.post(f"/cabinet/appeals/{world['appeal']}/unfollow", {}, form_url="/cabinet/appeals/following")
    assert response.status_code == 302 and response.headers["Location"] == "/cabinet/appeals/following"
    assert follower_rows(app) == 0
    answer(app, world)
    assert followed_news(app, world["follower"]) == []
    page = client.get(f"/appeals/public/GNC/{world['appeal']}?lang=en").get_data(as_text=True)
    assert "Follow this appeal</button>" in page


def test_from_the_similar_list_the_resident_comes_back_to_the_filing_form(app, web, world):
    web.login("follower@example.az", PASSWORD)
    response = web.post(f"/cabinet/appeals/{world['appeal']}/follow", {"next": "/appeals/new"}, form_url="/appeals/new")
    assert response.status_code == 302 and response.headers["Location"] == "/appeals/new"
    # An address of elsewhere is never followed.
    response = web.post(f"/cabinet/appeals/{world['appeal']}/follow", {"next": "https://evil.example/"},
                        form_url="/appeals/new")
    assert response.headers["Location"] == f"/appeals/public/GNC/{world['appeal']}"
    assert follower_rows(app) == 1


# --- Who may follow what -------------------------------------------------------------------------------------------


def test_a_non_public_or_unknown_appeal_cannot_be_followed_or_seen(app, web, client, world):
    web.login("follower@example.az", PASSWORD)
    assert follow_on_web(web, world, world["hidden"]).status_code == 404
    assert follow_on_web(web, world, 999_999).status_code == 404
    assert client.get(f"/appeals/public/GNC/{world['hidden']}").status_code == 404
    assert client.get("/appeals/public/GNC/999999").status_code == 404
    # The right appeal under another district's code is no page either.
    assert client.get(f"/appeals/public/MSL/{world['appeal']}").status_code == 404
    assert follower_rows(app) == 0


def test_the_applicant_is_told_they_need_not_follow_their_own_appeal(app, web, client, world):
    web.login("applicant@example.az", PASSWORD)
    client.get("/?lang=en")
    page = client.get(f"/appeals/public/GNC/{world['appeal']}").get_data(as_text=True)
    assert "This is your own appeal." in page and "Follow this appeal</button>" not in page
    response = web.post(f"/cabinet/appeals/{world['appeal']}/follow", {}, form_url="/cabinet/appeals/following")
    assert response.status_code == 302 and follower_rows(app) == 0
    assert "you are told of each of its steps anyway" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_an_unconfirmed_resident_may_not_follow_and_a_visitor_is_asked_to_sign_in(app, web, client, world):
    page = client.get(f"/appeals/public/GNC/{world['appeal']}?lang=en").get_data(as_text=True)
    assert "Sign in to follow this appeal." in page
    assert client.post(f"/cabinet/appeals/{world['appeal']}/follow").status_code in (302, 400)
    web.login("unconfirmed@example.az", PASSWORD)
    assert follow_on_web(web, world).status_code == 403
    assert follower_rows(app) == 0


def test_a_post_without_its_token_changes_nothing(app, web, client, world):
    web.login("follower@example.az", PASSWORD)
    assert client.post(f"/cabinet/appeals/{world['appeal']}/follow").status_code == 400
    assert follower_rows(app) == 0


# --- The cabinet list, and what stops the news -------------------------------------------------------------------


def test_the_cabinet_lists_the_appeals_i_follow_and_lets_me_stop(app, web, client, world):
    web.login("follower@example.az", PASSWORD)
    client.get("/?lang=en")
    empty = client.get("/cabinet/appeals/following").get_data(as_text=True)
    assert "You do not follow any appeal." in empty
    follow_on_web(web, world)
    html = client.get("/cabinet/appeals/following?lang=en").get_data(as_text=True)
    assert world["number"] in html and "Suyun kəsilməsi" in html and APPLICANT not in html
    assert f'action="/cabinet/appeals/{world["appeal"]}/unfollow"' in html
    assert 'href="/cabinet/appeals/following" aria-current="page"' in html
    check_page(html, "en")
    # Another resident's list is their own.
    with app.app_context():
        other = create_user("other@example.az")
        assert follow.following(other).items == []


def test_an_appeal_made_confidential_leaves_the_list_and_tells_its_followers_nothing(app, web, client, world):
    web.login("follower@example.az", PASSWORD)
    follow_on_web(web, world)
    with app.app_context():
        db.session.get(Appeal, world["appeal"]).confidential = True
        db.session.commit()
    answer(app, world)
    assert followed_news(app, world["follower"]) == []
    assert world["number"] not in client.get("/cabinet/appeals/following").get_data(as_text=True)
    assert client.get(f"/appeals/public/GNC/{world['appeal']}").status_code == 404
    # Stopping still works for an appeal no longer shown.
    assert web.post(f"/cabinet/appeals/{world['appeal']}/unfollow", {}, form_url="/cabinet/appeals/following") \
        .status_code == 302
    assert follower_rows(app) == 0


def test_closing_the_account_removes_the_persons_follows_and_the_download_lists_them(app, web, world):
    web.login("follower@example.az", PASSWORD)
    follow_on_web(web, world)
    with app.app_context():
        follower = db.session.get(User, world["follower"])
        exported = mydata.EXPORTERS["appeals_followed"](follower, lambda *_a: None)
        assert [row["appeal"] for row in exported] == [world["number"]]
        mydata.close_account(follower, PASSWORD)
    assert follower_rows(app) == 0
    answer(app, world)
    assert followed_news(app, world["follower"]) == []


def test_followers_are_read_in_one_statement_whatever_their_number(app, world, count_queries):
    with app.app_context():
        appeal = db.session.get(Appeal, world["appeal"])
        for n in range(5):
            person = create_user(f"f{n}@example.az")
            follow.follow(person, appeal.id)
        appeal = db.session.get(Appeal, world["appeal"])
        with count_queries() as counted:
            people = follow.followers_of(appeal)
        assert len(people) == 5 and world["applicant"] not in {p.id for p in people}
        assert counted.count <= 2  # the people, and their roles in one more


def test_the_public_list_links_each_appeal_to_its_page(client, world):
    html = client.get("/appeals/public/GNC?lang=az").get_data(as_text=True)
    assert f'href="/appeals/public/GNC/{world["appeal"]}"' in html
