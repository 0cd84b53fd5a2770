"""The official's appeal work: the district inbox, one appeal, every step, the head's escalations."""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from app import authz
from app.appeals import cases, office_bp
from app.appeals import queries as appeal_queries
from app.appeals import service as appeals
from app.appeals.forms import (
    AnswerForm,
    AssignForm,
    ExtendForm,
    ForwardForm,
    LinkForm,
    NotConsiderForm,
    RegisterStepForm,
    TextForm,
)
from app.authz import requires
from app.extensions import db
from app.kit import files
from app.kit.errors import Invalid
from app.kit.forms import ButtonForm, int_or_none
from app.kit.i18n import by_name, tr
from app.kit.paging import page_number
from app.kit.reference import active_categories
from app.kit.steps import run_step
from app.models import Department


def _filters() -> appeal_queries.InboxFilters:
    args = request.args
    return appeal_queries.InboxFilters(
        status=args.get("status", "open"),
        kind=args.get("kind", ""),
        category_id=int_or_none(args.get("category_id")),
        assignee=args.get("assignee", ""),
        overdue=args.get("overdue") == "1",
        due_within=int_or_none(args.get("due_within")),
        q=args.get("q", "")[:100],
        sort=args.get("sort", "due"),
        page=page_number(args.get("page")),
        per_page=int_or_none(args.get("per_page")) or appeal_queries.PER_PAGE,
    )


@office_bp.get("/appeals")
@requires("district.work")
def inbox():
    """The district's appeals, sorted by deadline, with counts per status and filters."""
    try:
        box = appeal_queries.inbox(current_user, int_or_none(request.args.get("district")), _filters())
    except Invalid:
        # A filter value that the page never offers: start again from the default view.
        flash(_("That filter is not available; showing the open appeals."), "info")
        return redirect(url_for("appeals_office.inbox"))
    categories = active_categories()
    return render_template("appeals/office/inbox.html", box=box, categories=categories,
                           colleagues=appeals.colleagues(box.district.id))


@office_bp.get("/appeals/escalations")
@requires("district.work")
def escalations():
    """The head's list of overdue appeals in the district."""
    district, overdue = appeal_queries.escalation_list(current_user, int_or_none(request.args.get("district")))
    return render_template("appeals/office/escalations.html", district=district, appeals=overdue)


def _render(appeal_id: int, status: int = 200, **forms):
    view = appeal_queries.view(current_user, appeal_id)
    if not view.staff:
        abort(404)
    appeal = view.appeal
    register = forms.setdefault("register_form", RegisterStepForm(prefix="register"))
    # Active departments, and the one the appeal already has (its category's default) even if since deactivated.
    register.department_id.choices = [SelectChoice("", _("No department"))] + [
        SelectChoice(d.id, tr(d))
        for d in by_name(db.session.scalars(select(Department).where(
            Department.district_id == appeal.district_id,
            Department.active.is_(True) | (Department.id == appeal.department_id))))
    ]
    if register.department_id.data is None:
        register.department_id.data = appeal.department_id
    assign = forms.setdefault("assign_form", AssignForm(prefix="assign"))
    assign.assignee_id.choices = [SelectChoice(u.id, u.full_name) for u in appeals.colleagues(appeal.district_id)]
    if assign.assignee_id.data is None:
        assign.assignee_id.data = appeal.assignee_id or current_user.id
    forms.setdefault("not_consider_form", NotConsiderForm(prefix="nc")).fill_choices()
    for name, factory in {
        "info_form": lambda: TextForm(prefix="info"),
        "answer_form": lambda: AnswerForm(prefix="answer"),
        "forward_form": lambda: ForwardForm(prefix="forward"),
        "message_form": lambda: TextForm(prefix="message"),
        "note_form": lambda: TextForm(prefix="note"),
        "extend_form": lambda: ExtendForm(prefix="extend"),
        "start_form": lambda: ButtonForm(prefix="start"),
        "study_form": lambda: ButtonForm(prefix="study"),
        "urgent_form": lambda: ButtonForm(prefix="urgent"),
        "link_form": lambda: LinkForm(prefix="link"),
        "unlink_form": lambda: ButtonForm(prefix="unlink"),
    }.items():
        forms.setdefault(name, factory())
    forms["link_form"].example_from(appeal.number)
    allowed = {to for (frm, to) in authz.TRANSITIONS if frm == appeal.status and authz.transition_allowed(current_user, appeal, to)}
    return render_template("appeals/office/appeal.html", view=view, allowed=allowed,
                           case=cases.case_view(current_user, appeal), **forms), status


