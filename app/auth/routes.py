"""Routes of the accounts area. Views are thin: parse, call one service, respond."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import bp
from app.auth.forms import ActionForm, LoginForm, RegisterForm, ResetPasswordForm, ResetRequestForm
from app.authz import public, requires
from app.errors import Invalid
from app.extensions import limiter
from app.i18n import current_lang
from app.services import accounts


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


def _safe_next(target: str | None) -> str | None:
    """A local path to return to after sign-in, or None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def landing_url(user) -> str:
    """Where a user lands after signing in: staff in the office, residents in the cabinet."""
    return url_for("official.index") if user.is_staff else url_for("cabinet.index")


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit(_auth_limit, methods=["POST"])
def register():
    """A resident creates an account and is sent a confirmation link."""
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(
                full_name=form.full_name.data,
                email=form.email.data,
                password=form.password.data,
                consent=form.consent.data,
                locale=current_lang(),
            )
        except Invalid as error:
            form.apply(error)
        else:
            login_user(user)
            flash(_("Your account is created. We sent a confirmation link to %(email)s.", email=user.email), "success")
            return redirect(url_for("cabinet.index"))
    return render_template("auth/register.html", form=form), 200 if request.method == "GET" or not form.errors else 422


@bp.get("/confirm/<token>")
@public
def confirm(token: str):
    """Follow the emailed confirmation link."""
    try:
        accounts.confirm_email(token)
    except Invalid as error:
        return render_template("auth/message.html", title=_("Email not confirmed"), message=error.errors[None]), 400
    flash(_("Your email address is confirmed. Thank you."), "success")
    return redirect(url_for("cabinet.index") if current_user.is_authenticated else url_for("auth.login"))


@bp.post("/confirm/resend")
@requires("account.manage")
@limiter.limit(_auth_limit)
def resend_confirmation():
    """Send the confirmation link again."""
    form = ActionForm()
    if form.validate_on_submit() and not current_user.is_confirmed:
        accounts.resend_confirmation(current_user)
        flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("cabinet.index"))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_auth_limit, methods=["POST"])
def login():
    """Sign in with email and password (then a second factor when set up); five failures lock the account."""
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except accounts.SignInRefused as refused:
            if refused.reason == "locked":
                form.form_errors.append(
                    _(
                        "Too many wrong passwords: this account is locked until %(time)s. Try again then, or reset your password.",
                        time=format_datetime(refused.locked_until, "short"),
                    )
                )
            elif refused.reason == "inactive":
                form.form_errors.append(_("This account is deactivated. Contact the portal's support."))
            else:
                form.form_errors.append(_("The email address or the password is not correct."))
        else:
            target = _safe_next(request.args.get("next"))
            if user.two_factor_enabled:
                from app.auth.two_factor import start_second_step

                return start_second_step(user, form.remember.data, target)
            login_user(user, remember=form.remember.data)
            session["lang"] = user.locale
            return redirect(target or landing_url(user))
    status = 200 if request.method == "GET" or not (form.errors or form.form_errors) else 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@requires("account.manage")
def logout():
    """Sign out (a POST with the CSRF token, so no page can sign a user out)."""
    form = ActionForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("You have signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/reset", methods=["GET", "POST"])
@public
@limiter.limit(_auth_limit, methods=["POST"])
def reset_request():
    """Ask for a password reset link; the answer does not reveal whether the account exists."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        return render_template(
            "auth/message.html",
            title=_("Check your email"),
            message=_("If an account uses %(email)s, a link to choose a new password is on its way. The link works for one hour.", email=form.email.data),
        )
    return render_template("auth/reset_request.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_auth_limit, methods=["POST"])
def reset_password(token: str):
    """Choose a new password through the emailed link."""
    try:
        accounts.user_for_reset(token)
    except Invalid as error:
        return render_template("auth/message.html", title=_("Password not changed"), message=error.errors[None]), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 200 if request.method == "GET" else 422
