"""The front desk in the official cabinet: the desk console (open a desk, call, serve, redirect, no-show, recall),
and the district's queue services and desks (head or administrator)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.authz import requires
from app.extensions import db
from app.kit.calendar import local_date
from app.kit.errors import Invalid, NotFound
from app.kit.forms import ButtonForm, int_or_none, parse_time
from app.kit.i18n import tr
from app.models import QueueDesk, QueueService, Service, utcnow
from app.queue import office_bp, queries
from app.queue import service as queue
from app.queue.forms import DeskForm, QueueDeskForm, QueueServiceForm

STEPS = {
    "served": (queue.serve, _l("Ticket %(code)s is served.")),
    "no_show": (queue.mark_no_show, _l("Ticket %(code)s is marked: the resident did not come.")),
    "recall": (queue.recall, _l("Ticket %(code)s is called again.")),
}


def _console(district_id: int | None, desk_id: int | None, form: DeskForm | None = None, status: int = 200):
    district = queue.staff_district(current_user, district_id)
    desks = queue.desks_of(district)
    desk = next((d for d in desks if d.id == desk_id), None) or next(
        (d for d in desks if d.operator_id == current_user.id), None)
    current = queue.current_ticket(desk) if desk else None
    form = form or DeskForm()
    form.desk.choices = [("", "")] + [(str(d.id), _("Desk %(number)s", number=d.number))
                                      for d in desks if d.active and (desk is None or d.id != desk.id)]
    today = local_date(utcnow())
    return render_template("queue/office/console.html", district=district, desks=desks, desk=desk, current=current,
                           form=form, button=ButtonForm(), waiting=queries.waiting_by_service(district.id, today),
                           figures=queries.day_figures(district.id, today), labels=queue.TICKET_LABELS), status


@office_bp.get("/")
@requires("queue.desk")
def console():
    """The desk console: the desk, its current ticket and its buttons, the waiting list, today's figures."""
    return _console(int_or_none(request.args.get("district")), int_or_none(request.args.get("desk")))


def _back(desk: QueueDesk):
    return redirect(url_for("queue_office.console", district=desk.district_id, desk=desk.id))


@office_bp.post("/desks/<int:desk_id>/open")
@requires("queue.desk")
def open_desk(desk_id: int):
    """Sit at the desk: become its operator."""
    form = ButtonForm()
    desk = queue.staff_desk(current_user, desk_id)
    if form.validate_on_submit():
        try:
            queue.open_desk(current_user, desk_id)
        except Invalid as error:
            flash(" ".join(str(m) for m in error.errors.values()), "error")
        return _back(desk)
    return _console(desk.district_id, desk.id, status=422)


@office_bp.post("/desks/<int:desk_id>/close")
@requires("queue.desk")
def close_desk(desk_id: int):
    """Leave the desk."""
    form = ButtonForm()
    desk = queue.staff_desk(current_user, desk_id)
    if form.validate_on_submit():
        try:
            queue.close_desk(current_user, desk_id)
        except Invalid as error:
            flash(" ".join(str(m) for m in error.errors.values()), "error")
        return _back(desk)
    return _console(desk.district_id, desk.id, status=422)


@office_bp.post("/desks/<int:desk_id>/call")
@requires("queue.desk")
def call(desk_id: int):
    """Call the next ticket to the desk; the hall screen shows it."""
    form = ButtonForm()
    desk = queue.staff_desk(current_user, desk_id)
    if form.validate_on_submit():
        try:
            ticket = queue.call_next(current_user, desk_id)
        except Invalid as error:
            flash(" ".join(str(m) for m in error.errors.values()), "error")
        else:
            if ticket is None:
                flash(_("Nobody is waiting for this desk."), "info")
            else:
                flash(_("Ticket %(code)s is called to desk %(number)s.", code=ticket.code, number=desk.number),
                      "success")
        return _back(desk)
    return _console(desk.district_id, desk.id, status=422)


@office_bp.post("/desks/<int:desk_id>/<step>")
@requires("queue.desk")
def step(desk_id: int, step: str):
    """A step on the desk's current ticket: served, not come, called again, or sent to another desk."""
    desk = queue.staff_desk(current_user, desk_id)
    if step not in STEPS and step != "redirect":
        raise NotFound("step")
    form = DeskForm()
    if form.validate_on_submit():
        try:
            if step == "redirect":
                ticket = queue.redirect(current_user, desk_id, int_or_none(form.ticket.data) or 0,
                                        int_or_none(form.desk.data))
                message = _("Ticket %(code)s is sent to desk %(number)s.", code=ticket.code,
                            number=db.session.get(QueueDesk, ticket.for_desk_id).number)
            else:
                action, text = STEPS[step]
                ticket = action(current_user, desk_id, int_or_none(form.ticket.data) or 0)
                message = str(text) % {"code": ticket.code}
        except Invalid as error:
            form.apply(error)
        else:
            flash(message, "success")
            return _back(desk)
    return _console(desk.district_id, desk.id, form, 422)


# --- The district's queue services and desks ---------------------------------------------------------------------