@office_bp.get("/appeals/<int:appeal_id>")
@requires("district.work")
def appeal(appeal_id: int):
    """One appeal with its whole timeline, messages, internal notes and the steps open to this official."""
    return _render(appeal_id)


def _step(appeal_id: int, form, form_name: str, action: Callable[[], object], success: str):
    """Run one step: back to the appeal on success, else the page again with the errors beside the fields."""
    return run_step(form, action, success, url_for("appeals_office.appeal", appeal_id=appeal_id),
                    lambda: _render(appeal_id, 422, **{form_name: form}), not_allowed=403)


def _transition(appeal_id: int, to_status: str, **data):
    return lambda: appeals.transition(current_user, appeal_id, to_status, appeals.StepData(**data))


@office_bp.post("/appeals/<int:appeal_id>/register")
@requires("district.work")
def appeal_register(appeal_id: int):
    """Register the appeal, optionally to a department."""
    form = RegisterStepForm(prefix="register")
    return _step(appeal_id, form, "register_form",
                 _transition(appeal_id, "registered", department_id=form.department_id.data),
                 _("The appeal is registered."))


@office_bp.post("/appeals/<int:appeal_id>/assign")
@requires("district.work")
def appeal_assign(appeal_id: int):
    """Assign the appeal to an official of the district (and take it into work)."""
    form = AssignForm(prefix="assign")
    return _step(appeal_id, form, "assign_form",
                 lambda: appeals.assign(current_user, appeal_id, form.assignee_id.data or -1),
                 _("The appeal is assigned."))


@office_bp.post("/appeals/<int:appeal_id>/start")
@requires("district.work")
def appeal_start(appeal_id: int):
    """Take a registered or reopened appeal into work, or end an information request."""
    form = ButtonForm(prefix="start")
    return _step(appeal_id, form, "start_form", _transition(appeal_id, "in_progress"), _("The appeal is in progress."))


@office_bp.post("/appeals/<int:appeal_id>/request-info")
@requires("district.work")
def appeal_request_info(appeal_id: int):
    """Ask the applicant for more information."""
    form = TextForm(prefix="info")
    return _step(appeal_id, form, "info_form", _transition(appeal_id, "info_requested", note=form.note.data),
                 _("The applicant is asked for information."))


@office_bp.post("/appeals/<int:appeal_id>/answer")
@requires("district.work")
def appeal_answer(appeal_id: int):
    """Answer the applicant; or, for an appeal linked into a case, every open appeal of the case at once."""
    form = AnswerForm(prefix="answer")
    if form.to_case.data:
        return _step(appeal_id, form, "answer_form", lambda: cases.answer_all(current_user, appeal_id, form.answer.data),
                     _("The answer is sent to every open appeal of the case, each applicant on their own appeal."))
    return _step(appeal_id, form, "answer_form", _transition(appeal_id, "answered", answer=form.answer.data),
                 _("The answer is sent to the applicant."))


@office_bp.post("/appeals/<int:appeal_id>/link")
@requires("appeal.case")
def appeal_link(appeal_id: int):
    """Link the appeal with another appeal of the district on the same matter (by its registration number)."""
    form = LinkForm(prefix="link")
    return _step(appeal_id, form, "link_form", lambda: cases.link(current_user, appeal_id, form.number.data),
                 _("The appeals are linked into one case. Each keeps its own number, deadline and answer."))


