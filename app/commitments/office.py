"""The editors' and district heads' commitment pages (``/office/commitments``): the list, writing and changing a
commitment, its milestones and links. Another district's commitment is a 404."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.authz import requires
from app.commitments import office_bp
from app.commitments import service as commitments
from app.commitments.forms import CommitmentForm, DoneForm, LinkForm, MilestoneForm
from app.kit.errors import Invalid
from app.kit.forms import BaseForm, int_or_none, parse_date, parse_money
from app.kit.i18n import current_lang, tr
from app.kit.steps import form_status


@office_bp.get("/")
@requires("commitment.edit")
def manage():
    """The commitments of the district the editor (or head) maintains, with a switch between their districts."""
    district, items = commitments.editor_list(current_user, int_or_none(request.args.get("district")))
    return render_template("commitments/office/manage.html", district=district, items=items,
                           districts=commitments.editor_districts(current_user))


def _form_input(form: CommitmentForm) -> commitments.CommitmentInput:
    """The service's input from the submitted form; a trailing per cent sign in the progress is forgiven."""
    return commitments.CommitmentInput(
        title_az=form.title_az.data or "", title_ru=form.title_ru.data or "", title_en=form.title_en.data or "",
        description_az=form.description_az.data or "", description_ru=form.description_ru.data or "",
        description_en=form.description_en.data or "", department_id=form.department_id.data,
        status=form.status.data or "", progress=int_or_none((form.progress.data or "").rstrip("% ")),
        planned_start=parse_date(form.planned_start.data), planned_end=parse_date(form.planned_end.data),
        actual_start=parse_date(form.actual_start.data), actual_end=parse_date(form.actual_end.data),
        planned_cost=parse_money(form.planned_cost.data), actual_cost=parse_money(form.actual_cost.data),
    )


@office_bp.route("/new", methods=["GET", "POST"])
@requires("commitment.edit")
def new():
    """Write a new commitment of the district."""
    district = commitments.editor_district(current_user, int_or_none(request.args.get("district")))
    form = CommitmentForm()
    form.fill_choices(commitments.departments(district.id), tr, commitments.STATUS_LABELS)
    if form.validate_on_submit():
        try:
            commitment = commitments.create(current_user, district.id, _form_input(form))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The commitment is published. Add its milestones and the appeals it answers."), "success")
            return redirect(url_for("commitments_office.work", commitment_id=commitment.id))
    return render_template("commitments/office/form.html", form=form, district=district, commitment=None), \
        form_status()


@office_bp.route("/<int:commitment_id>/edit", methods=["GET", "POST"])
@requires("commitment.edit")
def edit(commitment_id: int):
    """Change a commitment: texts, department, status and progress, dates and costs."""
    commitment = commitments.editable(current_user, commitment_id)
    form = CommitmentForm(obj=commitment if request.method == "GET" else None)
    form.fill_choices(commitments.departments(commitment.district_id), tr, commitments.STATUS_LABELS)
    if form.validate_on_submit():
        try:
            commitments.update(current_user, commitment_id, _form_input(form))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The commitment is saved."), "success")
            return redirect(url_for("commitments_office.work", commitment_id=commitment_id))
    return render_template("commitments/office/form.html", form=form, district=commitment.district, commitment=commitment), \
        form_status()


def _done_form(milestone, lang: str) -> DoneForm:
    form = DoneForm(prefix=f"done{milestone.id}")
    # The row shows the milestone beside the field; a screen reader on the field alone hears which one it is.
    form.done_on.label.text = Markup('{} <span class="visually-hidden">{}</span>').format(_("Done on"), milestone.title_in(lang))
    return form


def _render_work(commitment_id: int, status: int = 200, done_form: DoneForm | None = None, done_for: int | None = None,
                 **forms):
    view = commitments.work_view(current_user, commitment_id)
    lang = current_lang()
    done_forms = {m.id: _done_form(m, lang) for m in view.milestones if m.done_on is None}
    if done_form is not None and done_for in done_forms:
        done_form.done_on.label.text = done_forms[done_for].done_on.label.text
        done_forms[done_for] = done_form
    return render_template(
        "commitments/office/work.html", view=view, done_forms=done_forms,
        milestone_form=forms.get("milestone_form") or MilestoneForm(prefix="milestone"),
        link_form=forms.get("link_form") or LinkForm(prefix="link"),
    ), status


