"""Issue 17's new pages in the browser: the notification centre, its settings, the page of a notification whose
object is gone, and the staff's landing page with work on it, with zero axe violations in az, ru and en; marking
everything read by clicking empties the header's count."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.kit import notify
from app.models import Tag, utcnow
from tests.browser.test_accessibility import LANGS, assert_accessible, sign_in
from tests.factories import create_appeal, create_reference_data, create_tags, create_user
from tests.snapshots import replayed


@pytest.fixture
def told(app):
    """A resident with an appeal in Gəncə and notifications (one about a tag since removed); Gəncə's official.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("browser notifications: told", _build_told)


def _build_told():
    gnc = create_reference_data()["GNC"]
    resident = create_user("resident@example.az", full_name="Aygün Həsənova")
    create_user("official@example.az", full_name="Rəşad Quliyev", roles=[("official", gnc)])
    appeal = create_appeal(resident, gnc)
    start = utcnow() - timedelta(hours=2)
    notify.notify(resident, lambda: "Müraciətiniz qeydiyyata alındı.", kind="appeal.status",
                  link=f"/cabinet/appeals/{appeal.id}", obj=appeal, now=start)
    tag = create_tags()["roads"]
    gone = notify.notify(resident, lambda: "Etiket haqqında", kind="appeal.status", link="/news/", obj=tag)
    notify.commit()
    gone_id = gone.id
    db.session.delete(db.session.get(Tag, tag.id))
    db.session.commit()
    return {"gone": gone_id}


@pytest.mark.parametrize("lang", LANGS)
def test_the_new_pages_have_no_axe_violation(page, told, lang):
    sign_in(page, "resident@example.az")
    for path in ["/cabinet/notifications", "/cabinet/notifications/settings", f"/cabinet/notifications/{told['gone']}",
                 "/cabinet/"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)
    page.context.clear_cookies()
    sign_in(page, "official@example.az")
    for path in ["/office/", "/cabinet/notifications"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)


def test_marking_everything_read_by_clicking_empties_the_count(page, told):
    sign_in(page, "resident@example.az")
    page.goto("/cabinet/notifications?lang=en")
    assert page.locator(".badge-unread").first.is_visible()
    page.get_by_role("button", name="Mark all as read").click()
    assert "All your notifications are marked as read." in page.locator(".flashes").inner_text()
    assert page.locator(".badge-unread").count() == 0
    assert_accessible(page, "en")
