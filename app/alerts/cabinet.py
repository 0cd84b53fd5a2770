"""The resident's alerts in the personal cabinet: ``/cabinet/alerts`` lists them and adds one,
``/cabinet/alerts/<id>/frequency`` changes how often one comes, ``/cabinet/alerts/<id>/end`` ends one.
Use cases in app/alerts/service.py; whose alert it is, in app/authz.py (``alert.manage``)."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.alerts import cabinet_bp
from app.alerts import service as alerts
from app.alerts.forms import FrequencyForm, SubscribeForm
from app.alerts.public import flash_outcome, subscribe_form, subscribe_input
from app.authz import requires
from app.extensions import limiter
from app.kit.errors import Invalid
from app.kit.forms import ActionForm
from app.kit.i18n import LANGUAGE_NAMES, current_lang


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


def _page(form: SubscribeForm, status: int = 200, errors: dict[int, str] | None = None):
    items = alerts.own_subscriptions(current_user)
    return render_template("alerts/cabinet/alerts.html", form=form, items=items, errors=errors or {},
                           frequency_forms={s.id: _frequency_form(s) for s in items}, end_form=ActionForm(),
                           language=LANGUAGE_NAMES[current_lang()]), status


def _frequency_form(subscription) -> FrequencyForm:
    form = FrequencyForm(formdata=None, prefix=f"alert{subscription.id}")
    form.frequency.data = subscription.frequency
    return form


@cabinet_bp.get("/alerts")
@requires("alert.manage")
def alerts_list():
    """My alerts (running and waiting for confirmation), and a form to add one with my address and district."""
    district = current_user.district.code if current_user.district is not None else ""
    return _page(subscribe_form(current_user.email, district))


@cabinet_bp.post("/alerts")
@requires("alert.manage")
@limiter.limit(_auth_limit)
def alerts_add():
    """Add an alert: at once for my own confirmed address, else after the emailed confirmation link."""
    form = subscribe_form()
    if form.validate_on_submit():
        try:
            outcome = alerts.subscribe(current_user, subscribe_input(form))
        except Invalid as error:
            form.apply(error)
        else:
            flash_outcome(outcome, form.email.data)
            return redirect(url_for("alerts_cabinet.alerts_list"))
    return _page(form, 422)


@cabinet_bp.post("/alerts/<int:subscription_id>/frequency")
@requires("alert.manage")
def alert_frequency(subscription_id: int):
    """Change how often one of my alerts comes (another resident's is a 404)."""
    form = FrequencyForm(prefix=f"alert{subscription_id}")
    if form.validate_on_submit():
        try:
            alerts.change_frequency(current_user, subscription_id, form.frequency.data or "")
        except Invalid as error:
            return _page(subscribe_form(current_user.email), 422, {subscription_id: error.errors["frequency"]})
        flash(_("The alert's frequency is saved."), "success")
    return redirect(url_for("alerts_cabinet.alerts_list"))


@cabinet_bp.post("/alerts/<int:subscription_id>/end")
@requires("alert.manage")
def alert_end(subscription_id: int):
    """End one of my alerts (another resident's is a 404); its emailed links stop working."""
    if ActionForm().validate_on_submit():
        alerts.end(current_user, subscription_id)
        flash(_("The alert is ended: nothing more will be sent for it."), "success")
    return redirect(url_for("alerts_cabinet.alerts_list"))
