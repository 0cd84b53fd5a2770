"""Two-factor sign-in and staff invitations: the second step of signing in, set-up, the account page.

``/auth/two-factor``          the second step after the password (a code from the app or a recovery code)
``/auth/two-factor/setup``    set-up: QR code, the secret as text, a code to confirm; then the recovery codes
``/auth/two-factor/account``  the staff member's own page: state, new recovery codes, turning it off
``/auth/invitation/<token>``  the emailed link: its token goes into the session, the browser to ``/auth/invitation``
``/auth/invitation``          an invited member of staff chooses a password

Administrators and supervisors who have not set up a second factor are sent to set-up by ``_gate`` on every
request until they have: they can do nothing else (but sign out).
"""
from __future__ import annotations

import time

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.accounts import bp
from app.accounts import two_factor as tfa
from app.accounts.forms import AcceptInvitationForm, CodeForm, TotpForm
from app.accounts.signin import auth_limit, exchange_link_token, landing_url, sign_in
from app.administration import staff_service as staff
from app.authz import public, requires
from app.extensions import db, limiter
from app.kit.errors import Invalid
from app.kit.i18n import fmt_datetime
from app.kit.redirects import safe_next
from app.kit.steps import form_status
from app.models import User

PENDING = "two_factor_pending"
PENDING_SECONDS = 300
# What a signed-in person who must set up a second factor may still reach.
OPEN_DURING_SETUP = {"static", "auth.two_factor_setup", "auth.logout", "main.healthz", "main.readyz"}


@bp.before_app_request
def _gate():
    """Administrators and supervisors without a second factor go to set-up, whatever they asked for."""
    if request.endpoint in OPEN_DURING_SETUP or request.endpoint is None:
        return None
    if current_user.is_authenticated and tfa.needs_setup(current_user):
        return redirect(url_for("auth.two_factor_setup"))
    return None


def start_second_step(user: User, remember: bool, target: str | None):
    """After a right password: remember who is half signed in (five minutes) and ask for the code."""
    session[PENDING] = {"uid": user.id, "v": user.session_version, "remember": bool(remember),
                        "next": target, "at": int(time.time())}
    return redirect(url_for("auth.two_factor"))


def _pending_user() -> tuple[User | None, dict]:
    pending = session.get(PENDING) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, {}
    user = db.session.get(User, pending.get("uid"))
    if user is None or not user.active or user.session_version != pending.get("v") or not user.two_factor_enabled:
        return None, {}
    return user, pending


@bp.route("/two-factor", methods=["GET", "POST"])
@public
@limiter.limit(auth_limit, methods=["POST"])
def two_factor():
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Sign in with your email and password first."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            used = tfa.verify_sign_in(user, form.code.data)
        except tfa.CodeRefused as refused:
            if refused.reason == "locked":
                session.pop(PENDING, None)
                form.form_errors.append(_(
                    "Too many wrong codes: this account is locked until %(time)s. Try again then.",
                    time=fmt_datetime(refused.locked_until)))
            elif refused.reason == "used":
                form.code.errors = [_("This recovery code was already used. Each code works once.")]
            else:
                form.code.errors = [_("This code is not correct. Enter the six digits your app shows now, "
                                      "or an unused recovery code.")]
        else:
            session.pop(PENDING, None)
            sign_in(user, pending.get("remember", False))
            if used == "recovery":
                flash(_("You signed in with a recovery code. %(left)d unused codes are left.",
                        left=tfa.recovery_codes_left(user)), "info")
            return redirect(safe_next(pending.get("next"), landing_url(user)))
    status = 200 if request.method == "GET" or not (form.errors or form.form_errors) else 422
    return render_template("accounts/two_factor.html", form=form), status


def _qr(pending: tfa.Pending) -> Markup:
    label = _("QR code for the authenticator app")
    return Markup(pending.svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" ', 1))


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@requires("account.two_factor")
def two_factor_setup():
    """Set up the authenticator app; once confirmed, the ten recovery codes are shown, this once."""
    if current_user.two_factor_enabled:
        return redirect(url_for("auth.two_factor_account"))
    form = TotpForm()
    if form.validate_on_submit():
        try:
            codes = tfa.finish_setup(current_user, form.code.data)
        except Invalid as error:
            form.apply(error)
        else:
            return render_template("accounts/recovery_codes.html", codes=codes, first=True)
    pending = tfa.start_setup(current_user)
    status = form_status()
    return render_template("accounts/two_factor_setup.html", form=form, pending=pending, qr=_qr(pending),
                           required=tfa.is_required(current_user)), status


@bp.route("/two-factor/account", methods=["GET", "POST"])
@requires("account.two_factor")
def two_factor_account():
    """The staff member's own page: whether the second factor is on, new recovery codes, turning it off."""
    codes_form = TotpForm(prefix="codes")
    off_form = TotpForm(prefix="off")
    status = 200
    if request.method == "POST":
        form = codes_form if codes_form.submit.data else off_form
        if form.validate_on_submit():
            try:
                if form is codes_form:
                    codes = tfa.regenerate_codes(current_user, form.code.data)
                    return render_template("accounts/recovery_codes.html", codes=codes, first=False)
                tfa.disable(current_user, form.code.data)
            except Invalid as error:
                form.apply(error)
            else:
                flash(_("Two-factor sign-in is turned off."), "success")
                return redirect(url_for("auth.two_factor_account"))
        status = 422
    return render_template("accounts/two_factor_account.html", codes_form=codes_form, off_form=off_form,
                           left=tfa.recovery_codes_left(current_user) if current_user.two_factor_enabled else 0,
                           required=tfa.is_required(current_user)), status


INVITATION_TOKEN = "invitation_token"


@bp.get("/invitation/<token>")
@public
def accept_invitation(token: str):
    """An invited member of staff follows the emailed link: its token is checked, kept in the session, and left out
    of the address (``exchange_link_token``)."""
    try:
        staff.user_for_invitation(token)
    except Invalid as error:
        return render_template("accounts/message.html", title=_("Invitation not accepted"), message=error.errors[None]), 400
    return exchange_link_token(INVITATION_TOKEN, token, "auth.invitation")


@bp.route("/invitation", methods=["GET", "POST"])
@public
@limiter.limit(auth_limit, methods=["POST"])
def invitation():
    """The invited member of staff chooses a password, with the link's token from the session."""
    token = session.get(INVITATION_TOKEN, "")
    try:
        user = staff.user_for_invitation(token)
    except Invalid as error:
        session.pop(INVITATION_TOKEN, None)
        return render_template("accounts/message.html", title=_("Invitation not accepted"), message=error.errors[None]), 400
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            staff.accept_invitation(token, form.password.data)
        except Invalid as error:
            form.apply(error)
        else:
            session.pop(INVITATION_TOKEN, None)
            flash(_("Your password is saved. Sign in with your email and the new password."), "success")
            return redirect(url_for("auth.login"))
    status = form_status()
    return render_template("accounts/accept_invitation.html", form=form, invited=user), status
