"""Public reception schedule and booking: districts, their coming sessions, one session's free times."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import can, public, requires
from app.kit.errors import Invalid
from app.kit.i18n import fmt_datetime
from app.kit.pagecache import cached_page
from app.kit.reference import active_districts
from app.kit.reference import by_code as district_by_code
from app.reception import bp
from app.reception import service as reception
from app.reception.forms import BookForm


@bp.get("/")
@cached_page()
@public
def index():
    """Every district with how many reception days it has coming."""
    districts = active_districts()
    return render_template("reception/index.html", districts=districts, counts=reception.upcoming_counts())


@bp.get("/<code>")
@cached_page()
@public
def district(code: str):
    """A district's coming reception days: host, place, free places; never a resident's name."""
    chosen = district_by_code(code)
    return render_template("reception/district.html", district=chosen, sessions=reception.upcoming(chosen))


def _render_session(session_id: int, form: BookForm | None = None, status: int = 200):
    view = reception.session_view(session_id, current_user if current_user.is_authenticated else None)
    form = form or BookForm()
    # Only a day open for booking offers times; a closed one offers none (and the page shows no form).
    form.slot_id.choices = [
        (s.slot.id, fmt_datetime(s.slot.starts_at)) for s in view.slots if s.free > 0
    ] if view.state == "open" else []
    return render_template("reception/session.html", view=view, form=form,
                           may_book=can(current_user, "reception.book")), status


@bp.get("/sessions/<int:session_id>")
@cached_page()
@public
def session(session_id: int):
    """One reception day: its free times and, for a signed-in resident, the booking form; once booking has closed
    it says so and offers neither; a resident who already booked it is led to their booking."""
    return _render_session(session_id)


@bp.post("/sessions/<int:session_id>/book")
@requires("reception.book")
def book(session_id: int):
    """Book a seat: the booking number and queue number come at once, with a calendar file by email."""
    form = BookForm()
    if form.validate_on_submit():
        try:
            booking = reception.book(current_user, session_id, form.slot_id.data, form.topic.data)
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("Your reception is booked: number %(number)s, queue number %(queue)d. "
                    "The calendar file is in your email and on this page.",
                    number=booking.number, queue=booking.queue_number), "success")
            return redirect(url_for("reception_cabinet.reception_booking", booking_id=booking.id))
    if form.slot_id.data is None and not form.slot_id.errors:
        form.slot_id.errors = [_("Choose one of the offered times.")]
    return _render_session(session_id, form, 422)
