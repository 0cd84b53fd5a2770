"""Moderation in the official cabinet: the queue of reported content of the moderator's districts, hiding with a
reason, restoring, dismissing reports, blocking users from taking part and lifting blocks.

Content, reports and blocks of a district the moderator does not moderate are 404s.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.authz import requires, staff_districts
from app.extensions import db
from app.kit.calendar import BAKU
from app.kit.forms import TokenForm, int_or_none, parse_date
from app.kit.i18n import by_name
from app.kit.paging import page_number
from app.kit.redirects import safe_next
from app.kit.steps import run_step
from app.models import District
from app.moderation import office_bp
from app.moderation import service as moderation
from app.moderation.forms import BlockForm, HideForm

# What each kind of content is called in the queue; a module registering a new kind may add its label here.
TARGET_LABELS = {"comment": _l("Comment on a consultation"), "proposal": _l("Citizen proposal")}


def _districts() -> list[District]:
    """The districts the moderator works, for the switch above the queue."""
    ids = staff_districts(current_user, ("moderator",))
    if not ids:
        return []
    return by_name(db.session.scalars(select(District).where(District.id.in_(ids))))


def _queue_page(form=None, status: int = 200):
    district_id = int_or_none(request.args.get("district"))
    page = moderation.queue(current_user, district_id=district_id, page=page_number(request.args.get("page")))
    return render_template("moderation/office/moderation.html", page=page, districts=_districts(), district_id=district_id,
                           labels=TARGET_LABELS, failed=form, action_form=TokenForm()), status


@office_bp.get("/moderation")
@requires("moderation.work")
def moderation_queue():
    """Open reports of the moderator's districts, grouped by content, oldest first."""
    return _queue_page()


def _back(default: str) -> str:
    """Where to go after an action: the page it was taken on (a path of this site), else ``default``."""
    return safe_next(request.form.get("next"), default)


@office_bp.post("/moderation/hide")
@requires("moderation.work")
def moderation_hide():
    """Hide content with the reason shown in its place."""
    form = HideForm()
    return run_step(form, lambda: moderation.hide(current_user, form.target_type.data or "", form.target_id.data or -1,
                                                  form.reason.data or ""),
                    _("Hidden. The public sees the reason in its place."), _back(url_for("moderation_office.moderation_queue")),
                    lambda: _queue_page(form, 422))


@office_bp.post("/moderation/restore")
@requires("moderation.work")
def moderation_restore():
    """Show hidden content again."""
    form = HideForm()
    return run_step(form, lambda: moderation.restore(current_user, form.target_type.data or "", form.target_id.data or -1),
                    _("Shown again."), _back(url_for("moderation_office.moderation_queue")), lambda: _queue_page(form, 422))


@office_bp.post("/moderation/reports/<int:report_id>/dismiss")
@requires("moderation.work")
def moderation_dismiss(report_id: int):
    """Close a report: the content keeps to the rules."""
    form = TokenForm()
    return run_step(form, lambda: moderation.dismiss(current_user, report_id), _("The report is closed."),
                    url_for("moderation_office.moderation_queue"), lambda: _queue_page(form, 422))


@office_bp.get("/moderation/blocks")
@requires("moderation.work")
def moderation_blocks():
    """Blocks in force that the moderator may lift."""
    return _blocks_page(moderation.blocks(current_user, page=page_number(request.args.get("page"))), TokenForm())


def _blocks_page(page, form):
    # A block may name a user who never wrote in the moderator's districts: shown as "resident #id".
    names = moderation.visible_names(current_user, [entry.user_id for entry in page.items])
    return render_template("moderation/office/moderation_blocks.html", page=page, action_form=form, names=names)


def _ends_at(value: str | None) -> datetime | None:
    """The end of the chosen (Baku) day: blocked until then, inclusive."""
    day = parse_date(value)
    return None if day is None else datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=BAKU)


@office_bp.route("/moderation/block/<int:user_id>", methods=["GET", "POST"])
@requires("moderation.block")
def moderation_block(user_id: int):
    """Block a user from taking part, with a reason and an end date."""
    # The name only when the user wrote in the moderator's districts; "resident #id" otherwise.
    user, name = moderation.block_subject(current_user, user_id)
    form = BlockForm()
    return run_step(form, lambda: moderation.block(current_user, user_id, form.reason.data or "", _ends_at(form.ends_on.data)),
                    _("The user is blocked and told until when and why."), url_for("moderation_office.moderation_blocks"),
                    lambda: (render_template("moderation/office/moderation_block.html", form=form, user=user, name=name),
                             422 if request.method == "POST" else 200), not_allowed=403)


@office_bp.post("/moderation/blocks/<int:block_id>/lift")
@requires("moderation.work")
def moderation_lift(block_id: int):
    """End a block early."""
    form = TokenForm()
    return run_step(form, lambda: moderation.lift(current_user, block_id), _("The block is lifted."),
                    url_for("moderation_office.moderation_blocks"),
                    lambda: (_blocks_page(moderation.blocks(current_user), form), 422))
