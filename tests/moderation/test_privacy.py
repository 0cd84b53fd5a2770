"""Issue 15, item 8: a moderator reads the full name of the users whose words they moderate, not of anyone.

The block page takes any user id, and so does a block: both showed the full name of any user of any district to
any district's moderator. Now the name shows only for users who wrote in a district the moderator moderates (and
to administrators, who moderate everywhere); anyone else is "resident #id".
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.consultations import service as consultations
from app.models import utcnow
from tests.conftest import Browserless
from tests.consultation_helpers import make_consultation
from tests.factories import PASSWORD, create_reference_data, create_user


@pytest.fixture
def world(app):
    """Rəşad wrote in Gəncə, Leyla in Masallı, Elnur nowhere; a moderator of each district and an administrator."""
    with app.app_context():
        districts = create_reference_data()
        gnc, msl = districts["GNC"], districts["MSL"]
        editor = create_user("editor@example.az", roles=[("editor", gnc), ("editor", msl)])
        create_user("mod.gnc@example.az", roles=[("moderator", gnc)])
        create_user("mod.msl@example.az", roles=[("moderator", msl)])
        create_user("admin@example.az", roles=[("admin", None)])
        rashad = create_user("rashad@example.az", full_name="Rəşad Məmmədov")
        leyla = create_user("leyla@example.az", full_name="Leyla Quliyeva")
        elnur = create_user("elnur@example.az", full_name="Elnur Babayev")
        with app.test_request_context():
            for district, author, text in ((gnc, rashad, "Park 07:00-da açılsın."), (msl, leyla, "Razıyam.")):
                consultation = make_consultation(editor, district, "open", title=f"Qayda {district.code}")
                consultations.comment(author, consultation.id, consultation.sections[0].id, text)
        return {"rashad": rashad.id, "leyla": leyla.id, "elnur": elnur.id}


def _office(app, email: str) -> Browserless:
    web = Browserless(app.test_client())
    assert web.login(email, PASSWORD).status_code == 302
    return web


def test_item8_the_block_page_names_only_users_who_wrote_in_the_moderators_district(app, world):
    web = _office(app, "mod.gnc@example.az")
    pages = {who: web.client.get(f"/office/moderation/block/{world[who]}?lang=en").get_data(as_text=True)
             for who in ("rashad", "leyla", "elnur")}
    assert "Rəşad Məmmədov" in pages["rashad"]
    assert "Leyla Quliyeva" not in pages["leyla"] and f"resident #{world['leyla']}" in pages["leyla"]
    assert "Elnur Babayev" not in pages["elnur"] and f"resident #{world['elnur']}" in pages["elnur"]
    assert web.client.get("/office/moderation/block/999999").status_code == 404
    # Masallı's moderator: the other way round.
    other = _office(app, "mod.msl@example.az")
    assert "Leyla Quliyeva" in other.client.get(f"/office/moderation/block/{world['leyla']}").get_data(as_text=True)
    assert "Rəşad Məmmədov" not in other.client.get(f"/office/moderation/block/{world['rashad']}").get_data(as_text=True)


def test_item8_a_block_does_not_reveal_the_name_of_someone_who_never_wrote_in_the_district(app, world):
    web = _office(app, "mod.gnc@example.az")
    ends = (utcnow() + timedelta(days=5)).date().isoformat()
    for who in ("rashad", "elnur"):
        url = f"/office/moderation/block/{world[who]}"
        assert web.post(url, {"reason": "Spam", "ends_on": ends}, form_url=url).status_code == 302
    html = web.client.get("/office/moderation/blocks?lang=en").get_data(as_text=True)
    assert "Rəşad Məmmədov" in html
    assert "Elnur Babayev" not in html and f"resident #{world['elnur']}" in html
    # An administrator moderates every district and reads every name.
    admin = _office(app, "admin@example.az")
    html = admin.client.get("/office/moderation/blocks?lang=en").get_data(as_text=True)
    assert "Rəşad Məmmədov" in html and "Elnur Babayev" in html
    assert "Leyla Quliyeva" in admin.client.get(f"/office/moderation/block/{world['leyla']}").get_data(as_text=True)
