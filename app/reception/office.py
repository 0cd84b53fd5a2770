"""The district's reception in the official cabinet: sessions, publishing, the day sheet, each resident's outcome."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectChoice

from app.appeals import service as appeals
from app.authz import requires
from app.extensions import db
from app.kit.errors import Invalid
from app.kit.forms import coordinate, int_or_none, parse_date, parse_time
from app.kit.i18n import current_lang, tr
from app.kit.reference import active_categories
from app.kit.steps import form_status
from app.models import KINDS, Appeal
from app.reception import office_bp
from app.reception import service as reception
from app.reception.forms import CancelSessionForm, MarkForm, OralAppealForm, OutcomeForm, SessionForm


@office_bp.get("/reception")
@requires("reception.desk")
def receptions():
    """The district's reception sessions: coming ones, then the last past ones."""
    district, coming, past, taken = reception.district_sessions(current_user, int_or_none(request.args.get("district")))
    return render_template("reception/office/receptions.html", district=district, coming=coming, past=past, taken=taken)


def _fill_hosts(form: SessionForm, district_id: int) -> None:
    form.host_id.choices = [SelectChoice(u.id, u.full_name) for u in reception.hosts(district_id)]
    if form.host_id.data is None:
        form.host_id.data = current_user.id


@office_bp.route("/reception/new", methods=["GET", "POST"])
@requires("reception.manage")
def reception_new():
    """A head publishes a reception session of the district."""
    district, *_rest = reception.district_sessions(current_user, int_or_none(request.args.get("district")))
    form = SessionForm()
    _fill_hosts(form, district.id)
    if form.validate_on_submit():
        data = reception.SessionInput(
            host_id=form.host_id.data, day=parse_date(form.day.data), start=parse_time(form.start.data),
            end=parse_time(form.end.data), slot_minutes=int_or_none(form.slot_minutes.data),
            seats_per_slot=int_or_none(form.seats_per_slot.data), cutoff_hours=int_or_none(form.cutoff_hours.data),
            place=form.place.data or "", place_ru=form.place_ru.data or "", place_en=form.place_en.data or "",
            topics=form.topics.data or "", topics_ru=form.topics_ru.data or "", topics_en=form.topics_en.data or "",
        )
        try:
            session = reception.publish(current_user, district.id, data)
        except Invalid as error:
            form.apply(error)
        else:
            places = len(session.slots) * session.seats_per_slot
            flash(ngettext("The reception is published with %(num)d place.",
                           "The reception is published with %(num)d places.", places), "success")
            return redirect(url_for("reception_office.reception_session", session_id=session.id))
    return render_template("reception/office/reception_new.html", district=district, form=form), \
        form_status()


def _render_sheet(session_id: int, cancel_form: CancelSessionForm | None = None, status: int = 200):
    session, bookings = reception.day_sheet(current_user, session_id)
    return render_template("reception/office/reception_session.html", session=session, bookings=bookings,
                           cancel_form=cancel_form or CancelSessionForm(prefix="cancel"),
                           labels=reception.BOOKING_LABELS), status


@office_bp.get("/reception/<int:session_id>")
@requires("reception.desk")
def reception_session(session_id: int):
    """The day sheet: every booked resident in queue order, printable, with check-in and attendance."""
    return _render_sheet(session_id)


@office_bp.post("/reception/<int:session_id>/cancel")
@requires("reception.manage")
def reception_cancel(session_id: int):
    """Cancel the session with a reason; every booked resident is told."""
    form = CancelSessionForm(prefix="cancel")
    if form.validate_on_submit():
        try:
            reception.cancel_session(current_user, session_id, form.reason.data)
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The reception is cancelled and the booked residents are told."), "success")
            return redirect(url_for("reception_office.reception_session", session_id=session_id))
    return _render_sheet(session_id, form, 422)


