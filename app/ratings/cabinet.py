"""The resident's ratings in the personal cabinet: the list, and the page to give or change one rating."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import requires
from app.kit.errors import Invalid
from app.kit.redirects import safe_next
from app.kit.steps import form_status
from app.models import RATED_KINDS
from app.ratings import bp, queries
from app.ratings import service as ratings
from app.ratings.forms import RatingForm


def subject_page(kind: str, subject_id: int) -> str:
    """Where the resident reads the rated thing: the appeal, the application; a ticket's rating goes back to the list."""
    if kind == "appeal":
        return url_for("appeals_cabinet.appeal", appeal_id=subject_id)
    if kind == "application":
        return url_for("eservices_cabinet.service_application", application_id=subject_id)
    return url_for("ratings.mine")


@bp.get("")
@requires("rating.give")
def mine():
    """What I rated (with a link to change it while I may) and what awaits my rating."""
    return render_template("ratings/cabinet/mine.html", mine=queries.mine(current_user))


@bp.route("/<kind>/<int:subject_id>", methods=["GET", "POST"])
@requires("rating.give")
def rate(kind: str, subject_id: int):
    """Give or change my rating of an answered appeal, a decided application or a served ticket: the overall mark
    and the four criteria, pre-filled with my current rating."""
    if kind not in RATED_KINDS:
        abort(404)
    standing = ratings.standing(current_user, kind, subject_id)
    form = RatingForm()
    if request.method == "GET":
        form.fill(standing.rating)
    elif form.validate_on_submit():
        try:
            ratings.rate(current_user, kind, subject_id, form.marks, form.comment.data)
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("Thank you: your rating is saved."), "success")
            return redirect(safe_next(request.form.get("next"), subject_page(kind, subject_id)))
    return render_template("ratings/cabinet/rate.html", form=form, standing=standing, kind=kind,
                           back=subject_page(kind, subject_id)), form_status()
