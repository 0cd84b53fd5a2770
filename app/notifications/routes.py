"""The notification centre's pages (``/cabinet/notifications``) and the header's unread count.

Every signed-in person has one, residents and staff alike. Use cases in app/notifications/service.py, reads in
app/notifications/queries.py.
"""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import requires
from app.kit import notify
from app.kit.errors import Invalid
from app.kit.forms import TokenForm
from app.kit.paging import page_number
from app.kit.redirects import local_path
from app.kit.steps import form_status
from app.notifications import bp, queries, service

# The settings form's fields: one radio group per kind, named "channel_<kind>" ("channel_appeal.answered").
FIELD_PREFIX = "channel_"


def unread_for_header() -> int:
    """The signed-in person's unread count for the header: one COUNT per request, none for a visitor."""
    if not current_user.is_authenticated:
        return 0
    counted = current_user.unread_notifications  # read with the user by app/accounts/sessions.load
    if counted is not None:
        return counted
    if "unread_notifications" not in g:
        g.unread_notifications = queries.unread_count(current_user)
    return g.unread_notifications


@bp.get("/notifications")
@requires("notification.view")
def index():
    """My notifications, newest first, the unread ones marked; each opens its object's page."""
    page = queries.centre(current_user, page_number(request.args.get("page")))
    return render_template("notifications/centre.html", page=page)


@bp.get("/notifications/<int:notification_id>")
@requires("notification.view")
def open_one(notification_id: int):
    """Open a notification: it is marked read, and I am sent to its object's page, or told the object is gone."""
    opened = service.open_notification(current_user, notification_id)
    target = local_path(opened.link)
    if target is not None:
        return redirect(target)
    if opened.state == service.AVAILABLE:
        # About me rather than a page (a block, its end): the centre shows it whole.
        return redirect(url_for("notifications_cabinet.index"))
    return render_template("notifications/gone.html", notification=opened.notification, state=opened.state)


@bp.post("/notifications/<int:notification_id>/read")
@requires("notification.view")
def mark_read(notification_id: int):
    """Mark one notification read (a POST with the CSRF token); back to the same page of the centre."""
    if TokenForm().validate_on_submit():
        service.mark_read(current_user, notification_id)
        flash(_("The notification is marked as read."), "success")
    return redirect(url_for("notifications_cabinet.index", page=page_number(request.form.get("page"))))


@bp.post("/notifications/read-all")
@requires("notification.view")
def mark_all_read():
    """Mark every notification read."""
    if TokenForm().validate_on_submit():
        service.mark_all_read(current_user)
        flash(_("All your notifications are marked as read."), "success")
    return redirect(url_for("notifications_cabinet.index"))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@requires("notification.view")
def settings():
    """How I am told of each kind of event: only in the centre, also by email at once, or in a daily email."""
    form = TokenForm()
    rows = service.preferences(current_user)
    selected = {row.kind.name: row.channel for row in rows}
    errors: dict[str | None, str] = {}
    if form.validate_on_submit():
        choices = {key[len(FIELD_PREFIX):]: value for key, value in request.form.items()
                   if key.startswith(FIELD_PREFIX)}
        try:
            service.save_preferences(current_user, choices)
        except Invalid as error:
            errors = {name: str(message) for name, message in error.errors.items()}
            selected.update({name: value for name, value in choices.items() if name in selected})
        else:
            flash(_("Your choices are saved."), "success")
            return redirect(url_for("notifications_cabinet.settings"))
    page = render_template("notifications/settings.html", rows=rows, selected=selected, errors=errors,
                           prefix=FIELD_PREFIX, channels=notify.CHANNELS, channel_labels=notify.CHANNEL_LABELS)
    return page, form_status()