@office_bp.post("/reception/bookings/<int:booking_id>/mark")
@requires("reception.desk")
def reception_mark(booking_id: int):
    """Check a resident in, or mark them received or absent; back to the day sheet."""
    form = MarkForm()
    booking = reception.staff_booking(current_user, booking_id)
    if not form.validate_on_submit():
        abort(400)
    try:
        reception.mark(current_user, booking_id, form.status.data or "")
    except Invalid as error:
        flash(" ".join(str(m) for m in error.errors.values()), "error")
    else:
        flash(_("Booking %(number)s: %(status)s.", number=booking.number,
                status=reception.BOOKING_LABELS[booking.status]), "success")
    return redirect(url_for("reception_office.reception_session", session_id=booking.session_id) + f"#booking-{booking_id}")


def _oral_form(form: OralAppealForm, booking) -> OralAppealForm:
    categories = active_categories()
    form.category_id.choices = [SelectChoice("", _("Choose a category"))] + [SelectChoice(c.id, tr(c)) for c in categories]
    form.kind.choices = [SelectChoice(k, appeals.KIND_LABELS[k]) for k in KINDS]
    if request.method == "GET":
        form.applicant_name.data = booking.citizen.full_name
        form.applicant_phone.data = booking.citizen.phone or ""
        form.subject.data = booking.topic[:200]
    return form


def _render_booking(booking_id: int, status: int = 200, **forms):
    booking = reception.staff_booking(current_user, booking_id)
    outcome = forms.get("outcome_form") or OutcomeForm(prefix="outcome")
    if request.method == "GET" and booking.outcome:
        outcome.outcome.data = booking.outcome
    oral = _oral_form(forms.get("oral_form") or OralAppealForm(prefix="oral"), booking)
    appeal = db.session.get(Appeal, booking.appeal_id) if booking.appeal_id else None
    return render_template("reception/office/reception_booking.html", booking=booking, outcome_form=outcome,
                           oral_form=oral, appeal=appeal, labels=reception.BOOKING_LABELS), status


@office_bp.get("/reception/bookings/<int:booking_id>")
@requires("reception.desk")
def reception_booking(booking_id: int):
    """One resident at the reception: topic, status, outcome, and the oral appeal form."""
    return _render_booking(booking_id)


@office_bp.post("/reception/bookings/<int:booking_id>/outcome")
@requires("reception.desk")
def reception_outcome(booking_id: int):
    """Record what came of the reception."""
    form = OutcomeForm(prefix="outcome")
    if form.validate_on_submit():
        try:
            reception.record_outcome(current_user, booking_id, form.outcome.data)
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The outcome is saved."), "success")
            return redirect(url_for("reception_office.reception_booking", booking_id=booking_id))
    return _render_booking(booking_id, 422, outcome_form=form)


@office_bp.post("/reception/bookings/<int:booking_id>/appeal")
@requires("reception.desk")
def reception_appeal(booking_id: int):
    """Register the resident's oral appeal: it enters the appeal lifecycle, registered at once."""
    form = OralAppealForm(prefix="oral")
    booking = reception.staff_booking(current_user, booking_id)
    _oral_form(form, booking)
    if form.validate_on_submit():
        data = appeals.AppealInput(
            district_id=booking.session.district_id, category_id=form.category_id.data, kind=form.kind.data or "",
            subject=form.subject.data, text=form.text.data, applicant_name=form.applicant_name.data,
            applicant_address=form.applicant_address.data or "", applicant_phone=form.applicant_phone.data or "",
            location_lat=coordinate(form.location_lat.data), location_lon=coordinate(form.location_lon.data),
            locale=booking.citizen.locale or current_lang(),
        )
        try:
            appeal = reception.register_oral_appeal(current_user, booking_id, data)
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The oral appeal is registered with number %(number)s.", number=appeal.number), "success")
            return redirect(url_for("appeals_office.appeal", appeal_id=appeal.id))
    return _render_booking(booking_id, 422, oral_form=form)
