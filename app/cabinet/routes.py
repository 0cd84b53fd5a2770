"""Routes of the citizen cabinet."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app.auth.forms import ActionForm
from app.authz import requires
from app.cabinet import bp
from app.cabinet.forms import PasswordForm, ProfileForm
from app.errors import Invalid
from app.i18n import tr
from app.services import accounts, appeal_queries
from app.services.districts import active_districts


@bp.get("/")
@requires("cabinet.view")
def index():
    """The resident's overview: what they have filed and booked, and what to do next."""
    recent = appeal_queries.citizen_appeals(current_user, 1, per_page=5)
    return render_template("cabinet/index.html", resend_form=ActionForm(), recent=recent)


@bp.route("/profile", methods=["GET", "POST"])
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
            return redirect(url_for("cabinet.profile"))
    return render_template("cabinet/profile.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/password", methods=["GET", "POST"])
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
    return render_template("cabinet/password.html", form=form), 200 if request.method == "GET" else 422
