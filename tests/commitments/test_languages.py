"""A commitment's description and its milestones in az, ru and en: editors write them, residents read their language."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.commitments import service as commitments
from app.extensions import db
from app.kit.calendar import local_date
from app.models import Commitment, CommitmentMilestone, utcnow
from tests.appeals.test_views import field_error
from tests.commitments.test_views import form_fields
from tests.factories import PASSWORD, create_reference_data, create_user
from tests.test_pages import check_page

DESCRIPTION = {"az": "Skamyalar təmir olunur.", "ru": "Скамейки ремонтируют.", "en": "The benches are repaired."}
MILESTONE = {"az": "Skamyaların dəyişdirilməsi", "ru": "Замена скамеек", "en": "Replacing the benches"}


@pytest.fixture
def world(app):
    with app.app_context():
        gnc = create_reference_data()["GNC"]
        create_user("editor@example.az", roles=[("editor", gnc)])
        return {"gnc": gnc.id}


def sign_in(web, client, lang: str = "en") -> None:
    web.login("editor@example.az", PASSWORD)
    client.get(f"/?lang={lang}")


def test_the_forms_save_three_languages_and_each_reader_gets_theirs(app, web, client, world):
    sign_in(web, client)
    made = web.post("/office/commitments/new", form_fields(
        description_az=DESCRIPTION["az"], description_ru=DESCRIPTION["ru"], description_en=DESCRIPTION["en"]))
    assert made.status_code == 302
    with app.app_context():
        commitment = db.session.scalar(select(Commitment).order_by(Commitment.id.desc()))
        commitment_id = commitment.id
        assert (commitment.description_az, commitment.description_ru, commitment.description_en) == tuple(
            DESCRIPTION.values())
    work = f"/office/commitments/{commitment_id}"
    page = client.get(work).get_data(as_text=True)
    check_page(page, "en")
    # The optional languages say what happens when they are left empty.
    assert page.count("When empty, the Azerbaijani title is shown.") >= 2
    added = web.post(f"{work}/milestones", {
        "milestone-title_az": MILESTONE["az"], "milestone-title_ru": MILESTONE["ru"], "milestone-title_en": MILESTONE["en"],
        "milestone-due_on": (local_date(utcnow()) + timedelta(days=60)).isoformat()}, form_url=work)
    assert added.status_code == 302
    with app.app_context():
        milestone = db.session.scalar(select(CommitmentMilestone).where(CommitmentMilestone.commitment_id == commitment_id))
        assert (milestone.title_az, milestone.title_ru, milestone.title_en) == tuple(MILESTONE.values())
    for lang in ("az", "ru", "en"):
        html = client.get(f"/commitments/item/{commitment_id}?lang={lang}").get_data(as_text=True)
        assert DESCRIPTION[lang] in html and MILESTONE[lang] in html
        assert all(DESCRIPTION[other] not in html for other in DESCRIPTION if other != lang)


def test_empty_english_falls_back_to_azerbaijani(app, web, client, world):
    sign_in(web, client)
    made = web.post("/office/commitments/new", form_fields(description_az=DESCRIPTION["az"],
                                                           description_ru=DESCRIPTION["ru"], description_en=""))
    assert made.status_code == 302
    with app.app_context():
        commitment_id = db.session.scalar(select(Commitment.id).order_by(Commitment.id.desc()))
    work = f"/office/commitments/{commitment_id}"
    web.post(f"{work}/milestones", {"milestone-title_az": MILESTONE["az"], "milestone-title_ru": MILESTONE["ru"],
                                    "milestone-due_on": (local_date(utcnow()) + timedelta(days=60)).isoformat()},
             form_url=work)
    en = client.get(f"/commitments/item/{commitment_id}?lang=en").get_data(as_text=True)
    assert DESCRIPTION["az"] in en and MILESTONE["az"] in en and DESCRIPTION["ru"] not in en
    ru = client.get(f"/commitments/item/{commitment_id}?lang=ru").get_data(as_text=True)
    assert DESCRIPTION["ru"] in ru and MILESTONE["ru"] in ru


def test_the_azerbaijani_description_is_required_beside_its_field(app, web, client, world):
    sign_in(web, client)
    with app.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(Commitment))
    refused = web.post("/office/commitments/new", form_fields(description_az="", description_ru=DESCRIPTION["ru"],
                                                              description_en=DESCRIPTION["en"]))
    assert refused.status_code == 422 and field_error(refused.get_data(as_text=True), "description_az")
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Commitment)) == before


def test_the_demo_commitments_are_written_in_three_languages(app):
    with app.app_context():
        create_reference_data()
        assert commitments.seed_demo() == len(commitments.DEMO_COMMITMENTS)
        rows = list(db.session.scalars(select(Commitment)))
        assert rows and all(c.description_ru and c.description_en for c in rows)
        milestones = [m for c in rows for m in c.milestones]
        assert milestones and all(m.title_ru and m.title_en for m in milestones)
        db.session.remove()
