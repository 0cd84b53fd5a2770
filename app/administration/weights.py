"""The service index's weights (``/admin/index-weights``), for administrators (policy ``reference.manage``): the
versions in force one after another, and a form to date a new one. See ``weights_service``."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accountability.service import PART_LABELS
from app.accountability.stats import WEIGHTS
from app.administration import bp
from app.administration import weights_service as weights
from app.administration.weights_forms import IndexWeightsForm
from app.authz import requires
from app.kit.errors import Invalid
from app.kit.i18n import fmt_date


def _page(form: IndexWeightsForm, status: int = 200):
    return render_template("administration/reference/index_weights.html", form=form,
                           rows=weights.versions(current_user), labels=PART_LABELS), status


@bp.get("/index-weights")
@requires("reference.manage")
def index_weights():
    """Every version of the weights with its date, note, author and time; a form for the next one."""
    form = IndexWeightsForm(formdata=None)
    latest = weights.latest(current_user)
    form.fill(latest.weights if latest else WEIGHTS)
    return _page(form)


@bp.post("/index-weights")
@requires("reference.manage")
def index_weights_add():
    """Add a version of the weights (refused beside the fields when the numbers or the date are wrong)."""
    form = IndexWeightsForm()
    if form.validate_on_submit():
        try:
            version = weights.add_version(current_user, form.parsed_day(), form.weights(), form.note.data or "")
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The new weights are in force from %(day)s.", day=fmt_date(version.effective_from)), "success")
            return redirect(url_for("admin.index_weights"))
    return _page(form, 422)
