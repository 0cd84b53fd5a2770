"""Routes of the accounts area. Views are thin: parse, call one service, respond."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from app.accounts import bp, sessions
from app.accounts import service as accounts
from app.accounts.forms import LoginForm, RegisterForm, ResetPasswordForm, ResetRequestForm
from app.accounts.signin import auth_limit, exchange_link_token, landing_url, rotate_csrf_token, safe_next, sign_in
from app.accounts.two_factor_views import start_second_step
from app.authz import public, requires
from app.extensions import limiter
from app.kit.errors import Invalid
from app.kit.forms import ActionForm
from app.kit.i18n import current_lang, fmt_datetime
from app.kit.steps import form_page


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit(auth_limit, methods=["POST"])
def register():
    """A resident creates an account and is sent a confirmation link.

    The answer is the same whether or not the address already has an account (its owner is emailed instead),
    so nobody is signed in here: the new resident signs in after following the link.
    """
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            accounts.register(
                full_name=form.full_name.data,
                email=form.email.data,
                password=form.password.data,
                consent=form.consent.data,
                locale=current_lang(),
            )
        except Invalid as error:
            form.apply(error)
        else:
            session[REGISTERED] = accounts.normalize_email(form.email.data)
            return redirect(url_for("auth.registered"))
    return render_template("accounts/register.html", form=form), 200 if request.method == "GET" or not form.errors else 422


REGISTERED = "registered_email"  # the address just registered, for the "check your email" page


@bp.get("/registered")
@public
def registered():
    """After registering: check your email (the same page whether the address was new or not)."""
    email = session.get(REGISTERED)
    if not email:
        return redirect(url_for("auth.register"))
    return render_template("accounts/message.html", title=_("Check your email"), message=_(
        "We sent a message to %(email)s. Follow the link in it to confirm your address, then sign in. If the "
        "address already has an account, the message tells you how to sign in or choose a new password.",
        email=email))


@bp.get("/confirm/<token>")
@public
def confirm(token: str):
    """Follow the emailed confirmation link."""
    try:
        accounts.confirm_email(token)
    except Invalid as error:
        return render_template("accounts/message.html", title=_("Email not confirmed"), message=error.errors[None]), 400
    flash(_("Your email address is confirmed. Thank you."), "success")
    return redirect(url_for("cabinet.index") if current_user.is_authenticated else url_for("auth.login"))


@bp.post("/confirm/resend")
@requires("account.manage")
@limiter.limit(auth_limit)
def resend_confirmation():
    """Send the confirmation link again."""
    form = ActionForm()
    if form.validate_on_submit() and not current_user.is_confirmed:
        accounts.resend_confirmation(current_user)
        flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("cabinet.index"))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(auth_limit, methods=["POST"])
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
                        time=fmt_datetime(refused.locked_until),
                    )
                )
            elif refused.reason == "inactive":
                form.form_errors.append(_("This account is deactivated. Contact the portal's support."))
            else:
                form.form_errors.append(_("The email address or the password is not correct."))
        else:
            target = safe_next(request.args.get("next"))
            if user.two_factor_enabled:

                return start_second_step(user, form.remember.data, target)
            sign_in(user, form.remember.data)
            return redirect(target or landing_url(user))
    status = 200 if request.method == "GET" or not (form.errors or form.form_errors) else 422
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@requires("account.manage")
def logout():
    """Sign out (a POST with the CSRF token, so no page can sign a user out)."""
    form = ActionForm()
    if form.validate_on_submit():
        # The session's row ends, so a copy of its cookies (the remember-me one too) opens nothing any more.
        sessions.sign_out(current_user)
        logout_user()
        rotate_csrf_token()
        flash(_("You have signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/reset", methods=["GET", "POST"])
@public
@limiter.limit(auth_limit, methods=["POST"])
def reset_request():
    """Ask for a password reset link; the answer does not reveal whether the account exists."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        return render_template(
            "accounts/message.html",
            title=_("Check your email"),
            message=_("If an account uses %(email)s, a link to choose a new password is on its way. The link works for one hour.", email=form.email.data),
        )
    return form_page("accounts/reset_request.html", form=form)


# The emailed links' tokens move into the session at the first request (``exchange_link_token``), so that the
# access logs of the proxy and the server see each token once, and the form, its posts and the pages' Referer
# headers never carry it.
RESET_TOKEN = "reset_token"


@bp.get("/reset/<token>")
@public
def reset_password(token: str):
    """Follow the emailed reset link: its token is checked, kept in the session, and left out of the address."""
    try:
        accounts.user_for_reset(token)
    except Invalid as error:
        return render_template("accounts/message.html", title=_("Password not changed"), message=error.errors[None]), 400
    return exchange_link_token(RESET_TOKEN, token, "auth.new_password")


@bp.route("/new-password", methods=["GET", "POST"])
@public
@limiter.limit(auth_limit, methods=["POST"])
def new_password():
    """Choose a new password, with the reset link's token from the session (the link stops working once used)."""
    token = session.get(RESET_TOKEN, "")
    try:
        accounts.user_for_reset(token)
    except Invalid as error:
        session.pop(RESET_TOKEN, None)
        return render_template("accounts/message.html", title=_("Password not changed"), message=error.errors[None]), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except Invalid as error:
            form.apply(error)
        else:
            session.pop(RESET_TOKEN, None)
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return form_page("accounts/reset_password.html", form=form)
