"""Routes for filing an appeal and for the public list of a district's appeals."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.appeals import bp
from app.appeals.forms import AppealForm, coordinate
from app.authz import can, public, requires
from app.errors import Invalid, NotFound
from app.extensions import db
from app.forms import page_number
from app.i18n import current_lang, fmt_datetime, tr
from app.models import Category
from app.services import appeal_queries, appeals
from app.services.districts import active_districts
from app.services.districts import by_code as district_by_code


def _choices(form: AppealForm) -> None:
    districts = active_districts()
    categories = db.session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.position)).all()
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
                  number=appeal.number, due=fmt_datetime(appeal.due_at, "short")),
                "success",
            )
            return redirect(url_for("cabinet.appeal", appeal_id=appeal.id))
    return render_template("appeals/new.html", form=form), 200 if request.method == "GET" else 422


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
    try:
        district = district_by_code(code)
    except NotFound:
        abort(404)
    page = appeal_queries.public_appeals(district, page_number(request.args.get("page")))
    return render_template("appeals/public_list.html", district=district, page=page)
