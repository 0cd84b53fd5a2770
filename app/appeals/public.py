"""Routes for filing an appeal and for the public list of a district's appeals."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.appeals import bp, follow, similar
from app.appeals import queries as appeal_queries
from app.appeals import service as appeals
from app.appeals.forms import AppealCheckForm, AppealForm
from app.authz import can, public, requires
from app.extensions import limiter
from app.kit import drafts
from app.kit.errors import Invalid
from app.kit.forms import TokenForm, coordinate, int_or_none
from app.kit.i18n import current_lang, fmt_datetime, tr
from app.kit.pagecache import cached_page
from app.kit.paging import page_number
from app.kit.reference import active_categories, active_districts
from app.kit.reference import by_code as district_by_code
from app.kit.steps import form_page


def _choices(form: AppealForm) -> None:
    districts = active_districts()
    categories = active_categories()
    form.fill_choices(districts, categories, tr)


def _input(form: AppealForm, **extra) -> appeals.AppealInput:
    """The use case's input from the (posted or draft-filled) form."""
    return appeals.AppealInput(
        district_id=form.district_id.data,
        category_id=form.category_id.data,
        kind=form.kind.data or "",
        subject=form.subject.data or "",
        text=form.text.data or "",
        applicant_name=form.applicant_name.data or "",
        applicant_address=form.applicant_address.data or "",
        applicant_phone=form.applicant_phone.data or "",
        location_lat=coordinate(form.location_lat.data),
        location_lon=coordinate(form.location_lon.data),
        confidential=form.confidential.data,
        public_ok=form.public_ok.data,
        submission_token=form.submission_token.data or None,
        locale=current_lang(),
        **extra,
    )


def _draft_input(form: AppealForm) -> drafts.DraftInput:
    """What the draft keeps of the posted form: the answers as typed, new files, files the resident removed."""
    return drafts.DraftInput(
        kind="appeal", data=drafts.answers_of(form), title=form.subject.data or "",
        district_id=form.district_id.data if form.district_id.data and form.district_id.data > 0 else None,
        category_id=form.category_id.data if form.category_id.data and form.category_id.data > 0 else None,
        uploads={"attachments": request.files.getlist(form.attachments.name)},
        remove_files=[i for i in (int_or_none(v) for v in request.form.getlist("remove_file")) if i is not None])


def _filed(appeal) -> str:
    flash(
        _("Your appeal is registered with number %(number)s. The answer is due by %(due)s.",
          number=appeal.number, due=fmt_datetime(appeal.due_at)),
        "success",
    )
    return redirect(url_for("appeals_cabinet.appeal", appeal_id=appeal.id))


def _saved(draft) -> str:
    flash(_("Your draft is saved. Find it under My drafts in your cabinet until %(date)s.",
            date=fmt_datetime(draft.expires_at)), "success")
    return redirect(url_for("drafts_cabinet.drafts_list"))


def _form_page(form: AppealForm, draft, **context):
    return form_page("appeals/new.html", form=form, draft=draft, similar=context.pop("similar", None)
                     or similar.SimilarAppeals(), checked=context.pop("checked", False), **context)


@bp.route("/new", methods=["GET", "POST"])
@requires("cabinet.view")
def new():
    """A resident writes an appeal to a district authority (or goes on with a draft, ``?draft=<id>``): "Continue"
    leads to the check page, "Save and come back later" keeps the draft; a POST with neither files at once."""
    if not can(current_user, "appeal.file"):
        return render_template("appeals/confirm_first.html"), 403
    draft_id = int_or_none(request.args.get("draft"))
    try:
        draft = drafts.get_own(current_user, draft_id, "appeal") if draft_id is not None else None
    except drafts.DraftEnded as ended:
        return render_template("drafts/ended.html", draft=ended.draft), 410
    if request.method == "GET" and draft is not None:
        form = AppealForm(formdata=MultiDict(draft.data))
    else:
        form = AppealForm()
    if request.method == "GET" and draft is None:
        form.applicant_name.data = current_user.full_name
        form.applicant_phone.data = current_user.phone or ""
        form.applicant_address.data = current_user.address or ""
        form.district_id.data = current_user.district_id
    _choices(form)
    if request.method == "POST" and form.check_similar.data:
        # "Check for similar appeals" (the page without JavaScript): the form again as written, nothing filed.
        found = similar.similar_for(current_user, form.district_id.data, form.category_id.data, form.subject.data,
                                    form.text.data)
        return render_template("appeals/new.html", form=form, draft=draft, similar=found, checked=True)
    if request.method == "POST" and form.save_draft.data:
        # Saving asks only for the length limits: the draft is not the appeal.
        if drafts.valid_to_save(form):
            try:
                return _saved(drafts.save(current_user, _draft_input(form), draft_id))
            except drafts.DraftEnded as ended:
                return render_template("drafts/ended.html", draft=ended.draft), 410
            except Invalid as error:
                form.apply(error)
        return _form_page(form, draft)
    if request.method == "POST" and form.proceed.data:
        if form.validate_on_submit():
            try:
                appeals.check_appeal(current_user, _input(form))
                saved = drafts.save(current_user, _draft_input(form), draft_id)
            except drafts.DraftEnded as ended:
                return render_template("drafts/ended.html", draft=ended.draft), 410
            except Invalid as error:
                form.apply(error)
            else:
                return redirect(url_for("appeals.check", draft=saved.id))
        return _form_page(form, draft)
    if form.validate_on_submit():
        try:
            appeal = appeals.file_appeal(current_user, _input(
                form, attachments=request.files.getlist(form.attachments.name), record_draft=True))
        except Invalid as error:
            form.apply(error)
        else:
            return _filed(appeal)
    return _form_page(form, draft)


