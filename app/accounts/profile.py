"""The resident's profile and password (``/cabinet/profile``, ``/cabinet/password``)."""
from __future__ import annotations

from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app.accounts import cabinet_bp
from app.accounts import service as accounts
from app.accounts.profile_forms import PasswordForm, ProfileForm
from app.authz import requires
from app.kit.errors import Invalid
from app.kit.i18n import tr
from app.kit.reference import active_districts
from app.kit.steps import form_page


@cabinet_bp.route("/profile", methods=["GET", "POST"])
@requires("account.manage")
def profile():
    """Edit name, phone, postal address, language and home district."""
    form = ProfileForm(obj=current_user if request.method == "GET" else None)
    districts = active_districts()
    form.district_id.choices = [SelectChoice("", _("Not chosen"))] + [SelectChoice(d.id, tr(d)) for d in districts]
    if form.validate_on_submit():
        try:
            accounts.update_profile(
                current_user,
                full_name=form.full_name.data,
                phone=form.phone.data,
                address=form.address.data,
                locale=form.locale.data,
                district_id=form.district_id.data,
            )
        except Invalid as error:
            form.apply(error)
        else:
            session["lang"] = current_user.locale
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts_cabinet.profile"))
    return form_page("accounts/cabinet/profile.html", form=form)


@cabinet_bp.route("/password", methods=["GET", "POST"])
@requires("account.manage")
def password():
    """Change the password."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, current=form.current_password.data, new=form.new_password.data)
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("Your password is changed."), "success")
            return redirect(url_for("cabinet.index"))
    return form_page("accounts/cabinet/password.html", form=form)
