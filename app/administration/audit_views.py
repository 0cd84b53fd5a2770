"""The audit trail viewer (``/admin/audit``, supervisors and administrators; CSV at ``/admin/audit.csv``) and the
operations page (``/admin/operations``, administrators): database and Redis, failed emails, scheduled commands."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.administration import audit_log, bp
from app.administration import operations as ops
from app.authz import requires
from app.kit.errors import Invalid
from app.kit.forms import BaseForm
from app.kit.i18n import tr
from app.kit.paging import page_number


@bp.get("/audit")
@requires("audit.view")
def audit_trail():
    """Every staff action, newest first, filtered by actor, action, district, object and dates."""
    filters, errors = audit_log.read_filters(request.args)
    page = None if errors else audit_log.entries(current_user, filters, page_number(request.args.get("page")))
    districts = audit_log.districts()
    return render_template("administration/audit.html", filters=filters, errors=errors, page=page, districts=districts,
                           district_names={d.id: tr(d) for d in districts}, changes=audit_log.changes,
                           summary=audit_log.summary), \
        400 if errors else 200


@bp.get("/audit.csv")
@requires("audit.view")
def audit_export():
    """The filtered entries as CSV, streamed; the export itself is recorded first."""
    filters, errors = audit_log.read_filters(request.args)
    if errors:
        return redirect(url_for("admin.audit_trail", **request.args))
    audit_log.start_export(current_user, filters)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return Response(stream_with_context(audit_log.export_rows(filters)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'})


class ResendForm(BaseForm):
    """The button that sends a failed email again (a CSRF token and nothing else)."""


@bp.get("/operations")
@requires("operations.manage")
def operations():
    """Whether the database and Redis answer, the failed emails, and the last run of each scheduled command."""
    failed_total, failed = ops.failed_messages()
    return render_template("administration/operations.html", database=ops.check_database(), redis=ops.check_redis(),
                           queue=ops.check_queue(), outbox=ops.outbox_counts(), failed_total=failed_total,
                           failed=failed, runs=ops.last_runs(), resend_form=ResendForm())


@bp.post("/operations/outbox/<int:message_id>/resend")
@requires("operations.manage")
def outbox_resend(message_id: int):
    """Send a failed email again; the page says how it went."""
    if not ResendForm().validate_on_submit():
        abort(400)
    try:
        message = ops.resend(current_user, message_id)
    except Invalid as error:
        flash(error.errors.get(None) or _("The message could not be sent again."), "error")
        return redirect(url_for("admin.operations"))
    if message.status == "failed":
        flash(_("Sending to %(recipient)s failed again: %(error)s", recipient=message.recipient, error=message.error), "error")
    elif message.status in ("queued", "sending"):
        flash(_("The message to %(recipient)s is back in the queue; the worker sends it shortly.",
                recipient=message.recipient), "success")
    else:
        flash(_("The message to %(recipient)s was sent again.", recipient=message.recipient), "success")
    return redirect(url_for("admin.operations"))
