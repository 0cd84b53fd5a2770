"""Result documents: verification codes, the PDF in the resident's language, the public check of a code."""
from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import segno
from pypdf import PdfReader
from sqlalchemy import select

from app.eservices import documents
from app.extensions import db
from app.models import District, Service, ServiceApplication, ServiceForm, User
from tests.factories import create_reference_data, create_user

ISSUED_AT = datetime(2026, 3, 2, 21, 30, tzinfo=UTC)  # 3 March 2026, 01:30 in Baku


def create_service() -> Service:
    """The certificate of residence, described in three languages, with an empty first form version."""
    service = Service(
        code="residence",
        title_az="Yaşayış yeri haqqında arayış", title_ru="Справка с места жительства",
        title_en="Certificate of residence",
        summary_az="Yaşayış yerini təsdiq edən arayış.", summary_ru="Справка, подтверждающая место жительства.",
        summary_en="A certificate confirming where you live.",
        eligibility_az="Rayonun sakinləri.", eligibility_ru="Жители района.", eligibility_en="Residents of the district.",
        documents_az="Şəxsiyyət vəsiqəsi.", documents_ru="Удостоверение личности.", documents_en="Identity card.",
        legal_basis_az="Nazirlər Kabinetinin qərarı.", legal_basis_ru="Решение Кабинета министров.",
        legal_basis_en="Decision of the Cabinet of Ministers.",
        processing_days=5, life_situation="certificates",
    )
    service.forms.append(ServiceForm(version=1, fields=[]))
    db.session.add(service)
    db.session.flush()
    return service


def create_issued_application(citizen: User | None = None, *, locale: str = "az", district_code: str = "GNC",
                              number: str = "SRV-2026-000001", status: str = "issued",
                              applicant: dict | None = None) -> ServiceApplication:
    """An issued certificate of residence for Aygün Həsənova, made directly with the models, committed.

    The application lifecycle is being written elsewhere; these tests need only an issued row.
    """
    district = (db.session.scalar(select(District).where(District.code == district_code))
                or create_reference_data()[district_code])
    service = db.session.scalar(select(Service).where(Service.code == "residence")) or create_service()
    citizen = citizen or db.session.scalar(select(User).where(User.email == "resident@example.az")) or create_user()
    if applicant is None:
        applicant = {"full_name": "Aygün Həsənova", "phone": "+994 50 123 45 67", "email": "aygun@example.az",
                     "address": "Gəncə ş., Nizami küç. 5"}
    application = ServiceApplication(
        number=number, service=service, form=service.forms[0], district=district, citizen=citizen,
        answers={}, applicant=applicant, status=status, locale=locale,
        created_at=ISSUED_AT - timedelta(days=3), due_at=ISSUED_AT + timedelta(days=4),
        decided_at=ISSUED_AT, issued_at=ISSUED_AT, verification_code=documents.new_code(),
    )
    db.session.add(application)
    db.session.commit()
    return application


def pdf_text(data: bytes) -> str:
    """Every page's text, as a reader (or a screen reader) gets it from the PDF."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def drawn_modules(data: bytes) -> set[tuple[int, int]]:
    """The dark QR modules (row, column) read back from the filled rectangles of the PDF's first page."""
    content = PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data().decode("latin-1")
    rects = [tuple(map(float, found)) for found in re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) (-[\d.]+) re", content)]
    assert rects, "no rectangles drawn"
    module = -rects[0][3]  # each rectangle is one run of dark modules, one module high
    left, top = min(r[0] for r in rects), max(r[1] for r in rects)
    dark = set()
    for x, y, width, _height in rects:
        row, first = round((top - y) / module), round((x - left) / module)
        dark.update((row, col) for col in range(first, first + round(width / module)))
    return dark


# --- Codes -----------------------------------------------------------------------------------


def test_codes_are_unique_long_and_readable():
    codes = {documents.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:50]:
        assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){4}", code), code
        assert not set(code) & set("01OIL")
    # At least 80 bits: 20 symbols from an alphabet of 31.
    assert len(documents.ALPHABET) ** documents.CODE_LENGTH >= 2 ** 80
    assert len(documents.ALPHABET) == len(set(documents.ALPHABET)) == 31


def test_codes_normalize_from_how_people_type_them():
    code = documents.new_code()
    plain = code.replace("-", "")
    for typed in [code, code.lower(), plain, plain.lower(), " ".join(code.split("-")), f"  {code}\n",
                  code.replace("-", " – "), plain[:7] + "-" + plain[7:],
                  f"{code}{' ' * 200}"]:
        assert documents.normalize_code(typed) == code, typed
    for wrong in [None, "", "   ", plain[:-1], plain + "A", plain[:-1] + "0", plain[:-1] + "O", plain[:-1] + "!",
                  code + "A" * 1000]:
        assert documents.normalize_code(wrong) is None, wrong


