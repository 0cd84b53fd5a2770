"""One rule for every translated column: the reader's language when it is filled, else Azerbaijani, else ""."""
from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy import select

from app.eservices.form_definitions import label
from app.extensions import db
from app.kit.i18n import tr
from app.models import (
    Commitment,
    CommitmentMilestone,
    Consultation,
    ConsultationOption,
    ConsultationQuestion,
    ConsultationSection,
    District,
    Poll,
    PollOption,
    Service,
    Tag,
)
from app.models.base import Translated


def test_a_stored_row_with_an_empty_russian_name_shows_the_azerbaijani_one(ctx):
    db.session.add(District(code="XYZ", name_az="Xəyal rayonu", name_ru="", name_en="Khayal district"))
    db.session.commit()
    db.session.expunge_all()
    district = db.session.scalar(select(District).where(District.code == "XYZ"))

    assert district.name_in("ru") == "Xəyal rayonu"
    assert district.text_in("name", "ru") == "Xəyal rayonu"
    assert district.name_in("en") == "Khayal district"
    assert district.name_in("az") == "Xəyal rayonu"
    # A language without a column (a stale session value, say) gets the official one too.
    assert district.name_in("de") == "Xəyal rayonu"


def test_tr_picks_the_current_language(app):
    tag = Tag(slug="roads", name_az="Yollar", name_ru=None, name_en="Roads")
    service = Service(code="x", title_az="Arayış", title_ru="", title_en="Certificate")
    with app.test_request_context():
        with force_locale("ru"):
            assert tr(tag) == "Yollar"
            assert tr(service, "title") == "Arayış"
        with force_locale("en"):
            assert tr(tag) == "Roads"
            assert tr(service, "title") == "Certificate"


def test_texts_fall_back_to_azerbaijani_and_use_a_filled_translation():
    commitment = Commitment(title_az="Yol təmiri", title_ru=None, title_en="Road repair",
                            description_az="Təsvir", description_ru="", description_en=None)
    assert (commitment.title_in("ru"), commitment.title_in("en")) == ("Yol təmiri", "Road repair")
    assert (commitment.description_in("ru"), commitment.description_in("en")) == ("Təsvir", "Təsvir")
    assert CommitmentMilestone(title_az="Layihə", title_ru="Проект", title_en="").title_in("en") == "Layihə"

    poll = Poll(question_az="Park harada olsun?", question_ru="", question_en="Where should the park be?")
    assert (poll.question_in("ru"), poll.question_in("en")) == ("Park harada olsun?", "Where should the park be?")
    assert PollOption(label_az="Mərkəzdə", label_ru=None, label_en="In the centre").label_in("ru") == "Mərkəzdə"

    service = Service(title_az="Arayış", title_ru="", title_en="Certificate",
                      summary_az="Qısa", summary_ru="Кратко", summary_en="")
    assert (service.text("title", "ru"), service.text("title", "en")) == ("Arayış", "Certificate")
    assert (service.text_in("summary", "ru"), service.text_in("summary", "en")) == ("Кратко", "Qısa")

    question = ConsultationQuestion(text_az="Razısınız?", text_ru=None, text_en="Do you agree?")
    assert (question.text_in("text", "ru"), question.text_in("text", "en")) == ("Razısınız?", "Do you agree?")
    assert ConsultationOption(label_az="Bəli", label_ru="Да", label_en=None).label_in("en") == "Bəli"


def test_optional_texts_empty_in_every_language_are_empty_strings():
    poll = Poll(question_az="Sual", description_az=None, description_ru=None, description_en="About")
    assert poll.description_in("ru") == ""
    assert poll.description_in("en") == "About"

    consultation = Consultation(title_az="Layihə", summary_az="Xülasə", summary_ru=None, summary_en="Summary",
                                outcome_az=None, outcome_ru=None, outcome_en=None)
    assert (consultation.title_in("en"), consultation.summary_in("ru"), consultation.outcome_in("ru")) == (
        "Layihə", "Xülasə", "")


def test_a_section_without_a_final_text_shows_its_draft():
    section = ConsultationSection(title_az="Maddə 1", title_ru="Статья 1", title_en=None,
                                  body_az="Layihə mətni", body_ru="", body_en="Draft text",
                                  final_az=None, final_ru=None, final_en=None, change_az=None)
    assert section.title_in("ru") == "Статья 1" and section.title_in("en") == "Maddə 1"
    assert section.final_in("en") == "Draft text"
    assert section.final_in("ru") == "Layihə mətni"
    assert section.change_in("en") == ""
    section.final_az, section.final_en = "Yekun mətn", "Final text"
    assert (section.final_in("ru"), section.final_in("en")) == ("Yekun mətn", "Final text")


def test_e_service_form_labels_follow_the_same_rule():
    field = {"label_az": "Ünvan", "label_ru": "", "label_en": "Address", "help_az": "", "help_en": "Street, house"}
    assert label(field, "ru") == "Ünvan"
    assert label(field, "en") == "Address"
    assert label(field, "ru", "help") == ""
    assert label(field, "en", "help") == "Street, house"


def test_every_model_with_translated_columns_uses_the_mixin():
    untranslated = []
    for mapper in db.Model.registry.mappers:
        columns = set(mapper.columns.keys())
        stems = {name[:-3] for name in columns if name.endswith("_az")}
        if any(f"{stem}_ru" in columns and f"{stem}_en" in columns for stem in stems):
            if not issubclass(mapper.class_, Translated):
                untranslated.append(mapper.class_.__name__)
    assert untranslated == []
    assert {District, Tag, Poll, Commitment, Consultation, ConsultationSection, Service} <= {
        m.class_ for m in db.Model.registry.mappers if issubclass(m.class_, Translated)}
