"""Similar appeals while writing one: the open public appeals of the same district and category that look alike, in
az, ru and en, on SQLite's FTS5 and PostgreSQL's full-text search alike; the page without JavaScript; bad input."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from app.appeals import similar
from app.extensions import db
from app.models import Appeal, Category, District, User
from tests.factories import PASSWORD, create_appeal, create_reference_data, create_user
from tests.snapshots import replayed
from tests.test_pages import check_page

NUMBER_RE = re.compile(r"[A-Z]{3}-\d{4}-\d{6}")

# (key, district, category, subject, text, changes): what the residents of the world already wrote.
WRITTEN = [
    ("az", "GNC", "utilities", "Suyun kəsilməsi", "Nizami küçəsində üç gündür su kəsilib, evlərdə su yoxdur.", {}),
    ("ru", "GNC", "utilities", "Отключение воды на улице Низами", "Третий день нет воды во всём доме.", {}),
    ("en", "GNC", "utilities", "Water cut in our street", "The water has been cut off for three days.", {}),
    ("light", "GNC", "utilities", "Küçə işıqlandırması", "Axşamlar küçəmizdə işıq yanmır.", {}),
    ("other_district", "MSL", "utilities", "Suyun kəsilməsi", "Masallıda su kəsilib.", {}),
    ("other_category", "GNC", "roads", "Suyun kəsilməsi", "Yolda su borusu partlayıb, su kəsilib.", {}),
    ("not_public", "GNC", "utilities", "Suyun kəsilməsi", "Bizim binada da su kəsilib.", {"public_ok": False}),
    ("confidential", "GNC", "utilities", "Suyun kəsilməsi", "Su kəsilib.", {"public_ok": True, "confidential": True}),
    ("answered", "GNC", "utilities", "Suyun kəsilməsi", "Keçən ay su kəsilmişdi.", {}),
    ("closed", "GNC", "utilities", "Water cut", "The water was cut last year.", {}),
]


@pytest.fixture
def world(app):
    """Gəncə and Masallı; the appeals above, written by residents other than the one now writing."""
    with app.app_context():
        return replayed("similar appeals: world", _build_world)


def _build_world() -> dict:
    """The world's rows, built the first time and replayed after (tests/snapshots.py)."""
    districts = create_reference_data()
    categories = {c.code: c for c in db.session.scalars(select(Category))}
    writer = create_user("writer@example.az", full_name="Aygün Həsənova")
    others = [create_user(f"r{i}@example.az", full_name=f"Sakin Nömrə{i}") for i in range(3)]
    ids = {}
    for i, (key, district, category, subject, text, changes) in enumerate(WRITTEN):
        changes = {"public_ok": True, **changes}
        appeal = create_appeal(others[i % 3], districts[district], categories[category], subject=subject,
                               text=text, **changes)
        ids[key] = appeal.id
    # Finished ones are no more to follow: the authority owes nothing on them.
    for key, status in (("answered", "answered"), ("closed", "closed")):
        db.session.get(Appeal, ids[key]).status = status
    db.session.commit()
    numbers = dict(db.session.execute(select(Appeal.id, Appeal.number)).all())
    return {"gnc": districts["GNC"].id, "msl": districts["MSL"].id, "utilities": categories["utilities"].id,
            "roads": categories["roads"].id, "writer": writer.id, "ids": ids,
            "numbers": {key: numbers[i] for key, i in ids.items()}}


def shown(html: str) -> list[str]:
    """The appeal numbers the list shows, in its order."""
    return list(dict.fromkeys(NUMBER_RE.findall(html)))