@office_bp.get("/manage")
@requires("queue.manage")
def manage():
    """The district's queue services and desks; an administrator without a district chooses one first."""
    district_id = int_or_none(request.args.get("district"))
    if district_id is None:
        choices = queue.districts_to_manage(current_user)
        if len(choices) != 1:
            return render_template("queue/office/choose_district.html", districts=choices)
        district_id = choices[0].id
    district = queue.staff_district(current_user, district_id, "queue.manage")
    services = list(db.session.scalars(select(QueueService).where(QueueService.district_id == district.id)
                                       .order_by(QueueService.position, QueueService.id)))
    return render_template("queue/office/manage.html", district=district, services=services,
                           desks=queue.desks_of(district), kinds=queue.KIND_LABELS)


def _minutes(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def _service_form(district_id: int, service: QueueService | None) -> QueueServiceForm:
    posted = request.method == "POST"
    form = QueueServiceForm() if posted else QueueServiceForm(formdata=None, obj=service)
    form.kind.choices = list(queue.KIND_LABELS.items())
    eservices = db.session.scalars(select(Service).where(Service.active.is_(True)).order_by(Service.position))
    form.eservice_id.choices = [("", _("Any e-service"))] + [(str(s.id), tr(s, "title")) for s in eservices]
    if not posted:
        if service is None:
            form.kind.data, form.minutes.data, form.opens.data, form.closes.data = "general", "10", "09:00", "18:00"
            form.window_minutes.data, form.window_capacity.data = "60", "6"
        else:
            form.opens.data, form.closes.data = _minutes(service.opens_minute), _minutes(service.closes_minute)
            form.eservice_id.data = str(service.eservice_id or "")
            for name in ("minutes", "window_minutes", "window_capacity"):
                getattr(form, name).data = str(getattr(service, name))
    return form


def _service_input(form: QueueServiceForm) -> queue.ServiceInput:
    return queue.ServiceInput(
        title_az=form.title_az.data or "", title_ru=form.title_ru.data or "", title_en=form.title_en.data or "",
        letter=form.letter.data or "", kind=form.kind.data or "", minutes=int_or_none(form.minutes.data),
        opens=parse_time(form.opens.data), closes=parse_time(form.closes.data),
        window_minutes=int_or_none(form.window_minutes.data), window_capacity=int_or_none(form.window_capacity.data),
        eservice_id=int_or_none(form.eservice_id.data), active=bool(form.active.data))


def _edit_service(district_id: int, service: QueueService | None):
    form = _service_form(district_id, service)
    if form.validate_on_submit():
        try:
            saved = queue.save_service(current_user, district_id, service.id if service else None,
                                       _service_input(form))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The service %(letter)s is saved.", letter=saved.letter), "success")
            return redirect(url_for("queue_office.manage", district=district_id))
    district = queue.staff_district(current_user, district_id, "queue.manage")
    return render_template("queue/office/service_form.html", district=district, form=form, service=service), \
        (422 if request.method == "POST" else 200)


@office_bp.route("/services/new", methods=["GET", "POST"])
@requires("queue.manage")
def service_new():
    """Add a queue service to the district's front desk."""
    district = queue.staff_district(current_user, int_or_none(request.args.get("district")), "queue.manage")
    return _edit_service(district.id, None)


@office_bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@requires("queue.manage")
def service_edit(service_id: int):
    """Change a queue service of the district."""
    service = db.session.get(QueueService, service_id)
    if service is None:
        raise NotFound("queue service")
    queue.staff_district(current_user, service.district_id, "queue.manage")
    return _edit_service(service.district_id, service)


def _edit_desk(district_id: int, desk: QueueDesk | None):
    district = queue.staff_district(current_user, district_id, "queue.manage")
    posted = request.method == "POST"
    form = QueueDeskForm() if posted else QueueDeskForm(formdata=None)
    services = list(db.session.scalars(select(QueueService).where(QueueService.district_id == district.id)
                                       .order_by(QueueService.position, QueueService.id)))
    form.services.choices = [(str(s.id), f"{s.letter}: {tr(s, 'title')}") for s in services]
    if not posted and desk is not None:
        form.number.data, form.active.data = str(desk.number), desk.active
        form.services.data = [str(s.id) for s in desk.services]
    if form.validate_on_submit():
        try:
            queue.save_desk(current_user, district.id, desk.id if desk else None, int_or_none(form.number.data),
                            [i for i in (int_or_none(v) for v in form.services.data or []) if i is not None],
                            bool(form.active.data))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The desk is saved."), "success")
            return redirect(url_for("queue_office.manage", district=district.id))
    return render_template("queue/office/desk_form.html", district=district, form=form, desk=desk), \
        (422 if posted else 200)


@office_bp.route("/desks/new", methods=["GET", "POST"])
@requires("queue.manage")
def desk_new():
    """Add a desk to the district's front desk."""
    district = queue.staff_district(current_user, int_or_none(request.args.get("district")), "queue.manage")
    return _edit_desk(district.id, None)


@office_bp.route("/desks/<int:desk_id>", methods=["GET", "POST"])
@requires("queue.manage")
def desk_edit(desk_id: int):
    """Change a desk of the district and the services it takes."""
    desk = db.session.get(QueueDesk, desk_id)
    if desk is None:
        raise NotFound("desk")
    queue.staff_district(current_user, desk.district_id, "queue.manage")
    return _edit_desk(desk.district_id, desk)