@office_bp.get("/<int:commitment_id>")
@requires("commitment.edit")
def work(commitment_id: int):
    """The editor's page of one commitment: its facts, milestones to add and mark done, appeals to link."""
    return _render_work(commitment_id)


@office_bp.post("/<int:commitment_id>/milestones")
@requires("commitment.edit")
def milestone_add(commitment_id: int):
    """Add a dated milestone."""
    commitments.editable(current_user, commitment_id)
    form = MilestoneForm(prefix="milestone")
    if form.validate_on_submit():
        data = commitments.MilestoneInput(title_az=form.title_az.data or "", title_ru=form.title_ru.data or "",
                                          title_en=form.title_en.data or "", due_on=parse_date(form.due_on.data))
        try:
            commitments.add_milestone(current_user, commitment_id, data)
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The milestone is added."), "success")
            return redirect(url_for("commitments_office.work", commitment_id=commitment_id) + "#milestones-title")
    return _render_work(commitment_id, 422, milestone_form=form)


def _milestone_commitment(milestone_id: int) -> int:
    """The id of the commitment a milestone of the editor's district belongs to; 404 otherwise."""
    return commitments.editable_milestone(current_user, milestone_id).commitment_id


@office_bp.post("/milestones/<int:milestone_id>/done")
@requires("commitment.edit")
def milestone_done(milestone_id: int):
    """Mark a milestone as done, on the day given or today."""
    commitment_id = _milestone_commitment(milestone_id)
    form = DoneForm(prefix=f"done{milestone_id}")
    if form.validate_on_submit():
        try:
            commitments.complete_milestone(current_user, milestone_id, parse_date(form.done_on.data))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The milestone is marked as done."), "success")
            return redirect(url_for("commitments_office.work", commitment_id=commitment_id) + "#milestones-title")
    return _render_work(commitment_id, 422, done_form=form, done_for=milestone_id)


@office_bp.post("/milestones/<int:milestone_id>/reopen")
@requires("commitment.edit")
def milestone_reopen(milestone_id: int):
    """Undo "done" on a milestone marked by mistake."""
    commitment_id = _milestone_commitment(milestone_id)
    if not BaseForm().validate_on_submit():
        abort(400)
    try:
        commitments.reopen_milestone(current_user, milestone_id)
    except Invalid as error:
        flash(" ".join(str(m) for m in error.errors.values()), "error")
    else:
        flash(_("The milestone is no longer marked as done."), "success")
    return redirect(url_for("commitments_office.work", commitment_id=commitment_id) + "#milestones-title")


@office_bp.post("/<int:commitment_id>/links")
@requires("commitment.edit")
def link_add(commitment_id: int):
    """Link an appeal of the district by its registration number."""
    commitments.editable(current_user, commitment_id)
    form = LinkForm(prefix="link")
    if form.validate_on_submit():
        try:
            link = commitments.link_appeal(current_user, commitment_id, form.number.data or "")
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The appeal %(number)s is linked; its applicant is told in the personal cabinet.",
                    number=link.appeal.number), "success")
            return redirect(url_for("commitments_office.work", commitment_id=commitment_id) + "#links-title")
    return _render_work(commitment_id, 422, link_form=form)


@office_bp.post("/links/<int:link_id>/unlink")
@requires("commitment.edit")
def link_remove(link_id: int):
    """Remove the link to an appeal."""
    commitments.editable_link(current_user, link_id)
    if not BaseForm().validate_on_submit():
        abort(400)
    commitment_id = commitments.unlink(current_user, link_id)
    flash(_("The appeal is no longer linked."), "success")
    return redirect(url_for("commitments_office.work", commitment_id=commitment_id) + "#links-title")
