"""The resident's participation in the cabinet: my comments on consultations."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from app.authz import requires
from app.consultations import cabinet_bp
from app.consultations import service as consultations
from app.kit.paging import page_number


@cabinet_bp.get("/comments")
@requires("cabinet.view")
def comments():
    """The resident's comments and replies, newest first, with what a moderator hid and why."""
    return render_template("consultations/cabinet/comments.html",
                           page=consultations.my_comments(current_user, page_number(request.args.get("page"))))
