"""Consultations in each state for the tests, built through the services as an editor would."""
from __future__ import annotations

from datetime import timedelta

from app.consultations import service as consultations
from app.extensions import db
from app.kit.calendar import local_date
from app.models import utcnow


def make_consultation(editor, district, state: str = "open", *, title: str = "Park qaydaları", questions: bool = True):
    """A consultation of ``district`` in ``state`` (draft, upcoming, open, closed, concluded) with two sections."""
    today = local_date(utcnow())
    c = consultations.create(editor, consultations.ConsultationInput(
        title_az=title, title_en=f"{title} (en)", summary_az="Parkda yeni qaydalar", opens_on=today,
        closes_on=today + timedelta(days=14), district_id=district.id if district else None))
    consultations.add_section(editor, c.id, consultations.SectionInput(title_az="Ümumi müddəalar", body_az="Park 08:00-dan açıqdır."))
    consultations.add_section(editor, c.id, consultations.SectionInput(title_az="İt gəzdirmə", body_az="İtlər qayışla gəzdirilir."))
    if questions:
        consultations.add_question(editor, c.id, consultations.QuestionInput(
            text_az="Qaydaları dəstəkləyirsinizmi?", options_az="Bəli\nXeyr\nBilmirəm",
            text_en="Do you support the rules?", options_en="Yes\nNo\nDon't know"))
    if state == "draft":
        return c
    consultations.publish(editor, c.id)
    now = utcnow()
    if state == "upcoming":
        c.opens_at, c.closes_at = now + timedelta(days=2), now + timedelta(days=10)
    elif state in ("closed", "concluded"):
        c.opens_at, c.closes_at = now - timedelta(days=20), now - timedelta(days=1)
    db.session.commit()
    if state == "concluded":
        section = c.sections[1]
        consultations.set_section_outcome(editor, section.id, consultations.SectionOutcomeInput(
            final_az="İtlər qayışla və ağızlıqla gəzdirilir.", change_az="Sakinlər ağızlıq istədi."))
        consultations.publish_outcome(editor, c.id, consultations.OutcomeInput(outcome_az="İki dəyişiklik edildi."))
    return c
