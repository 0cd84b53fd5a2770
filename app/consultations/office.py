"""The editors' consultation pages (office cabinet): drafts, sections, questions, publishing, the outcome.

Under ``/office/consultations``: editors of a district hold its consultations, administrators national ones too.
Another district's consultation is a 404.
"""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app.authz import requires
from app.consultations import office_bp
from app.consultations import service as consultations
from app.consultations.forms import ConsultationForm, OutcomeForm, QuestionForm, SectionForm, SectionOutcomeForm
from app.kit.calendar import local_date
from app.kit.errors import Invalid
from app.kit.forms import TokenForm, int_or_none, parse_date
from app.kit.i18n import tr
from app.kit.steps import run_step

NATIONAL = "national"


def _editable(consultation_id: int):
    return consultations.editable(current_user, consultation_id)


def _section(section_id: int):
    return consultations.editable_section(current_user, section_id)


@office_bp.get("/")
@requires("consultation.edit")
def manage():
    """Every consultation the editor holds, newest first, with comments and answers counted."""
    return render_template("consultations/office/manage.html", items=consultations.manage_list(current_user))


def _scope_choices(form: ConsultationForm) -> None:
    form.district_id.choices = [SelectChoice(NATIONAL if d is None else str(d.id),
                                             _("National (every district)") if d is None else tr(d))
                                for d in consultations.editor_scopes(current_user)]


def _input(form: ConsultationForm) -> consultations.ConsultationInput:
    scope = form.district_id.data
    return consultations.ConsultationInput(
        title_az=form.title_az.data or "", title_ru=form.title_ru.data or "", title_en=form.title_en.data or "",
        summary_az=form.summary_az.data or "", summary_ru=form.summary_ru.data or "",
        summary_en=form.summary_en.data or "", opens_on=parse_date(form.opens_on.data),
        closes_on=parse_date(form.closes_on.data), district_id=None if scope == NATIONAL else int_or_none(scope))


@office_bp.route("/new", methods=["GET", "POST"])
@requires("consultation.edit")
def new():
    """Start a draft consultation."""
    form = ConsultationForm()
    _scope_choices(form)
    if form.validate_on_submit():
        try:
            consultation = consultations.create(current_user, _input(form))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The draft is saved. Add its sections, then publish it."), "success")
            return redirect(url_for("consultations_office.work", consultation_id=consultation.id))
    return render_template("consultations/office/form.html", form=form, consultation=None), \
        422 if request.method == "POST" else 200


@office_bp.route("/<int:consultation_id>/edit", methods=["GET", "POST"])
@requires("consultation.edit")
def edit(consultation_id: int):
    """Change a draft's texts and comment period."""
    consultation = _editable(consultation_id)
    form = ConsultationForm(obj=consultation if request.method == "GET" else None)
    _scope_choices(form)
    if request.method == "GET":
        form.district_id.data = NATIONAL if consultation.district_id is None else str(consultation.district_id)
        form.opens_on.data = local_date(consultation.opens_at).isoformat()
        # The period ends at midnight after its last day.
        form.closes_on.data = local_date(consultation.closes_at - timedelta(seconds=1)).isoformat()
    return run_step(form, lambda: consultations.update(current_user, consultation_id, _input(form)),
                    _("The draft is saved."), url_for("consultations_office.work", consultation_id=consultation_id),
                    lambda: (render_template("consultations/office/form.html", form=form, consultation=consultation),
                             422 if request.method == "POST" else 200))


@office_bp.get("/<int:consultation_id>")
@requires("consultation.edit")
def work(consultation_id: int):
    """One consultation as its editor sees it: state, sections, questions, the next step."""
    consultation = _editable(consultation_id)
    view = consultations.public_view(current_user, consultation_id)
    return render_template("consultations/office/work.html", c=consultation, view=view, action_form=TokenForm())


def _section_input(form: SectionForm) -> consultations.SectionInput:
    return consultations.SectionInput(**{f"{stem}_{lang}": getattr(form, f"{stem}_{lang}").data or ""
                                         for stem in ("title", "body") for lang in ("az", "ru", "en")})


@office_bp.route("/<int:consultation_id>/sections/new", methods=["GET", "POST"])
@requires("consultation.edit")
def section_new(consultation_id: int):
    """Add a section to a draft's document."""
    consultation = _editable(consultation_id)
    form = SectionForm()
    return run_step(form, lambda: consultations.add_section(current_user, consultation_id, _section_input(form)),
                    _("The section is added."), url_for("consultations_office.work", consultation_id=consultation_id),
                    lambda: (render_template("consultations/office/section_form.html", form=form, c=consultation, section=None),
                             422 if request.method == "POST" else 200))