@bp.route("/new/check", methods=["GET", "POST"])
@requires("cabinet.view")
def check():
    """"Check your answers": every answer of the draft with a link back to its field, then send it (filed exactly
    as from the form) or keep it to finish later. Only the draft's resident sees it."""
    if not can(current_user, "appeal.file"):
        return render_template("appeals/confirm_first.html"), 403
    try:
        draft = drafts.get_own(current_user, int_or_none(request.args.get("draft")), "appeal")
    except drafts.DraftEnded as ended:
        if ended.draft.status == "submitted" and ended.draft.appeal_id is not None:
            # Sent already (a double click, a reload): the one appeal it became.
            return redirect(url_for("appeals_cabinet.appeal", appeal_id=ended.draft.appeal_id))
        return render_template("drafts/ended.html", draft=ended.draft), 410
    answers = AppealForm(formdata=MultiDict(draft.data), meta={"csrf": False})
    _choices(answers)
    form = AppealCheckForm()
    if form.validate_on_submit():
        try:
            if form.save_draft.data:
                return _saved(drafts.touch(current_user, draft.id, "appeal"))
            return _filed(appeals.file_appeal(current_user, _input(answers, draft_id=draft.id)))
        except drafts.DraftEnded as ended:
            # Ended between reading it and sending (expired, deleted in another tab).
            return render_template("drafts/ended.html", draft=ended.draft), 410
        except Invalid as error:
            # Something changed since the check (a category withdrawn): the form again, the message beside it.
            answers.validate()
            answers.apply(error)
            return render_template("appeals/new.html", form=answers, draft=draft, similar=similar.SimilarAppeals(),
                                   checked=False), 422
    return render_template("appeals/check.html", draft=draft, form=form,
                           answers=answers.answers_shown(draft.files)), 200 if request.method == "GET" else 422


# A person typing, with the page's pause between keystrokes, asks about once a second at most.
SIMILAR_LIMIT = "60 per minute"


@bp.get("/similar")
@requires("cabinet.view")
@limiter.limit(SIMILAR_LIMIT)
def similar_appeals():
    """The open public appeals like the one being written, as a piece of the filing page that its script
    (static/js/similar-appeals.js) asks for as the resident types. Bad or missing values find nothing."""
    found = similar.similar_for(current_user, int_or_none(request.args.get("district_id")),
                                int_or_none(request.args.get("category_id")), request.args.get("subject", ""),
                                request.args.get("text", ""))
    return render_template("appeals/_similar.html", similar=found, checked=True)


@bp.get("/public")
@cached_page()
@public
def public_index():
    """The districts, each with a link to its public appeals."""
    districts = active_districts()
    return render_template("appeals/public_index.html", districts=districts)


@bp.get("/public/<code>")
@cached_page("page")
@public
def public_list(code: str):
    """A district's appeals whose applicants allowed publication, with the answers; never a name."""
    district = district_by_code(code)
    page = appeal_queries.public_appeals(district, page_number(request.args.get("page")))
    return render_template("appeals/public_list.html", district=district, page=page)


@bp.get("/public/<code>/<int:appeal_id>")
@cached_page()
@public
def public_appeal(code: str, appeal_id: int):
    """One published appeal with its answer, never a name or a contact; a resident may follow it from here."""
    shown = follow.public_appeal(current_user, code, appeal_id)
    return render_template("appeals/public_appeal.html", shown=shown, form=TokenForm())
