"""The person's signed-in sessions in the personal cabinet (residents and staff alike): ``/sessions`` lists them,
``/sessions/<id>/end`` ends one, ``/sessions/end-others`` signs out everywhere but here. Use cases in
app/accounts/sessions.py."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import cabinet_bp, sessions
from app.authz import requires
from app.kit.forms import ActionForm


@cabinet_bp.get("/sessions")
@requires("account.sessions")
def sessions_list():
    """Where I am signed in: when each session began, when it was last used, the browser, this one marked."""
    return render_template("accounts/cabinet/sessions.html", items=sessions.active_sessions(current_user))


@cabinet_bp.post("/sessions/<int:session_id>/end")
@requires("account.sessions")
def session_end(session_id: int):
    """End one of my sessions (a POST with the CSRF token): its cookies open nothing any more."""
    if ActionForm().validate_on_submit():
        sessions.end_one(current_user, session_id)
        flash(_("That session is ended: the browser is signed out."), "success")
    return redirect(url_for("accounts_cabinet.sessions_list"))


@cabinet_bp.post("/sessions/end-others")
@requires("account.sessions")
def sessions_end_others():
    """Sign out everywhere but in this browser."""
    if ActionForm().validate_on_submit():
        sessions.end_everywhere_else(current_user)
        flash(_("You are signed out everywhere else."), "success")
    return redirect(url_for("accounts_cabinet.sessions_list"))
