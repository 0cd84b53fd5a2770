"""The queue's public pages; the kiosk and the hall screen stand in the front desk's hall, so no sign-in.

- ``/queue/``: the districts whose front desk has a queue
- ``/queue/<code>/``: take an online ticket (signed-in residents; visitors see the times and a sign-in link)
- ``/queue/<code>/kiosk``: the kiosk's big buttons; a POST prints a ticket (rate limited)
- ``/queue/<code>/screen`` and ``/queue/<code>/screen.json``: the hall screen and what it polls
"""
from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.authz import public
from app.extensions import db, limiter, login_manager
from app.kit.errors import Invalid, NotAllowed
from app.kit.forms import int_or_none, parse_date
from app.kit.i18n import fmt_date, fmt_time, tr
from app.kit.pagecache import cached_page
from app.kit.reference import by_code
from app.models import District, QueueService, utcnow
from app.queue import bp, queries
from app.queue import service as queue
from app.queue.forms import KioskForm, TakeTicketForm

# How often the hall screen asks for the numbers (seconds); the JSON may be cached as long by anyone.
SCREEN_POLL_SECONDS = 2
SCREEN_LANGUAGES = ("az", "ru", "en")


def _kiosk_limit() -> str:
    # One kiosk prints for a whole hall from one address: far more than a person's form, still bounded.
    return current_app.config["RATELIMIT_KIOSK"]


@bp.get("/")
@cached_page()
@public
def index():
    """The districts whose front desk has an electronic queue."""
    districts = list(db.session.scalars(
        select(District).where(District.active.is_(True),
                               District.id.in_(select(QueueService.district_id).where(QueueService.active.is_(True))))
    ))
    districts.sort(key=lambda d: tr(d))
    return render_template("queue/index.html", districts=districts)


def _window_label(window: queue.Window) -> str:
    times = f"{fmt_time(window.starts_at)}–{fmt_time(window.ends_at)}"
    if not window.free:
        return _("%(times)s: full", times=times)
    return _("%(times)s: %(free)s free", times=times, free=window.free)


@bp.route("/<code>/", methods=["GET", "POST"])
@public
def take(code: str):
    """Choose a service, a day and a time window, and take a ticket (signed-in residents)."""
    district = by_code(code)
    now = utcnow()
    services = queue.services_of(district)
    days = queue.bookable_days(now)
    posted = request.method == "POST"
    form = TakeTicketForm() if posted else TakeTicketForm(formdata=None)
    if not posted:
        form.service.data = request.args.get("service") or (str(services[0].id) if services else "")
        form.day.data = request.args.get("day") or (days[0].isoformat() if days else "")
    status = 200
    if posted and "show" not in request.form:
        status = 422
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if form.validate_on_submit():
            try:
                ticket = queue.take(current_user, district, int_or_none(form.service.data),
                                    parse_date(form.day.data), int_or_none(form.window.data), now)
            except queue.Refused as error:
                form.apply(error)
                if error.offer:
                    form.day.data, form.window.data = error.offer[0].isoformat(), str(error.offer[1])
            except Invalid as error:
                form.apply(error)
            except NotAllowed:
                form.form_errors.append(_("Confirm your email address to take a ticket."))
            else:
                flash(_("Your ticket is %(code)s: come on %(day)s between %(start)s and %(end)s.", code=ticket.code,
                        day=fmt_date(ticket.day), start=fmt_time(ticket.window_starts_at),
                        end=fmt_time(ticket.window_ends_at)), "success")
                return redirect(url_for("queue_cabinet.ticket", ticket_id=ticket.id))
    chosen = next((s for s in services if str(s.id) == (form.service.data or "")), None)
    day = parse_date(form.day.data)
    windows = queue.open_windows(chosen, day, now) if chosen and day and day in days else []
    form.service.choices = [(str(s.id), tr(s, "title")) for s in services]
    form.window.choices = [(str(w.minute), _window_label(w)) for w in windows]
    return render_template("queue/take.html", district=district, form=form, services=services, days=days,
                           windows=windows, chosen=chosen, day=day, booking_days=queue.BOOKING_DAYS), status


@bp.route("/<code>/kiosk", methods=["GET", "POST"])
@public
@limiter.limit(_kiosk_limit, methods=["POST"])
def kiosk(code: str):
    """The kiosk in the hall: one big button per service; pressing one prints a ticket."""
    district = by_code(code)
    form = KioskForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                ticket = queue.print_ticket(district, int_or_none(form.service.data))
            except Invalid as error:
                form.apply(error)
            else:
                return render_template("queue/kiosk_ticket.html", district=district, ticket=ticket)
        return render_template("queue/kiosk.html", district=district, form=form,
                               services=queue.services_of(district)), 422
    return render_template("queue/kiosk.html", district=district, form=form, services=queue.services_of(district))


@bp.get("/<code>/screen")
@public
def screen(code: str):
    """The hall screen: the numbers being called and their desk, in the three languages at once."""
    district = by_code(code)
    return render_template("queue/screen.html", district=district, numbers=queries.screen(district.id),
                           poll_seconds=SCREEN_POLL_SECONDS, headings=screen_headings())


def screen_headings() -> dict[str, list[tuple[str, str]]]:
    """The hall screen's headings in Azerbaijani, Russian and English at once: the hall is shared."""
    headings: dict[str, list[tuple[str, str]]] = {"calling": [], "recent": [], "ticket": [], "desk": []}
    for lang in SCREEN_LANGUAGES:
        with force_locale(lang):
            headings["calling"].append((lang, _("Now calling")))
            headings["recent"].append((lang, _("Called before")))
            headings["ticket"].append((lang, _("Ticket")))
            headings["desk"].append((lang, _("Desk")))
    return headings


@bp.get("/<code>/screen.json")
@public
def screen_json(code: str):
    """What the hall screen shows, as JSON: codes and desk numbers only, cacheable for a few seconds."""
    district = by_code(code)
    response = jsonify(queries.screen(district.id))
    response.cache_control.public = True
    response.cache_control.max_age = SCREEN_POLL_SECONDS
    return response
