"""The resident's own data in the personal cabinet: ``/data`` (what the portal holds, the download, closing the
account), ``/data/download`` (the zip) and ``/data/close``."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from app.accounts import cabinet_bp, mydata
from app.accounts.profile_forms import CloseAccountForm, DownloadDataForm
from app.accounts.signin import rotate_csrf_token
from app.authz import can, requires
from app.kit.errors import Invalid


def _page(close_form: CloseAccountForm | None = None, status: int = 200):
    return render_template("accounts/cabinet/data.html", download_form=DownloadDataForm(prefix="download"),
                           close_form=close_form or CloseAccountForm(prefix="close", formdata=None),
                           may_close=can(current_user, "account.close", current_user)), status


@cabinet_bp.get("/data")
@requires("account.data")
def my_data():
    """What the portal holds about me, a button to download it all, and closing the account."""
    return _page()


@cabinet_bp.post("/data/download")
@requires("account.data")
def data_download():
    """Everything the portal holds about me as one zip: data.json and my files."""
    if not DownloadDataForm(prefix="download").validate_on_submit():
        abort(400)
    handle = mydata.export(current_user)
    return send_file(handle, mimetype="application/zip", as_attachment=True,
                     download_name=f"reqemsal-icra-my-data-{date.today().isoformat()}.zip")


@cabinet_bp.post("/data/close")
@requires("account.data")
def data_close():
    """Close my account after the password: profile and contacts erased, sign-in disabled."""
    if not can(current_user, "account.close", current_user):
        abort(403)
    form = CloseAccountForm(prefix="close")
    if form.validate_on_submit():
        try:
            mydata.close_account(current_user, form.password.data)
        except Invalid as error:
            form.apply(error)
        else:
            logout_user()  # the account's session rows went with it (app/accounts/sessions.py)
            rotate_csrf_token()
            flash(_("Your account is closed. Your appeals, bookings and applications stay with the authority "
                    "as the law requires, without your contact details."), "success")
            return redirect(url_for("main.index"))
    return _page(form, 422)
