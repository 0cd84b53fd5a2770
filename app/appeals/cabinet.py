"""The citizen's appeals in the personal cabinet: list, one appeal, the applicant's steps."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.appeals import cabinet_bp, follow
from app.appeals import queries as appeal_queries
from app.appeals import service as appeals
from app.appeals.forms import TextForm, WithdrawForm
from app.authz import requires
from app.kit import files
from app.kit.errors import Invalid
from app.kit.paging import page_number
from app.kit.redirects import safe_next
from app.kit.steps import run_step
from app.ratings import service as ratings
from app.ratings.forms import RatingForm


@cabinet_bp.get("/appeals")
@requires("cabinet.view")
def appeals_list():
    """My appeals, newest first, with status and deadline."""
    page = appeal_queries.citizen_appeals(current_user, page_number(request.args.get("page")))
    return render_template("appeals/cabinet/appeals.html", page=page)


@cabinet_bp.get("/appeals/following")
@requires("cabinet.view")
def appeals_following():
    """The published appeals I follow, the latest followed first, each with its status and a way to stop."""
    page = follow.following(current_user, page_number(request.args.get("page")))
    return render_template("appeals/cabinet/following.html", page=page)


@cabinet_bp.post("/appeals/<int:appeal_id>/follow")
@requires("appeal.follow")
def appeal_follow(appeal_id: int):
    """Follow a published appeal: I am told when it is answered, closed, forwarded, not considered or reopened.
    Back to the page the button was on (``next``), else the appeal's public page."""
    try:
        appeal = follow.follow(current_user, appeal_id)
    except Invalid as error:
        flash(" ".join(str(message) for message in error.errors.values()), "error")
        return redirect(safe_next(request.form.get("next"), url_for("appeals_cabinet.appeals_following")))
    flash(_("You follow appeal %(number)s. You will be told when it is answered.", number=appeal.number), "success")
    return redirect(safe_next(request.form.get("next"), follow.public_link(appeal)))


@cabinet_bp.post("/appeals/<int:appeal_id>/unfollow")
@requires("cabinet.view")
def appeal_unfollow(appeal_id: int):
    """Stop following an appeal; back to the page the button was on (``next``), else my list."""
    follow.unfollow(current_user, appeal_id)
    flash(_("You no longer follow this appeal."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("appeals_cabinet.appeals_following")))


def _render(appeal_id: int, status: int = 200, **forms):
    view = appeal_queries.view(current_user, appeal_id)
    if view.staff and view.appeal.citizen_id != current_user.id:
        # Officials read appeals in their own cabinet.
        return redirect(url_for("appeals_office.appeal", appeal_id=appeal_id))
    forms.setdefault("reply_form", TextForm(prefix="reply"))
    forms.setdefault("message_form", TextForm(prefix="message"))
    forms.setdefault("dispute_form", TextForm(prefix="dispute"))
    forms.setdefault("rate_form", RatingForm())
    forms.setdefault("withdraw_form", WithdrawForm(prefix="withdraw"))
    # The resident's rating on the ASAN criteria (app/ratings/): theirs to see, give or change while allowed.
    rating = ratings.standing(current_user, "appeal", appeal_id)
    return render_template("appeals/cabinet/appeal.html", view=view, rating=rating, **forms), status


@cabinet_bp.get("/appeals/<int:appeal_id>")
@requires("cabinet.view")
def appeal(appeal_id: int):
    """One of my appeals: its facts, answer, timeline, messages and what I can do next."""
    return _render(appeal_id)


def _step(appeal_id: int, form, form_name: str, action, success: str):
    """Run one applicant step: on success back to the appeal, else the page with the errors beside the fields."""
    return run_step(form, action, success, url_for("appeals_cabinet.appeal", appeal_id=appeal_id),
                    lambda: _render(appeal_id, 422, **{form_name: form}))


@cabinet_bp.post("/appeals/<int:appeal_id>/reply")
@requires("cabinet.view")
def appeal_reply(appeal_id: int):
    """Answer the authority's request for information."""
    form = TextForm(prefix="reply")
    return _step(appeal_id, form, "reply_form", lambda: appeals.transition(
        current_user, appeal_id, "in_progress",
        appeals.StepData(note=form.note.data, attachments=request.files.getlist(form.attachments.name)),
    ), _("Your information is sent to the authority."))


@cabinet_bp.post("/appeals/<int:appeal_id>/message")
@requires("cabinet.view")
def appeal_message(appeal_id: int):
    """Send a message to the officials working on the appeal."""
    form = TextForm(prefix="message")
    return _step(appeal_id, form, "message_form", lambda: appeals.post_message(
        current_user, appeal_id, form.note.data, request.files.getlist(form.attachments.name),
    ), _("Your message is sent."))


@cabinet_bp.post("/appeals/<int:appeal_id>/withdraw")
@requires("cabinet.view")
def appeal_withdraw(appeal_id: int):
    """Withdraw the appeal."""
    form = WithdrawForm(prefix="withdraw")
    return _step(appeal_id, form, "withdraw_form", lambda: appeals.transition(
        current_user, appeal_id, "not_considered", appeals.StepData(note=form.note.data or ""),
    ), _("Your appeal is withdrawn."))


@cabinet_bp.post("/appeals/<int:appeal_id>/rate")
@requires("cabinet.view")
def appeal_rate(appeal_id: int):
    """Rate the answer on the ASAN criteria (the form embedded in the appeal's page); a first rating closes the
    appeal. The same use case as the rating page (app/ratings/)."""
    form = RatingForm()
    return _step(appeal_id, form, "rate_form", lambda: ratings.rate(
        current_user, "appeal", appeal_id, form.marks, form.comment.data,
    ), _("Thank you for rating the answer."))


@cabinet_bp.post("/appeals/<int:appeal_id>/dispute")
@requires("cabinet.view")
def appeal_dispute(appeal_id: int):
    """Dispute the answer within 30 days: the appeal is reopened."""
    form = TextForm(prefix="dispute")
    return _step(appeal_id, form, "dispute_form", lambda: appeals.transition(
        current_user, appeal_id, "reopened", appeals.StepData(note=form.note.data),
    ), _("Your appeal is reopened; the authority will examine it again."))


@cabinet_bp.get("/appeals/<int:appeal_id>/files/<int:attachment_id>")
@requires("cabinet.view")
def appeal_file(appeal_id: int, attachment_id: int):
    """Download an attachment of my appeal."""
    attachment = appeal_queries.attachment_for(current_user, appeal_id, attachment_id)
    return files.send(attachment)
