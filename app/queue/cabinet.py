"""The resident's queue tickets in the personal cabinet: today's with their place and estimated wait, the coming
ones, the past ones; one ticket; cancelling."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import requires
from app.kit.errors import Invalid
from app.kit.forms import ButtonForm
from app.queue import cabinet_bp, queries
from app.queue import service as queue


def _rating_url(ticket) -> str | None:
    # The ratings area builds its page separately: link to it only once it is there.
    if ticket.status == "served" and "ratings.rate" in current_app.view_functions:
        return url_for("ratings.rate", kind="ticket", subject_id=ticket.id)
    return None


@cabinet_bp.get("/")
@requires("cabinet.view")
def tickets():
    """My queue tickets: today's with the place in the queue, the coming ones and the past ones."""
    return render_template("queue/cabinet/tickets.html", mine=queue.my_tickets(current_user),
                           labels=queue.TICKET_LABELS, rating_url=_rating_url)


def _render(ticket_id: int, form: ButtonForm | None = None, status: int = 200):
    ticket = queue.get_ticket(current_user, ticket_id)
    ahead = queries.ahead_of(ticket)
    return render_template("queue/cabinet/ticket.html", ticket=ticket, ahead=ahead,
                           wait=queries.estimated_wait_seconds(ticket, ahead), labels=queue.TICKET_LABELS,
                           form=form or ButtonForm(prefix="cancel"), rating_url=_rating_url(ticket)), status


@cabinet_bp.get("/<int:ticket_id>")
@requires("cabinet.view")
def ticket(ticket_id: int):
    """One ticket: its code, window, status, place in the queue and estimated wait."""
    return _render(ticket_id)


@cabinet_bp.post("/<int:ticket_id>/cancel")
@requires("cabinet.view")
def cancel(ticket_id: int):
    """Give a waiting ticket back."""
    form = ButtonForm(prefix="cancel")
    if form.validate_on_submit():
        try:
            queue.cancel(current_user, ticket_id)
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("Your ticket is cancelled."), "success")
            return redirect(url_for("queue_cabinet.ticket", ticket_id=ticket_id))
    return _render(ticket_id, form, 422)
