"""Result documents of e-services: verification codes, the PDF, and the public check of a code.

An approved application is issued a PDF in the resident's language. It carries
a verification code that anyone holding the document can check on
``/verify/<code>``; the check shows only what the paper already shows a
reader (service, number, date, issuing authority) and the holder's initials,
so a code found on a lost document reveals nothing more.

The code is 20 symbols from an alphabet without look-alikes (no 0/O, 1/I/L),
drawn with ``secrets``: 31**20 ≈ 2**99 possibilities, so with the rate limit
on the public page nobody finds a valid code by trying.
"""
from __future__ import annotations

import logging
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import segno
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.kit import mail
from app.kit.calendar import local_date
from app.kit.i18n import current_lang, fmt_date
from app.models import ServiceApplication

if TYPE_CHECKING:
    from fpdf import FPDF

# Digits and capitals without the ones people misread: 0/O, 1/I/L.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GROUPS, GROUP_SIZE = 5, 4
CODE_LENGTH = GROUPS * GROUP_SIZE
# Dashes, spaces and the dash-like characters phones and word processors type instead.
SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.]+")

FONTS = Path(__file__).resolve().parent.parent / "data" / "fonts"
FONT = "DejaVu"
# Patronymic words of Azerbaijani names ("Aygün Elçin qızı Həsənova") are no initials.
PATRONYMIC_WORDS = {"qızı", "oğlu", "qizi", "oglu", "кызы", "оглы", "гызы", "оглу"}

# fpdf2 subsets the fonts with fontTools, which logs every table it touches at INFO: dozens of lines per PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def new_code() -> str:
    """A fresh, unguessable verification code such as ``K7QM-2XWD-9FJH-RT4P-8CNA``."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(symbols[i:i + GROUP_SIZE] for i in range(0, CODE_LENGTH, GROUP_SIZE))


def normalize_code(text: str | None) -> str | None:
    """The code in its printed form (upper case, grouped by dashes), or None when it cannot be one.

    Lower case, spaces and missing or extra dashes are accepted, as people type them.
    """
    text = (text or "").strip()
    if len(text) > 4 * CODE_LENGTH:  # a pasted page of text is no code: spend no work on it
        return None
    symbols = SEPARATORS.sub("", text).upper()
    if len(symbols) != CODE_LENGTH or any(ch not in ALPHABET for ch in symbols):
        return None
    return "-".join(symbols[i:i + GROUP_SIZE] for i in range(0, CODE_LENGTH, GROUP_SIZE))


def verification_url(code: str) -> str:
    """The absolute address of a code's verification page (printed and in the QR code)."""
    return mail.absolute(f"/verify/{code}")


def holder_name(application: ServiceApplication) -> str:
    """The name the document is issued to: as given on the application, else the account's."""
    return (application.applicant or {}).get("full_name") or application.citizen.full_name


def initials(full_name: str) -> str:
    """``"A. H."`` for ``"Aygün Həsənova"``: the first letter of each name, patronymic markers left out."""
    letters = []
    for word in full_name.split():
        if word.lower() in PATRONYMIC_WORDS:
            continue
        first = next((ch for ch in word if ch.isalpha()), None)
        if first:
            letters.append(f"{first.upper()}.")
    return " ".join(letters)


def find_issued(code: str | None) -> ServiceApplication | None:
    """The issued application that carries ``code`` (in any typed form), or None."""
    code = normalize_code(code)
    if code is None:
        return None
    return db.session.scalar(select(ServiceApplication).where(
        ServiceApplication.verification_code == code, ServiceApplication.status == "issued"))


def verify(code: str | None) -> dict | None:
    """What the public may learn from a code: service, number, issue date, district, holder's initials; else None."""
    application = find_issued(code)
    if application is None or application.issued_at is None:
        return None
    lang = current_lang()
    return {
        "service": application.service.text("title", lang),
        "number": application.number,
        "issued_on": local_date(application.issued_at),
        "district": application.district.name_in(lang),
        "holder": initials(holder_name(application)),
    }


# --- The PDF -------------------------------------------------------------------------------

MARGIN = 20
LABEL_WIDTH = 55
QR_SIZE = 38  # mm: large enough for a phone camera at arm's length, modules about 1 mm


def _qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """Draw the QR code of ``url`` as filled squares (one rectangle per run of dark modules)."""
    code = segno.make(url, error="m", micro=False)
    rows = code.matrix
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")


def _fact(pdf: FPDF, label: str, value: str, bold: bool = False) -> None:
    """One labelled line of the document; long values wrap under themselves."""
    from fpdf.enums import XPos, YPos

    pdf.set_x(MARGIN)
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(LABEL_WIDTH, 7, label)
    pdf.set_font(FONT, "B" if bold else "", 12)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(0, 7, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)


def render_pdf(application: ServiceApplication) -> bytes:
    """The A4 result document of an issued application, in the application's language."""
    # fpdf (with what it imports) is a quarter of a second of every process's start, the web servers' and every
    # command's, for the few that ever make a document: imported here, when one is made.
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    if not application.verification_code or application.issued_at is None:
        raise ValueError(f"{application.number} has no verification code or issue date yet")
    locale = application.locale or "az"
    code = application.verification_code
    url = verification_url(code)
    with force_locale(locale):
        portal = _("Digital Executive Authority")
        district = application.district.name_in(locale)
        title = application.service.text("title", locale)
        issued = fmt_date(application.issued_at)

        pdf = FPDF(orientation="P", unit="mm", format="A4")
        # The fonts travel with the code: the document never depends on what the server has installed.
        pdf.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
        pdf.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(True, MARGIN)
        pdf.set_lang(locale)
        pdf.set_title(f"{title} — {application.number}")
        pdf.set_author(district)
        pdf.set_creator(portal)
        pdf.set_creation_date(application.issued_at)
        pdf.add_page()

        pdf.set_font(FONT, "B", 11)
        pdf.set_text_color(0, 70, 140)
        pdf.cell(0, 6, portal, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, "B", 15)
        pdf.multi_cell(0, 8, district, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 11)
        pdf.cell(0, 6, _("District (city) executive authority"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
        pdf.set_draw_color(0, 70, 140)
        pdf.set_line_width(0.6)
        pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
        pdf.ln(10)

        pdf.set_font(FONT, "B", 18)
        pdf.multi_cell(0, 9, title, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(0, 6, _("The district (city) executive authority approved the application named below "
                               "and issues this document to its holder."),
                       align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(6)

        _fact(pdf, _("Holder"), holder_name(application), bold=True)
        _fact(pdf, _("Application number"), application.number)
        _fact(pdf, _("Date of issue"), issued)
        _fact(pdf, _("Issued by"), district)
        _fact(pdf, _("Verification code"), code, bold=True)
        pdf.ln(8)

        # The QR code and, beside it, how to check the document without it.
        top = pdf.get_y()
        if top + QR_SIZE > pdf.h - MARGIN:
            pdf.add_page()
            top = pdf.get_y()
        _qr(pdf, url, MARGIN, top, QR_SIZE)
        text_x = MARGIN + QR_SIZE + 8
        pdf.set_xy(text_x, top)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(0, 6, _("Is this document genuine?"), align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(0, 5, _("Scan the QR code, or open %(url)s and enter the verification code. "
                               "The page shows the service, the number, the date of issue, the issuing "
                               "authority and the holder's initials.", url=mail.absolute("/verify/")),
                       align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(0, 70, 140)
        pdf.multi_cell(0, 5, url, align="L", link=url, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        return bytes(pdf.output())

