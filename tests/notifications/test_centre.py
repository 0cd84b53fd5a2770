"""The notification centre through the web: one's own notifications newest first, the unread marked and counted in
the header, opening, marking read, another's is a 404, a removed or hidden object, the choices per kind, every
page in three languages, and a page cost that does not grow with the notifications."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.kit import notify
from app.models import Category, Notification, NotificationPreference, Tag, User, utcnow
from app.moderation import service as moderation
from app.proposals import service as proposals
from tests.factories import PASSWORD, create_reference_data, create_tags, create_user
from tests.snapshots import replayed
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]
CENTRE = "/cabinet/notifications"


@pytest.fixture
def world(app):
    """A resident with three notifications (the newest unread), a neighbour with one, an official.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("notifications centre: world", _build_world)


def _build_world():
    districts = create_reference_data()
    resident = create_user("resident@example.az")
    neighbour = create_user("neighbour@example.az", full_name="Nurlan Sadıqov")
    official = create_user("official@example.az", roles=[("official", districts["GNC"])])
    start = utcnow() - timedelta(hours=3)
    ids = []
    for hour, text in enumerate(["Birinci xəbər", "İkinci xəbər", "Üçüncü xəbər"]):
        row = notify.notify(resident, lambda t=text: t, kind="appeal.status", link=f"/cabinet/appeals/{hour + 1}",
                            now=start + timedelta(hours=hour))
        db.session.flush()
        ids.append(row.id)
    theirs = notify.notify(neighbour, lambda: "Qonşunun xəbəri", kind="appeal.status", link="/cabinet/appeals/9")
    notify.commit()
    first = db.session.get(Notification, ids[0])
    first.read_at = utcnow()
    db.session.commit()
    return {"gnc": districts["GNC"].id, "resident": resident.id, "neighbour": neighbour.id, "official": official.id,
            "mine": ids, "theirs": theirs.id}


def page(client, path: str = CENTRE) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def header_badge(html: str) -> str | None:
    """The unread count in the header's link, or None when it shows none."""
    link = re.search(r'class="notifications-link">(.*?)</a>', html, re.S)
    assert link, "no link to the notification centre in the header"
    badge = re.search(r'class="badge badge-unread" aria-hidden="true">([^<]+)<', link.group(1))
    return badge.group(1) if badge else None


def sign_in_as(web, email: str) -> None:
    """Sign out whoever is signed in, then sign in as ``email``."""
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login(email, PASSWORD)


def read_at(app, notification_id: int):
    with app.app_context():
        return db.session.get(Notification, notification_id).read_at


def test_the_centre_lists_only_ones_own_newest_first_with_the_unread_marked(app, web, client, world):
    web.login("resident@example.az", PASSWORD)
    html = page(client, f"{CENTRE}?lang=en")
    texts = re.findall(r'<p class="notification-text"><a href="[^"]+">([^<]+)</a>', html)
    assert texts == ["Üçüncü xəbər", "İkinci xəbər", "Birinci xəbər"]
    assert "Qonşunun xəbəri" not in html
    # Marked in text (a badge saying so) and visually (the item's class), the read one neither.
    assert html.count('class="badge badge-unread">Unread</span>') == 2
    assert html.count("notification notification-unread") == 2
    assert "You have 2 unread notifications." in html
    # Each opens through the centre, which marks it read.
    assert f'href="/cabinet/notifications/{world["mine"][2]}"' in html


def test_the_header_counts_the_unread_for_the_signed_in_only(app, web, client, world):
    assert "notifications-link" not in page(client, "/?lang=en")
    web.login("resident@example.az", PASSWORD)
    html = page(client, "/cabinet/?lang=en")
    assert header_badge(html) == "2"
    assert '<span class="visually-hidden">2 unread</span>' in html
    sign_in_as(web, "official@example.az")
    assert header_badge(page(client, "/office/?lang=en")) is None


def test_mark_one_and_mark_all_as_read(app, web, client, world):
    web.login("resident@example.az", PASSWORD)
    newest, middle = world["mine"][2], world["mine"][1]
    response = web.post(f"{CENTRE}/{newest}/read", {"page": "1"}, form_url=CENTRE)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{CENTRE}?page=1")
    assert read_at(app, newest) is not None and read_at(app, middle) is None
    assert header_badge(page(client)) == "1"
    response = web.post(f"{CENTRE}/read-all", {}, form_url=CENTRE)
    assert response.status_code == 302
    assert read_at(app, middle) is not None
    html = page(client, f"{CENTRE}?lang=en")
    assert header_badge(html) is None and "You have no unread notifications." in html
    assert read_at(app, world["theirs"]) is None  # the neighbour's stay unread


def test_marking_without_the_csrf_token_is_refused(app, web, client, world):
    web.login("resident@example.az", PASSWORD)
    assert client.post(f"{CENTRE}/read-all").status_code == 400
    assert read_at(app, world["mine"][2]) is None


def test_another_persons_notification_is_not_found(app, web, client, world):
    web.login("resident@example.az", PASSWORD)
    theirs = world["theirs"]
    assert client.get(f"{CENTRE}/{theirs}").status_code == 404
    assert web.post(f"{CENTRE}/{theirs}/read", {}, form_url=CENTRE).status_code == 404
    assert client.get(f"{CENTRE}/99999999").status_code == 404
    assert read_at(app, theirs) is None


def test_opening_marks_read_and_goes_to_the_objects_page(app, web, client, world):
    web.login("resident@example.az", PASSWORD)
    newest = world["mine"][2]
    response = client.get(f"{CENTRE}/{newest}")
    assert response.status_code == 302 and response.headers["Location"] == "/cabinet/appeals/3"
    assert read_at(app, newest) is not None