def ask(client, world, subject: str, text: str = "", **params) -> str:
    query = {"district_id": world["gnc"], "category_id": world["utilities"], "subject": subject, "text": text, **params}
    response = client.get(f"/appeals/similar?{urlencode(query)}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- What the resident is shown -------------------------------------------------------------------------------


@pytest.mark.parametrize(("subject", "text", "expected"), [
    ("Su kəsilməsi", "Evimizdə su yoxdur", "az"),
    ("Отключение воды", "Дома нет воды с утра", "ru"),
    ("Water cut", "No water at home since the morning", "en"),
], ids=["az", "ru", "en"])
def test_a_resident_starting_to_write_about_a_water_cut_in_ganja_is_shown_the_open_appeals_about_it(
        web, client, world, subject, text, expected):
    web.login("writer@example.az", PASSWORD)
    html = ask(client, world, subject, text)
    numbers = shown(html)
    # The appeal in the same language comes first; the lighting one, and every appeal of another district or
    # category, not public, confidential or finished, never.
    assert numbers and numbers[0] == world["numbers"][expected]
    hidden = {world["numbers"][key] for key in ("light", "other_district", "other_category", "not_public",
                                                  "confidential", "answered", "closed")}
    assert not hidden & set(numbers)
    # Each with its public page and a button to follow it; never the applicant's name.
    appeal_id = world["ids"][expected]
    assert f'href="/appeals/public/GNC/{appeal_id}"' in html
    assert f'formaction="/cabinet/appeals/{appeal_id}/follow"' in html
    assert "Sakin" not in html and "Aygün" not in html


def test_an_ending_of_azerbaijani_or_russian_still_finds_the_word(ctx, world):
    def numbers(subject, text=""):
        found, searched = similar.find(world["gnc"], world["utilities"], subject, text)
        assert searched
        return [a.number for a in found]

    # "su kəsilməsi" finds "Suyun kəsilməsi"; "воду отключили" finds "Отключение воды"; no diacritics typed: still.
    assert world["numbers"]["az"] in numbers("su kəsilməsi")
    assert world["numbers"]["ru"] in numbers("отключения воду")
    assert world["numbers"]["az"] in numbers("kuçəsində", "")
    assert numbers("işıqlandırma") == [world["numbers"]["light"]]


def test_the_appeal_sharing_most_words_comes_first(ctx, world):
    district = db.session.get(District, world["gnc"])
    category = db.session.get(Category, world["utilities"])
    resident = db.session.scalar(select(User).where(User.email == "r0@example.az"))
    weak = create_appeal(resident, district, category, subject="Həyətdə qaz iyi", text="Borudan suyun damcılaması.",
                         public_ok=True)
    found, _searched = similar.find(world["gnc"], world["utilities"], "Suyun kəsilməsi", "")
    assert [a.id for a in found][:1] == [world["ids"]["az"]] and weak.id in [a.id for a in found]
    assert [a.id for a in found].index(world["ids"]["az"]) < [a.id for a in found].index(weak.id)


def test_at_most_five_are_shown(ctx, world):
    district = db.session.get(District, world["gnc"])
    category = db.session.get(Category, world["utilities"])
    resident = db.session.scalar(select(User).where(User.email == "r1@example.az"))
    for n in range(7):
        create_appeal(resident, district, category, subject=f"Su kəsilib {n}", text="Su yoxdur.", public_ok=True)
    found, _searched = similar.find(world["gnc"], world["utilities"], "su", "")
    assert len(found) == similar.LIMIT


def test_the_index_follows_every_write_to_the_appeals(ctx, world):
    # The demo seeder and restores write rows directly, not through the filing use case.
    appeal = db.session.get(Appeal, world["ids"]["light"])
    appeal.subject = "Kanalizasiya daşır"
    db.session.commit()
    assert [a.id for a in similar.find(world["gnc"], world["utilities"], "kanalizasiya", "")[0]] == [appeal.id]
    assert similar.find(world["gnc"], world["utilities"], "işıqlandırması", "")[0] == []
    db.session.delete(db.session.get(Appeal, world["ids"]["en"]))
    db.session.commit()
    assert similar.find(world["gnc"], world["utilities"], "water", "")[0] == []


# --- The page without JavaScript ---------------------------------------------------------------------------------


def test_the_check_button_brings_the_form_back_with_the_list_and_files_nothing(app, web, client, world):
    web.login("writer@example.az", PASSWORD)
    client.get("/?lang=en")
    before = db_count(app)
    response = web.post("/appeals/new", {
        "district_id": str(world["gnc"]), "category_id": str(world["utilities"]), "kind": "complaint",
        "subject": "Su kəsilməsi", "text": "Evimizdə su yoxdur", "applicant_name": "",
        "submission_token": "form-7", "check_similar": "Check for similar appeals",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and db_count(app) == before
    assert world["numbers"]["az"] in shown(html)
    # What was written stays, the same submission token too, and nothing is called an error.
    assert 'value="Su kəsilməsi"' in html and "Evimizdə su yoxdur</textarea>" in html
    assert 'value="form-7"' in html and "error-summary" not in html
    check_page(html, "en")


def test_the_filing_page_has_the_live_region_the_script_and_the_button(web, client, world):
    web.login("writer@example.az", PASSWORD)
    html = client.get("/appeals/new?lang=ru").get_data(as_text=True)
    assert 'aria-live="polite"' in html and 'data-url="/appeals/similar"' in html
    assert re.search(r'src="/static/js/similar-appeals\.[0-9a-f]{12}\.js"', html) and 'name="check_similar"' in html
    check_page(html, "ru")


def test_nothing_found_says_so(web, client, world):
    web.login("writer@example.az", PASSWORD)
    client.get("/?lang=en")
    html = ask(client, world, "Parkda skamyalar qırılıb")
    assert shown(html) == [] and "No open appeal like yours" in html


# --- Bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [
    {"district_id": "abc"},
    {"category_id": "-3"},
    {"district_id": "99999999999999999999"},
    {"district_id": "999999"},
    {"district_id": ""},
    {"subject": "!!! ??? ... ---", "text": "«»—,;:"},
    {"subject": 'su" OR kəsilməsi* NEAR(a b) AND "', "text": "') OR 1=1; --"},
    {"subject": "su\x00 kəsilməsi"},
    {"subject": "s" * 5000, "text": "su " * 100_000},
    {"subject": "вodа ſu Ⅻ x² ١٢٣ 水道 ǅemal", "text": "ﬁltr su\u0301"},
], ids=["letters", "negative", "huge-id", "unknown", "empty", "punctuation", "operators", "nul", "huge-text",
        "scripts"])
def test_garbage_finds_nothing_or_what_it_can_never_a_server_error(web, client, world, params):
    web.login("writer@example.az", PASSWORD)
    client.get("/?lang=en")
    query = {"district_id": world["gnc"], "category_id": world["utilities"], "subject": "Su", "text": "", **params}
    response = client.get("/appeals/similar", query_string=query)
    assert response.status_code == 200
    numbers = set(shown(response.get_data(as_text=True)))
    assert numbers <= {world["numbers"][key] for key in ("az", "ru", "en", "light")}


def test_missing_parameters_ask_for_the_district_and_category(web, client, world):
    web.login("writer@example.az", PASSWORD)
    client.get("/?lang=en")
    response = client.get("/appeals/similar")
    assert response.status_code == 200 and "Choose the district and the category" in response.get_data(as_text=True)


def test_the_words_searched_for_are_bounded():
    terms = similar.terms_of("Suyun kəsilməsi", " ".join(f"söz{n}abc" for n in range(5000)))
    assert terms[:2] == ["suyun", "kəsilməsi"] and len(terms) == similar.MAX_TERMS
    assert similar.terms_of("x" * 10_000, "")[0] == "x" * similar.MAX_WORD
    # Stop words, numbers and single letters say nothing of the matter.
    assert similar.terms_of("Və 12 и the a", "") == []
    # Diacritics folded as both indexes fold them; ə stays a letter of its own.
    assert similar.terms_of("İŞIQ Küçə", "") == ["isiq", "kucə"]


def test_visitors_are_sent_to_sign_in(client, world):
    response = client.get("/appeals/similar?subject=su")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_endpoint_is_rate_limited(web, client, world):
    web.login("writer@example.az", PASSWORD)
    codes = [client.get("/appeals/similar?subject=su").status_code for _ in range(61)]
    assert codes[:60] == [200] * 60 and codes[60] == 429


def test_the_statement_count_does_not_grow_with_what_is_found(app, web, client, world, count_queries):
    web.login("writer@example.az", PASSWORD)
    client.get("/?lang=en")
    ask(client, world, "Su kəsilməsi")  # warm: the session's first reads
    with count_queries() as one:
        assert len(shown(ask(client, world, "işıqlandırması"))) == 1
    with app.app_context():
        district, category = db.session.get(District, world["gnc"]), db.session.get(Category, world["utilities"])
        resident = db.session.scalar(select(User).where(User.email == "r2@example.az"))
        for n in range(4):
            create_appeal(resident, district, category, subject=f"Küçə işıqlandırması {n}", text="İşıq yoxdur.",
                          public_ok=True)
    with count_queries() as five:
        assert len(shown(ask(client, world, "işıqlandırması"))) == 5
    assert five.count == one.count, (one.statements, five.statements)


def db_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Appeal))
