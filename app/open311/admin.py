"""The administrators' Open311 keys (``/admin/open311/keys``): the list, issuing, rotating and revoking.

A key is shown once, on the page that answers its issuing or rotation: that page is drawn in answer to the form
(no redirect, so the key never passes through the session cookie or a flash message) and kept by no cache.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import requires
from app.kit.errors import Invalid
from app.kit.files import PRIVATE
from app.kit.forms import ButtonForm
from app.kit.i18n import tr
from app.kit.reference import active_districts
from app.kit.steps import form_status
from app.open311 import admin_bp, keys
from app.open311.forms import IssueKeyForm


def _list_page(form: IssueKeyForm | None = None, action_form: ButtonForm | None = None):
    form = form or IssueKeyForm(formdata=None)
    form.fill_choices(active_districts(), tr)
    return render_template("open311/admin/keys.html", keys=keys.key_list(current_user), form=form,
                           action_form=action_form or ButtonForm(formdata=None)), form_status()


def _shown_once(issued: keys.Issued, rotated: bool):
    """The page with the new key: the one time it is shown."""
    body = render_template("open311/admin/key_issued.html", issued=issued, rotated=rotated)
    return body, 200, {"Cache-Control": PRIVATE}


@admin_bp.get("/keys")
@requires("open311.keys")
def key_list():
    """Every Open311 key: client, district, prefix, when issued and last used, revoked or not; a key to issue."""
    return _list_page()


@admin_bp.post("/keys")
@requires("open311.keys")
def issue():
    """Issue a key for a client and a district; the answer shows the key once."""
    form = IssueKeyForm()
    if form.validate_on_submit():
        try:
            issued = keys.issue(current_user, form.name.data or "", form.district_id.data)
        except Invalid as error:
            form.apply(error)
        else:
            return _shown_once(issued, rotated=False)
    return _list_page(form)


@admin_bp.post("/keys/<int:key_id>/rotate")
@requires("open311.keys")
def rotate(key_id: int):
    """Replace a key by a new one for the same client and district; the old one is revoked at once."""
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            issued = keys.rotate(current_user, key_id)
        except Invalid as error:
            form.apply(error)
        else:
            return _shown_once(issued, rotated=True)
    return _list_page(action_form=form)


@admin_bp.post("/keys/<int:key_id>/revoke")
@requires("open311.keys")
def revoke(key_id: int):
    """Revoke a key: it files nothing from now on."""
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            key = keys.revoke(current_user, key_id)
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The key %(prefix)s is revoked: it files nothing from now on.", prefix=key.prefix), "success")
            return redirect(url_for("open311_admin.key_list"))
    return _list_page(action_form=form)
