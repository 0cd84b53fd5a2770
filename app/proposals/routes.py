"""Proposals: the public list and page, writing and supporting; the resident's cabinet; the office.

Public: ``/proposals/`` (filters: district, state, category), ``/proposals/<id>``, ``/proposals/new``.
Cabinet: ``/cabinet/proposals`` (mine, drafts editable), ``/cabinet/proposals/supports``.
Office: ``/office/proposals`` (the district's proposals), ``/office/proposals/<id>`` (answer, carry out, link),
``/office/proposals/settings`` (threshold and period). Another district's proposal is a 404.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import can, public, requires
from app.kit import files
from app.kit.errors import Invalid
from app.kit.filters import choice, district_filter
from app.kit.forms import int_or_none
from app.kit.i18n import tr
from app.kit.pagecache import cached_page
from app.kit.paging import page_number
from app.kit.reference import active_categories, active_districts
from app.kit.steps import form_page, form_status, run_step
from app.models import utcnow
from app.moderation import service as moderation
from app.proposals import bp
from app.proposals import service as proposals
from app.proposals.forms import AdvanceForm, AnswerForm, LinkForm, ProposalForm, ReportForm, SettingsForm, StepForm


@bp.record_once
def _template_globals(state) -> None:
    """Labels for templates/components/proposals.html (macros see globals, not the page's context)."""
    state.app.jinja_env.globals.update(PROPOSAL_STATE_LABELS=proposals.STATE_LABELS,
                                       PROPOSAL_DECISION_LABELS=proposals.DECISION_LABELS)


# --- Public ------------------------------------------------------------------------------------------


@bp.get("/proposals/")
@cached_page("district", "state", "category", "page")
@public
def index():
    """Published proposals of every district, newest first; filters: district, state, category."""
    districts = active_districts()
    categories = active_categories()
    district = district_filter(request.args, national=False).district
    state = choice(request.args, "state", proposals.PUBLIC_STATES)
    category_id = int_or_none(request.args.get("category"))
    category = next((c for c in categories if c.id == category_id), None)
    filters = proposals.Filters(district.id if district else None, state, category.id if category else None,
                                page_number(request.args.get("page")))
    args = {k: v for k, v in (("district", district.code if district else ""), ("state", state),
                              ("category", category.id if category else "")) if v}
    return render_template("proposals/index.html", page=proposals.public_list(filters), districts=districts,
                           categories=categories, district=district, state=state, category=category, args=args)


def _render_page(proposal_id: int, form: StepForm | None = None, status: int = 200,
                 report_form: ReportForm | None = None):
    proposal = proposals.public_view(current_user, proposal_id)
    return render_template(
        "proposals/page.html", proposal=proposal, form=form or StepForm(prefix="support"),
        report_form=report_form or ReportForm(prefix="report"), original=proposals.shows_original(current_user, proposal),
        supported=proposals.supports(current_user, proposal.id),
        supportable=proposal.supportable(utcnow()) and not proposal.is_hidden,
        commitments=proposals.linked_commitments(proposal.id),
    ), status


@bp.get("/proposals/<int:proposal_id>")
@cached_page()
@public
def page(proposal_id: int):
    """One proposal: its text, the supports towards the threshold, the support button, the authority's answer."""
    return _render_page(proposal_id)


@bp.get("/proposals/<int:proposal_id>/image")
@public
def image(proposal_id: int):
    """The proposal's picture, shown on its page (a draft's only to its author)."""
    proposal = proposals.image_of(current_user, proposal_id)
    # Public caching only when anyone may see the picture; a draft's or a hidden proposal's is private, no-store.
    return files.stream(proposal.image_name, proposal.image_type,
                        public_max_age=3600 if proposals.image_is_public(proposal) else None)


@bp.post("/proposals/<int:proposal_id>/support")
@requires("proposal.support")
def support(proposal_id: int):
    """Support the proposal (once)."""
    form = StepForm(prefix="support")
    return run_step(form, lambda: proposals.support(current_user, proposal_id),
                    _("Thank you: your support is counted."), url_for(".page", proposal_id=proposal_id) + "#support",
                    lambda: _render_page(proposal_id, form, 422))


@bp.post("/proposals/<int:proposal_id>/withdraw")
@requires("proposal.support")
def withdraw(proposal_id: int):
    """Take back one's support while the proposal collects supports."""
    form = StepForm(prefix="support")
    return run_step(form, lambda: proposals.withdraw_support(current_user, proposal_id),
                    _("Your support is withdrawn."), url_for(".page", proposal_id=proposal_id) + "#support",
                    lambda: _render_page(proposal_id, form, 422))


@bp.post("/proposals/<int:proposal_id>/report")
@requires("participation.take_part")
def report(proposal_id: int):
    """Report the proposal to the moderators of its district, with the reason."""
    proposals.public_view(current_user, proposal_id)
    form = ReportForm(prefix="report")
    return run_step(form, lambda: moderation.report(current_user, "proposal", proposal_id, form.reason.data or ""),
                    _("Thank you: a moderator of the district will look at your report."),
                    url_for(".page", proposal_id=proposal_id), lambda: _render_page(proposal_id, status=422, report_form=form))


def _proposal_input(form: ProposalForm) -> proposals.ProposalInput:
    return proposals.ProposalInput(
        district_id=form.district_id.data, category_id=form.category_id.data, title=form.title.data or "",
        body=form.body.data or "", image=request.files.get(form.image.name), remove_image=bool(form.remove_image.data),
    )


@bp.route("/proposals/new", methods=["GET", "POST"])
@requires("cabinet.view")
def new():
    """A resident writes a proposal: saved as a draft, or published at once."""
    if not can(current_user, "proposal.create"):
        return render_template("proposals/confirm_first.html"), 403
    form = ProposalForm()
    if request.method == "GET":
        form.district_id.data = current_user.district_id
    form.fill_choices(active_districts(), active_categories(), tr)
    if form.validate_on_submit():
        publish_now = bool(form.publish.data)
        try:
            proposal = proposals.create(current_user, _proposal_input(form), publish_now=publish_now)
        except Invalid as error:
            form.apply(error)
        else:
            if publish_now:
                flash(_("Your proposal is published; residents can support it now."), "success")
                return redirect(url_for(".page", proposal_id=proposal.id))
            flash(_("Your draft is saved. Publish it when it is ready."), "success")
            return redirect(url_for(".mine"))
    return form_page("proposals/form.html", form=form, proposal=None)


# --- Cabinet -----------------------------------------------------------------------------------------


@bp.get("/cabinet/proposals")
@requires("cabinet.view")
def mine():
    """My proposals: drafts to finish, published ones with their state and supports."""
    return render_template("proposals/cabinet/mine.html", items=proposals.my_proposals(current_user), form=StepForm())


@bp.get("/cabinet/proposals/supports")
@requires("cabinet.view")
def my_supports():
    """The proposals I support, with a way to withdraw while they collect supports."""
    return render_template("proposals/cabinet/supports.html", items=proposals.my_supports(current_user),
                           now=utcnow(), form=StepForm(prefix="support"))


@bp.route("/cabinet/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@requires("cabinet.view")
def edit(proposal_id: int):
    """Change one's draft; the second button publishes it."""
    proposal = proposals.editable(current_user, proposal_id)
    form = ProposalForm(obj=proposal if request.method == "GET" else None)
    form.fill_choices(active_districts(), active_categories(), tr)
    if form.validate_on_submit():
        publish_now = bool(form.publish.data)
        try:
            proposals.update_draft(current_user, proposal_id, _proposal_input(form), publish_now=publish_now)
        except Invalid as error:
            form.apply(error)
        else:
            if publish_now:
                flash(_("Your proposal is published; residents can support it now."), "success")
                return redirect(url_for(".page", proposal_id=proposal_id))
            flash(_("Your draft is saved. Publish it when it is ready."), "success")
            return redirect(url_for(".mine"))
    return form_page("proposals/form.html", form=form, proposal=proposal)


@bp.post("/cabinet/proposals/<int:proposal_id>/delete")
@requires("cabinet.view")
def delete(proposal_id: int):
    """Throw a draft away."""
    return run_step(StepForm(), lambda: proposals.delete_draft(current_user, proposal_id), _("The draft is deleted."),
                    url_for(".mine"), lambda: abort(400))


# --- Office ------------------------------------------------------------------------------------------


@bp.get("/office/proposals")
@requires("proposal.office")
def office():
    """The district's proposals, those owing an answer first (by deadline); a switch between one's districts."""
    state = choice(request.args, "state", proposals.PUBLIC_STATES)
    district, counts, page = proposals.office_list(current_user, int_or_none(request.args.get("district")), state,
                                                   page_number(request.args.get("page")))
    return render_template("proposals/office/office.html", district=district, counts=counts, page=page, state=state,
                           districts=proposals.office_districts(current_user))


def _render_work(proposal_id: int, status: int = 200, **forms):
    proposal = proposals.workable(current_user, proposal_id)
    answer_form = forms.get("answer_form") or AnswerForm(prefix="answer")
    answer_form.fill_choices(proposals.DECISION_LABELS)
    link_form = forms.get("link_form") or LinkForm(prefix="link")
    link_form.commitment_id.choices = [("", _("Choose a commitment"))] + [
        (c.id, c.title_in(current_user.locale)) for c in proposals.district_commitments(proposal.district_id)]
    return render_template(
        "proposals/office/work.html", proposal=proposal, answer_form=answer_form, link_form=link_form,
        advance_form=forms.get("advance_form") or AdvanceForm(prefix="advance"),
        commitments=proposals.linked_commitments(proposal.id),
    ), status


@bp.get("/office/proposals/<int:proposal_id>")
@requires("proposal.office")
def work(proposal_id: int):
    """A proposal of the district: the answer form for the head, then carrying it out."""
    return _render_work(proposal_id)


@bp.post("/office/proposals/<int:proposal_id>/answer")
@requires("proposal.office")
def answer(proposal_id: int):
    """The head answers: accepted, partly accepted or rejected, with the reasoning.

    The view lets the district's staff in; the service answers 404 to anyone but the head of the proposal's district.
    """
    form = AnswerForm(prefix="answer")
    form.fill_choices(proposals.DECISION_LABELS)
    return run_step(form, lambda: proposals.answer(current_user, proposal_id, form.decision.data, form.response.data or ""),
                    _("The answer is published; the author and the supporters are told."),
                    url_for(".work", proposal_id=proposal_id), lambda: _render_work(proposal_id, 422, answer_form=form))


@bp.post("/office/proposals/<int:proposal_id>/advance")
@requires("proposal.office")
def advance(proposal_id: int):
    """The head marks an accepted proposal as in progress, then as implemented."""
    form = AdvanceForm(prefix="advance")
    return run_step(form, lambda: proposals.advance(current_user, proposal_id, form.to_state.data or ""),
                    _("The proposal's state is changed; the author and the supporters are told."),
                    url_for(".work", proposal_id=proposal_id), lambda: _render_work(proposal_id, 422, advance_form=form))


@bp.post("/office/proposals/<int:proposal_id>/link")
@requires("proposal.office")
def link(proposal_id: int):
    """The head links the accepted proposal to a commitment of the district."""
    form = LinkForm(prefix="link")
    form.commitment_id.choices = []
    return run_step(form, lambda: proposals.link_commitment(current_user, proposal_id, form.commitment_id.data),
                    _("The commitment is linked; its page and the proposal's page show each other."),
                    url_for(".work", proposal_id=proposal_id), lambda: _render_work(proposal_id, 422, link_form=form))


@bp.route("/office/proposals/settings", methods=["GET", "POST"])
@requires("proposal.settings")
def settings():
    """A district's threshold and support period: its head, or an administrator for any district."""
    district = proposals.settings_district(current_user, int_or_none(request.args.get("district")))
    rules = proposals.settings_for(district.id)
    form = SettingsForm()
    if request.method == "GET":
        form.threshold.data, form.period_days.data = str(rules.threshold), str(rules.period_days)
    if form.validate_on_submit():
        try:
            proposals.update_settings(current_user, district.id, int_or_none(form.threshold.data),
                                      int_or_none(form.period_days.data))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The rules for proposals of %(district)s are saved.", district=tr(district)), "success")
            return redirect(url_for(".settings", district=district.id))
    return render_template("proposals/office/settings.html", form=form, district=district, rules=rules,
                           districts=proposals.settings_districts(current_user)), \
        form_status()
