"""Commitments' public pages: ``/`` (districts), ``/<code>`` (a district's list), ``/item/<id>`` (one commitment)
and residents' feedback. The editors' pages are in ``office.py``."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import can, public, requires
from app.commitments import bp
from app.commitments import service as commitments
from app.commitments.forms import FeedbackForm
from app.kit.errors import Invalid, NotAllowed
from app.kit.filters import choice
from app.kit.pagecache import cached_page
from app.kit.paging import page_number
from app.kit.reference import active_districts
from app.kit.reference import by_code as district_by_code
from app.models import COMMITMENT_STATUSES


@bp.record_once
def _template_globals(state) -> None:
    """The status labels for templates/components/commitments.html (macros see globals, not the page's context)."""
    state.app.jinja_env.globals["COMMITMENT_LABELS"] = commitments.STATUS_LABELS


@bp.app_template_filter("percent")
def percent(value: int | None) -> str:
    """A whole percentage (0–100) the locale's way: 40% in az and en, 40 % in ru."""
    return "" if value is None else format_percent(value / 100)


# --- Public pages ------------------------------------------------------------------------------------


@bp.get("/")
@cached_page()
@public
def index():
    """Every district with how many commitments it has published."""
    districts = active_districts()
    return render_template("commitments/index.html", districts=districts, counts=commitments.district_counts())


@bp.get("/<code>")
@cached_page("status", "page")
@public
def district(code: str):
    """A district's commitments with their progress, ongoing ones first; ``?status=`` narrows the list."""
    chosen = district_by_code(code)
    status = choice(request.args, "status", COMMITMENT_STATUSES)
    page = commitments.public_list(chosen, status, page_number(request.args.get("page")))
    return render_template("commitments/district.html", district=chosen, page=page, status=status,
                           counts=commitments.status_counts(chosen.id))


def _render_item(commitment_id: int, form: FeedbackForm | None = None, status: int = 200):
    view = commitments.public_view(commitment_id)
    mine = commitments.my_feedback(current_user, commitment_id)
    if form is None:
        form = FeedbackForm(prefix="feedback")
        if mine is not None:
            form.delivered.data = "yes" if mine.delivered else "no"
            form.comment.data = mine.comment or ""
    return render_template("commitments/item.html", view=view, form=form, mine=mine,
                           may_give_feedback=can(current_user, "commitment.feedback", view.commitment)), status


@bp.get("/item/<int:commitment_id>")
@cached_page()
@public
def item(commitment_id: int):
    """One commitment: milestones, the appeals it answers (numbers only), residents' feedback; the feedback form."""
    return _render_item(commitment_id)


@bp.post("/item/<int:commitment_id>/feedback")
@requires("commitment.feedback")
def feedback(commitment_id: int):
    """A resident says whether the completed commitment was delivered (saying it again changes the answer)."""
    form = FeedbackForm(prefix="feedback")
    if form.validate_on_submit():
        try:
            commitments.record_feedback(current_user, commitment_id, form.delivered_value, form.comment.data or "")
        except NotAllowed:
            abort(403)
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("Thank you: your feedback is published without your name."), "success")
            return redirect(url_for("commitments.item", commitment_id=commitment_id) + "#feedback-title")
    if form.delivered_value is None and not form.delivered.errors and not form.form_errors:
        form.delivered.errors = [_("Say whether the commitment was delivered.")]
    return _render_item(commitment_id, form, 422)