@pytest.mark.parametrize(("name", "expected"), [
    ("Aygün Həsənova", "A. H."),
    ("Aygün", "A."),
    ("Həsənova Aygün Elçin", "H. A. E."),
    ("Aygün Elçin qızı Həsənova", "A. E. H."),
    ("Нурлан Садыгов", "Н. С."),
    ("  şəhla   ömərova ", "Ş. Ö."),
])
def test_initials(name, expected):
    assert documents.initials(name) == expected


# --- The PDF ----------------------------------------------------------------------------------


def test_the_pdf_speaks_azerbaijani_with_its_letters_intact(ctx):
    application = create_issued_application()
    data = documents.render_pdf(application)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    reader = PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)  # A4
    for expected in ["Aygün Həsənova", "Gəncə", "Yaşayış yeri haqqında arayış", "SRV-2026-000001",
                     application.verification_code, "3 mart 2026", f"/verify/{application.verification_code}"]:
        assert expected in text, expected
    # Nothing beyond what the document needs: no phone, email or address.
    assert "+994" not in text and "aygun@example.az" not in text and "Nizami" not in text


def test_the_pdf_is_in_the_residents_language(ctx):
    russian = create_issued_application(locale="ru")
    text = pdf_text(documents.render_pdf(russian))
    for expected in ["Aygün Həsənova", "Гянджа", "Справка с места жительства", russian.verification_code,
                     "3 марта 2026"]:
        assert expected in text, expected
    assert "Gəncə" not in text
    english = create_issued_application(locale="en", number="SRV-2026-000002", district_code="SKI")
    text = pdf_text(documents.render_pdf(english))
    for expected in ["Shaki", "Certificate of residence", "SRV-2026-000002", "3 March 2026", "Verification code"]:
        assert expected in text, expected


def test_the_pdf_embeds_its_fonts(ctx):
    data = documents.render_pdf(create_issued_application())
    reader = PdfReader(io.BytesIO(data))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = []
    for ref in fonts.values():
        font = ref.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, font["/BaseFont"]  # the TrueType program itself is in the file
        embedded.append(str(font["/BaseFont"]))
    assert embedded and all("DejaVu" in name for name in embedded)

def test_the_qr_code_holds_the_verification_link(ctx):
    application = create_issued_application()
    data = documents.render_pdf(application)
    assert not PdfReader(io.BytesIO(data)).pages[0].images  # vector squares: no image library involved
    url = documents.verification_url(application.verification_code)
    assert url == f"https://portal.example.az/verify/{application.verification_code}"
    expected = segno.make(url, error="m", micro=False)
    assert drawn_modules(data) == {(r, c) for r, row in enumerate(expected.matrix) for c, dark in enumerate(row) if dark}


def test_the_holder_falls_back_to_the_account_name(ctx):
    citizen = create_user("nurlan@example.az", full_name="Nurlan Sadıqov")
    application = create_issued_application(citizen, applicant={"phone": "+994 50 000 00 00"})
    assert "Nurlan Sadıqov" in pdf_text(documents.render_pdf(application))


def test_a_document_needs_a_code_and_a_date(ctx):
    application = create_issued_application()
    application.verification_code = None
    with pytest.raises(ValueError):
        documents.render_pdf(application)


# --- Verification --------------------------------------------------------------------------


def test_verify_tells_only_the_five_facts(ctx):
    application = create_issued_application()
    code = application.verification_code
    facts = documents.verify(code)
    assert facts == {
        "service": "Certificate of residence",  # the ctx fixture speaks English
        "number": "SRV-2026-000001",
        "issued_on": datetime(2026, 3, 3).date(),
        "district": "Ganja",
        "holder": "A. H.",
    }
    assert documents.verify(code.lower().replace("-", " ")) == facts


def test_verify_refuses_changed_unknown_and_unissued_codes(ctx):
    application = create_issued_application()
    code = application.verification_code
    last = code[-1]
    changed = code[:-1] + ("A" if last != "A" else "B")
    assert documents.verify(changed) is None
    assert documents.verify(documents.new_code()) is None
    assert documents.verify("") is None and documents.verify("not a code") is None
    application.status = "withdrawn"
    db.session.commit()
    assert documents.verify(code) is None
