"""Routes for filing an appeal and for the public list of a district's appeals."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.appeals import bp, follow, similar
from app.appeals import queries as appeal_queries
from app.appeals import service as appeals
from app.appeals.forms import AppealForm
from app.authz import can, public, requires
from app.extensions import limiter
from app.kit.errors import Invalid
from app.kit.forms import TokenForm, coordinate, int_or_none
from app.kit.i18n import current_lang, fmt_datetime, tr
from app.kit.paging import page_number
from app.kit.reference import active_categories, active_districts
from app.kit.reference import by_code as district_by_code
from app.kit.steps import form_page


def _choices(form: AppealForm) -> None:
    districts = active_districts()
    categories = active_categories()
    form.fill_choices(districts, categories, tr)


@bp.route("/new", methods=["GET", "POST"])
@requires("cabinet.view")
def new():
    """A resident writes an appeal to a district authority."""
    if not can(current_user, "appeal.file"):
        return render_template("appeals/confirm_first.html"), 403
    form = AppealForm()
    if request.method == "GET":
        form.applicant_name.data = current_user.full_name
        form.applicant_phone.data = current_user.phone or ""
        form.applicant_address.data = current_user.address or ""
        form.district_id.data = current_user.district_id
    _choices(form)
    if request.method == "POST" and form.check_similar.data:
        # "Check for similar appeals" (the page without JavaScript): the form again as written, nothing filed.
        found = similar.similar_for(current_user, form.district_id.data, form.category_id.data, form.subject.data,
                                    form.text.data)
        return render_template("appeals/new.html", form=form, similar=found, checked=True)
    if form.validate_on_submit():
        data = appeals.AppealInput(
            district_id=form.district_id.data,
            category_id=form.category_id.data,
            kind=form.kind.data or "",
            subject=form.subject.data,
            text=form.text.data,
            applicant_name=form.applicant_name.data,
            applicant_address=form.applicant_address.data or "",
            applicant_phone=form.applicant_phone.data or "",
            location_lat=coordinate(form.location_lat.data),
            location_lon=coordinate(form.location_lon.data),
            confidential=form.confidential.data,
            public_ok=form.public_ok.data,
            submission_token=form.submission_token.data or None,
            locale=current_lang(),
            attachments=request.files.getlist(form.attachments.name),
        )
        try:
            appeal = appeals.file_appeal(current_user, data)
        except Invalid as error:
            form.apply(error)
        else:
            flash(
                _("Your appeal is registered with number %(number)s. The answer is due by %(due)s.",
                  number=appeal.number, due=fmt_datetime(appeal.due_at)),
                "success",
            )
            return redirect(url_for("appeals_cabinet.appeal", appeal_id=appeal.id))
    return form_page("appeals/new.html", form=form, similar=similar.SimilarAppeals(), checked=False)


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
@public
def public_index():
    """The districts, each with a link to its public appeals."""
    districts = active_districts()
    return render_template("appeals/public_index.html", districts=districts)


@bp.get("/public/<code>")
@public
def public_list(code: str):
    """A district's appeals whose applicants allowed publication, with the answers; never a name."""
    district = district_by_code(code)
    page = appeal_queries.public_appeals(district, page_number(request.args.get("page")))
    return render_template("appeals/public_list.html", district=district, page=page)


@bp.get("/public/<code>/<int:appeal_id>")
@public
def public_appeal(code: str, appeal_id: int):
    """One published appeal with its answer, never a name or a contact; a resident may follow it from here."""
    shown = follow.public_appeal(current_user, code, appeal_id)
    return render_template("appeals/public_appeal.html", shown=shown, form=TokenForm())
