"""The resident's reception bookings in the personal cabinet: list, one booking, its calendar file, cancelling."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.appeals.forms import ButtonForm
from app.authz import requires
from app.cabinet import bp
from app.errors import Invalid, NotFound
from app.services import reception


@bp.get("/receptions")
@requires("cabinet.view")
def receptions():
    """My reception bookings, newest first."""
    return render_template("cabinet/receptions.html", bookings=reception.my_bookings(current_user),
                           labels=reception.BOOKING_LABELS)


def _render(booking_id: int, form: ButtonForm | None = None, status: int = 200):
    try:
        booking = reception.get_booking(current_user, booking_id)
    except NotFound:
        abort(404)
    return render_template("cabinet/reception.html", booking=booking, form=form or ButtonForm(prefix="cancel"),
                           labels=reception.BOOKING_LABELS), status


@bp.get("/receptions/<int:booking_id>")
@requires("cabinet.view")
def reception_booking(booking_id: int):
    """One booking: time, place, queue number, status, and what can be done."""
    return _render(booking_id)


@bp.get("/receptions/<int:booking_id>.ics")
@requires("cabinet.view")
def reception_calendar(booking_id: int):
    """The booking as a calendar file."""
    try:
        booking = reception.get_booking(current_user, booking_id)
    except NotFound:
        abort(404)
    return Response(reception.ics(booking), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="{booking.number}.ics"'})


@bp.post("/receptions/<int:booking_id>/cancel")
@requires("cabinet.view")
def reception_cancel(booking_id: int):
    """Cancel the booking until the cut-off; the time is free for someone else."""
    form = ButtonForm(prefix="cancel")
    if form.validate_on_submit():
        try:
            reception.cancel_booking(current_user, booking_id)
        except NotFound:
            abort(404)
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("Your booking is cancelled."), "success")
            return redirect(url_for("cabinet.reception_booking", booking_id=booking_id))
    return _render(booking_id, form, 422)
