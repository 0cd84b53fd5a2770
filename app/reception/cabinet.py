"""The resident's reception bookings in the personal cabinet: list, one booking, its calendar file, cancelling."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import requires
from app.kit.errors import Invalid
from app.kit.forms import ButtonForm
from app.reception import cabinet_bp
from app.reception import service as reception


@cabinet_bp.get("/receptions")
@requires("cabinet.view")
def receptions():
    """My reception bookings, newest first."""
    return render_template("reception/cabinet/receptions.html", bookings=reception.my_bookings(current_user),
                           labels=reception.BOOKING_LABELS)


def _render(booking_id: int, form: ButtonForm | None = None, status: int = 200):
    booking = reception.get_booking(current_user, booking_id)
    return render_template("reception/cabinet/reception.html", booking=booking, form=form or ButtonForm(prefix="cancel"),
                           labels=reception.BOOKING_LABELS), status


@cabinet_bp.get("/receptions/<int:booking_id>")
@requires("cabinet.view")
def reception_booking(booking_id: int):
    """One booking: time, place, queue number, status, and what can be done."""
    return _render(booking_id)


@cabinet_bp.get("/receptions/<int:booking_id>.ics")
@requires("cabinet.view")
def reception_calendar(booking_id: int):
    """The booking as a calendar file."""
    booking = reception.get_booking(current_user, booking_id)
    return Response(reception.ics(booking), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="{booking.number}.ics"'})


@cabinet_bp.post("/receptions/<int:booking_id>/cancel")
@requires("cabinet.view")
def reception_cancel(booking_id: int):
    """Cancel the booking until the cut-off; the time is free for someone else."""
    form = ButtonForm(prefix="cancel")
    if form.validate_on_submit():
        try:
            reception.cancel_booking(current_user, booking_id)
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("Your booking is cancelled."), "success")
            return redirect(url_for("reception_cabinet.reception_booking", booking_id=booking_id))
    return _render(booking_id, form, 422)