@office_bp.route("/sections/<int:section_id>/edit", methods=["GET", "POST"])
@requires("consultation.edit")
def section_edit(section_id: int):
    """Change a section of a draft."""
    section = _section(section_id)
    form = SectionForm(obj=section if request.method == "GET" else None)
    done = url_for("consultations_office.work", consultation_id=section.consultation_id)
    return run_step(form, lambda: consultations.update_section(current_user, section_id, _section_input(form)),
                    _("The section is saved."), done,
                    lambda: (render_template("consultations/office/section_form.html", form=form, c=section.consultation,
                                             section=section), 422 if request.method == "POST" else 200))


def _back_to_work(consultation_id: int, form: TokenForm, status: int = 422):
    consultation = _editable(consultation_id)
    view = consultations.public_view(current_user, consultation_id)
    return render_template("consultations/office/work.html", c=consultation, view=view, action_form=form), status


@office_bp.post("/sections/<int:section_id>/delete")
@requires("consultation.edit")
def section_delete(section_id: int):
    """Remove a section from a draft."""
    section = _section(section_id)
    consultation_id = section.consultation_id
    form = TokenForm()
    return run_step(form, lambda: consultations.delete_section(current_user, section_id), _("The section is removed."),
                    url_for("consultations_office.work", consultation_id=consultation_id),
                    lambda: _back_to_work(consultation_id, form))


@office_bp.route("/<int:consultation_id>/questions/new", methods=["GET", "POST"])
@requires("consultation.edit")
def question_new(consultation_id: int):
    """Add a question to a draft's question set."""
    consultation = _editable(consultation_id)
    form = QuestionForm()

    def add():
        consultations.add_question(current_user, consultation_id, consultations.QuestionInput(
            **{name: getattr(form, name).data or "" for name in
               ("text_az", "text_ru", "text_en", "options_az", "options_ru", "options_en")}))

    return run_step(form, add, _("The question is added."), url_for("consultations_office.work", consultation_id=consultation_id),
                    lambda: (render_template("consultations/office/question_form.html", form=form, c=consultation),
                             422 if request.method == "POST" else 200))


@office_bp.post("/questions/<int:question_id>/delete")
@requires("consultation.edit")
def question_delete(question_id: int):
    """Remove a question from a draft."""
    from app.extensions import db
    from app.models import ConsultationQuestion

    question = db.session.get(ConsultationQuestion, question_id)
    if question is None:
        abort(404)
    consultation_id = _editable(question.consultation_id).id
    form = TokenForm()
    return run_step(form, lambda: consultations.delete_question(current_user, question_id), _("The question is removed."),
                    url_for("consultations_office.work", consultation_id=consultation_id),
                    lambda: _back_to_work(consultation_id, form))


@office_bp.post("/<int:consultation_id>/publish")
@requires("consultation.edit")
def publish(consultation_id: int):
    """Publish a draft: the document, period and questions become public and no longer change."""
    _editable(consultation_id)
    form = TokenForm()
    return run_step(form, lambda: consultations.publish(current_user, consultation_id),
                    _("The consultation is published."), url_for("consultations_office.work", consultation_id=consultation_id),
                    lambda: _back_to_work(consultation_id, form))


@office_bp.route("/sections/<int:section_id>/outcome", methods=["GET", "POST"])
@requires("consultation.edit")
def section_outcome(section_id: int):
    """After the period: a section's final text and what changed in it and why."""
    section = _section(section_id)
    form = SectionOutcomeForm(obj=section if request.method == "GET" else None)

    def save():
        consultations.set_section_outcome(current_user, section_id, consultations.SectionOutcomeInput(
            **{f"{stem}_{lang}": getattr(form, f"{stem}_{lang}").data or ""
               for stem in ("final", "change") for lang in ("az", "ru", "en")}))

    return run_step(form, save, _("The section's outcome is saved."),
                    url_for("consultations_office.work", consultation_id=section.consultation_id),
                    lambda: (render_template("consultations/office/section_outcome.html", form=form, section=section,
                                             c=section.consultation), 422 if request.method == "POST" else 200))


@office_bp.route("/<int:consultation_id>/outcome", methods=["GET", "POST"])
@requires("consultation.edit")
def outcome(consultation_id: int):
    """After the period: publish what changed and why; the consultation is concluded."""
    consultation = _editable(consultation_id)
    form = OutcomeForm()

    def save():
        consultations.publish_outcome(current_user, consultation_id, consultations.OutcomeInput(
            outcome_az=form.outcome_az.data or "", outcome_ru=form.outcome_ru.data or "",
            outcome_en=form.outcome_en.data or ""))

    return run_step(form, save, _("The outcome is published beside the final text."),
                    url_for("consultations_office.work", consultation_id=consultation_id),
                    lambda: (render_template("consultations/office/outcome.html", form=form, c=consultation),
                             422 if request.method == "POST" else 200))
