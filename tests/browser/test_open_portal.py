"""Issue 18's new pages in the browser, with zero axe violations in az, ru and en: the developers' page, the area
alerts (subscribe, the cabinet's list), a public appeal's page, the appeals a resident follows, the filing form
showing similar appeals, the Open311 keys of the administration, and an appeal of a case in the office; and, as a
new user would try it, similar appeals appearing while a resident writes, then following one."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.alerts import service as alerts
from app.appeals import cases
from app.extensions import db
from app.models import AlertSubscription, AppealFollower, Category, utcnow
from app.open311 import keys
from tests.browser.test_accessibility import LANGS, assert_accessible, sign_in
from tests.factories import create_appeal, create_reference_data, create_user

WATER = "Suyun kəsilməsi Nizami küçəsində"


@pytest.fixture
def open_portal(app):
    """Gəncə with two public appeals about a water cut linked into one case, a resident with an alert, an
    official, an administrator with an Open311 key."""
    with app.app_context():
        gnc = create_reference_data()["GNC"]
        water = db.session.scalar(select(Category).order_by(Category.id))
        first = create_user("first@example.az", full_name="Aygün Həsənova")
        second = create_user("second@example.az", full_name="Rəşad Quliyev")
        create_user("resident@example.az", full_name="Leyla Məmmədova")
        official = create_user("official@example.az", full_name="Tural Kərimov", roles=[("official", gnc)])
        admin = create_user("admin@example.az", full_name="Nigar Əliyeva", roles=[("admin", None)])
        one = create_appeal(first, gnc, water, subject=WATER, text="Üç gündür ki, suyun kəsilməsi davam edir.",
                            public_ok=True)
        two = create_appeal(second, gnc, water, subject="Nizami küçəsində su yoxdur",
                            text="Suyun kəsilməsi barədə yenə yazıram.", public_ok=True)
        cases.link(official, one.id, two.number)
        keys.issue(admin, "Gəncə call centre", gnc.id)
        running = AlertSubscription(email="resident@example.az", district_id=gnc.id, lang="az", frequency="daily",
                                    status="active", confirmed_at=utcnow(), nonce="browser-test-nonce")
        waiting = AlertSubscription(email="neighbour@example.az", district_id=gnc.id, lang="az", frequency="instant",
                                    status="pending", nonce="browser-test-pending")
        db.session.add_all([running, waiting])
        db.session.commit()
        # The links of the emails, as the subscriber receives them.
        return {"one": one.id, "two": two.id, "gnc": gnc.id, "category": water.id,
                "confirm": alerts.LINKS.confirm_token(waiting),
                "unsubscribe": alerts.unsubscribe_url(running).split("/alerts/", 1)[1]}


@pytest.mark.parametrize("lang", LANGS)
def test_the_new_pages_have_no_axe_violation(page, open_portal, lang):
    one = open_portal["one"]
    for path in ["/developers", "/alerts/", f"/appeals/public/GNC/{one}", "/appeals/public/GNC"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)
    # The links of the emails: confirming, a link that does not work, unsubscribing in one click.
    for path in [f"/alerts/confirm/{open_portal['confirm']}", "/alerts/confirm/not-a-token",
                 f"/alerts/{open_portal['unsubscribe']}"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    assert page.url.split("?")[0].endswith(open_portal["unsubscribe"])
    assert_accessible(page, lang)
    # A subscription refused beside its field.
    page.goto(f"/alerts/?lang={lang}")
    page.fill("#email", "not-an-address")
    with page.expect_navigation():
        page.locator("main form [type=submit]").last.click()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page, lang)

    sign_in(page, "resident@example.az")
    page.goto(f"/appeals/public/GNC/{one}?lang={lang}")
    with page.expect_navigation():
        page.locator("form[action$='/follow'] [type=submit]").click()
    for path in ["/cabinet/appeals/following", "/cabinet/alerts"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)
    # The filing form with the similar appeals listed (the button that works without JavaScript).
    page.goto(f"/appeals/new?lang={lang}")
    page.select_option("#district_id", str(open_portal["gnc"]))
    page.select_option("#category_id", str(open_portal["category"]))
    page.fill("#subject", "Suyun kəsilməsi")
    with page.expect_navigation():
        page.locator("[name=check_similar]").click()
    assert page.locator("#similar-appeals li").count() == 2
    assert_accessible(page, lang)

    page.context.clear_cookies()
    sign_in(page, "official@example.az")
    for path in [f"/office/appeals/{one}", "/office/appeals"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)

    page.context.clear_cookies()
    sign_in(page, "admin@example.az")
    page.goto(f"/admin/open311/keys?lang={lang}")
    assert_accessible(page, lang)
    # Issuing a key: the page that shows it once.
    page.fill("#name", "Gəncə 311")
    page.select_option("#district_id", str(open_portal["gnc"]))
    with page.expect_navigation():
        page.locator("form[action$='/admin/open311/keys'] [type=submit]").click()
    assert page.locator("main").inner_text().count("o311_") >= 1
    assert_accessible(page, lang)


def test_similar_appeals_appear_while_writing_and_one_can_be_followed(app, page, open_portal):
    """A resident starts to write about a water cut in Gəncə: the open appeals about it appear as they type (the
    page's script), and following one from the list puts it among the appeals they follow."""
    sign_in(page, "resident@example.az")
    page.goto("/appeals/new?lang=en")
    page.select_option("#district_id", str(open_portal["gnc"]))
    page.select_option("#category_id", str(open_portal["category"]))
    page.locator("#subject").press_sequentially("Suyun kəsilməsi", delay=20)
    listed = page.locator("#similar-appeals li")
    listed.first.wait_for()
    assert listed.count() == 2
    assert "Aygün" not in page.locator("#similar-appeals").inner_text()  # never a name
    # The page's script follows without leaving the form (what was written stays): the button becomes "Stop following".
    page.locator("#similar-appeals button[formaction$='/follow']").first.click()
    page.locator("#similar-appeals button[formaction$='/unfollow']").first.wait_for()
    assert page.input_value("#subject") == "Suyun kəsilməsi"
    with app.app_context():
        assert db.session.scalar(select(AppealFollower.appeal_id)) in (open_portal["one"], open_portal["two"])
    page.goto("/cabinet/appeals/following?lang=en")
    assert "Suyun kəsilməsi" in page.locator("main").inner_text()