@office_bp.post("/appeals/<int:appeal_id>/unlink")
@requires("appeal.case")
def appeal_unlink(appeal_id: int):
    """Take the appeal out of its case (a case left with one appeal dissolves)."""
    form = ButtonForm(prefix="unlink")
    return _step(appeal_id, form, "unlink_form", lambda: cases.unlink(current_user, appeal_id),
                 _("The appeal is no longer linked with the other appeals."))


@office_bp.post("/appeals/<int:appeal_id>/forward")
@requires("district.work")
def appeal_forward(appeal_id: int):
    """Forward an appeal outside the authority's competence to the competent body."""
    form = ForwardForm(prefix="forward")
    return _step(appeal_id, form, "forward_form",
                 _transition(appeal_id, "forwarded", forwarded_to=form.forwarded_to.data),
                 _("The appeal is forwarded and the applicant is told."))


@office_bp.post("/appeals/<int:appeal_id>/not-consider")
@requires("district.work")
def appeal_not_consider(appeal_id: int):
    """Leave the appeal without consideration on a legal ground."""
    form = NotConsiderForm(prefix="nc")
    form.fill_choices()
    return _step(appeal_id, form, "not_consider_form",
                 _transition(appeal_id, "not_considered", ground=form.ground.data or "", note=form.note.data),
                 _("The appeal is left without consideration and the applicant is told why."))


@office_bp.post("/appeals/<int:appeal_id>/message")
@requires("district.work")
def appeal_message(appeal_id: int):
    """Write to the applicant."""
    form = TextForm(prefix="message")
    return _step(appeal_id, form, "message_form", lambda: appeals.post_message(
        current_user, appeal_id, form.note.data, request.files.getlist(form.attachments.name)),
        _("Your message is sent to the applicant."))


@office_bp.post("/appeals/<int:appeal_id>/note")
@requires("district.work")
def appeal_note(appeal_id: int):
    """Add an internal note the applicant never sees."""
    form = TextForm(prefix="note")
    return _step(appeal_id, form, "note_form", lambda: appeals.post_message(
        current_user, appeal_id, form.note.data, request.files.getlist(form.attachments.name), internal=True),
        _("The internal note is saved."))


@office_bp.post("/appeals/<int:appeal_id>/extend")
@requires("district.work")
def appeal_extend(appeal_id: int):
    """The head extends the deadline once, with a reason."""
    form = ExtendForm(prefix="extend")
    return _step(appeal_id, form, "extend_form",
                 lambda: appeals.extend(current_user, appeal_id, int_or_none(form.days.data), form.reason.data),
                 _("The deadline is extended and the applicant is told."))


@office_bp.post("/appeals/<int:appeal_id>/extra-study")
@requires("district.work")
def appeal_extra_study(appeal_id: int):
    """The head marks the appeal as needing extra study (30 working days)."""
    form = ButtonForm(prefix="study")
    return _step(appeal_id, form, "study_form", lambda: appeals.mark_extra_study(current_user, appeal_id),
                 _("The appeal needs extra study; its deadline is now 30 working days."))


@office_bp.post("/appeals/<int:appeal_id>/urgent")
@requires("district.work")
def appeal_urgent(appeal_id: int):
    """Mark an appeal whose information would lose its value: due within 24 hours."""
    form = ButtonForm(prefix="urgent")
    return _step(appeal_id, form, "urgent_form", lambda: appeals.mark_urgent(current_user, appeal_id),
                 _("The appeal is urgent: it is due within 24 hours of registration."))


@office_bp.get("/appeals/<int:appeal_id>/files/<int:attachment_id>")
@requires("district.work")
def appeal_file(appeal_id: int, attachment_id: int):
    """Download an attachment of an appeal of the district."""
    attachment = appeal_queries.attachment_for(current_user, appeal_id, attachment_id)
    return files.send(attachment)
