"""The resident's drafts in the personal cabinet: the list, and deleting one after a confirmation."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import requires
from app.drafts import cabinet_bp
from app.drafts import service as drafts_service
from app.drafts.forms import DeleteDraftForm
from app.kit import drafts
from app.kit.i18n import current_lang


def _shown(listed: drafts_service.Listed) -> dict:
    """A draft as the pages show it: what it is, and where it is continued (None: its service is gone)."""
    draft, service = listed.draft, listed.service
    if draft.kind == "appeal":
        return {"draft": draft, "what": _("Appeal"), "continue_url": url_for("appeals.new", draft=draft.id)}
    return {"draft": draft,
            "what": _("Application: %(service)s", service=service.text("title", current_lang()) if service else "—"),
            "continue_url": url_for("eservices.apply", code=service.code, draft=draft.id) if service else None}


@cabinet_bp.get("/drafts")
@requires("cabinet.view")
def drafts_list():
    """My drafts: what each one is, when it was last saved and until when it is kept, to continue or delete."""
    return render_template("drafts/cabinet/list.html", listed=[_shown(item) for item in drafts_service.my_drafts(current_user)],
                           lifetime_days=drafts.LIFETIME.days, max_open=drafts.MAX_OPEN)


@cabinet_bp.route("/drafts/<int:draft_id>/delete", methods=["GET", "POST"])
@requires("cabinet.view")
def draft_delete(draft_id: int):
    """Delete a draft: a page asks to confirm, and its CSRF-protected button deletes."""
    try:
        listed = drafts_service.my_draft(current_user, draft_id)
    except drafts.DraftEnded as ended:
        return render_template("drafts/ended.html", draft=ended.draft), 410
    form = DeleteDraftForm()
    if form.validate_on_submit():
        try:
            drafts.discard(current_user, draft_id)
        except drafts.DraftEnded as ended:
            return render_template("drafts/ended.html", draft=ended.draft), 410
        flash(_("Your draft is deleted."), "success")
        return redirect(url_for("drafts_cabinet.drafts_list"))
    return render_template("drafts/cabinet/delete.html", item=_shown(listed), form=form), 422 if form.is_submitted() else 200