def test_a_removed_object_is_told_on_a_page_not_a_404(app, web, client, world):
    with app.app_context():
        tag = create_tags()["roads"]
        resident = db.session.get(User, world["resident"])
        row = notify.notify(resident, lambda: "Etiket haqqında", kind="article.review", link="/news/", obj=tag)
        notify.commit()
        notification_id = row.id
        db.session.delete(db.session.get(Tag, tag.id))
        db.session.commit()
    web.login("resident@example.az", PASSWORD)
    response = client.get(f"{CENTRE}/{notification_id}?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "no longer available" in html and "Etiket haqqında" in html
    check_page(html, "en")
    assert read_at(app, notification_id) is not None


def test_content_hidden_by_a_moderator_is_told_as_hidden(app, web, client, world):
    with app.app_context():
        author = db.session.get(User, world["resident"])
        gnc = world["gnc"]
        category = db.session.scalars(select(Category).order_by(Category.id)).first()
        proposal = proposals.create(author, proposals.ProposalInput(
            district_id=gnc, category_id=category.id, title="Parkda skamyalar", body="Parka skamyalar qoyulsun."),
            publish_now=True)
        moderator = create_user("moderator@example.az", roles=[("moderator", db.session.get(type(proposal.district), gnc))])
        moderation.hide(moderator, "proposal", proposal.id, "Reklam")
        told = db.session.scalar(select(Notification).where(Notification.user_id == author.id,
                                                            Notification.kind == "content.hidden"))
        assert (told.object_type, told.object_id) == ("proposal", proposal.id)
        told_id = told.id
    web.login("resident@example.az", PASSWORD)
    response = client.get(f"{CENTRE}/{told_id}?lang=en")
    assert response.status_code == 200 and "hidden by a moderator" in response.get_data(as_text=True)


def test_the_settings_offer_the_kinds_of_ones_roles(app, web, client, world):
    web.login("resident@example.az", PASSWORD)
    html = page(client, f"{CENTRE}/settings?lang=en")
    assert "My appeal is answered" in html and "An appeal is assigned to me" not in html
    assert 'name="channel_appeal.answered" value="email" checked' in html
    sign_in_as(web, "official@example.az")
    html = page(client, f"{CENTRE}/settings?lang=en")
    assert "My appeal is answered" in html and "An appeal is assigned to me" in html
    assert 'name="channel_appeal.filed" value="digest" checked' in html


def test_saving_choices(app, web, client, world):
    web.login("official@example.az", PASSWORD)
    response = web.post(f"{CENTRE}/settings", {"channel_appeal.filed": "email", "channel_appeal.answered": "in_app",
                                               "channel_appeal.assigned": "email"})
    assert response.status_code == 302
    with app.app_context():
        saved = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.channel)).all())
    assert saved == {"appeal.filed": "email", "appeal.answered": "in_app"}  # the default is kept as no row
    html = page(client, f"{CENTRE}/settings?lang=en")
    assert 'name="channel_appeal.filed" value="email" checked' in html


@pytest.mark.parametrize(("posted", "beside"), [
    ({"channel_appeal.answered": "sms"}, "channel_appeal-answered-error"),
    ({"channel_appeal.answered": ""}, "channel_appeal-answered-error"),
    ({"channel_appeal.bogus": "email"}, None),
    ({"channel_appeal.assigned": "email"}, None),  # a staff kind, posted by a resident
])
def test_an_unknown_kind_or_channel_is_refused_and_nothing_is_saved(app, web, client, world, posted, beside):
    web.login("resident@example.az", PASSWORD)
    response = web.post(f"{CENTRE}/settings?lang=en", {"channel_proposal.supported": "email", **posted})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="error-summary"' in html
    if beside:
        assert f'id="{beside}"' in html and "Choose one of the three" in html
    else:
        assert "There is no kind of notification" in html
    check_page(html, "en")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_renders_in_each_language(app, web, client, world, lang):
    with app.app_context():
        resident = db.session.get(User, world["resident"])
        for i in range(25):
            notify.notify(resident, lambda i=i: f"Xəbər {i}", kind="proposal.supported", link="/proposals/")
        notify.commit()
    web.login("resident@example.az", PASSWORD)
    for path in (CENTRE, f"{CENTRE}?page=2", f"{CENTRE}/settings"):
        html = page(client, f"{path}{'&' if '?' in path else '?'}lang={lang}")
        check_page(html, lang)
    html = page(client, f"{CENTRE}?lang={lang}")
    assert 'class="pagination"' in html
    sign_in_as(web, "official@example.az")
    check_page(page(client, f"{CENTRE}/settings?lang={lang}"), lang)
    check_page(page(client, f"/office/?lang={lang}"), lang)


def test_the_centre_costs_the_same_statements_whatever_the_number_of_notifications(app, web, client, world,
                                                                                     count_queries):
    web.login("resident@example.az", PASSWORD)

    def statements(path: str) -> int:
        client.get(path)
        with count_queries() as q:
            assert client.get(path).status_code == 200
        return q.count

    few = {path: statements(path) for path in (CENTRE, "/cabinet/")}
    with app.app_context():
        resident = db.session.get(User, world["resident"])
        for i in range(40):
            notify.notify(resident, lambda i=i: f"Xəbər {i}", kind="appeal.status", link="/cabinet/appeals/1")
        notify.commit()
    many = {path: statements(path) for path in (CENTRE, "/cabinet/")}
    assert many == few
    assert statements(f"{CENTRE}?page=2") == few[CENTRE]
