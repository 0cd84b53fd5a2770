"""Form pages and steps: showing a form page with the right status, and running one step of a record's lifecycle
from its page (the patterns every area shares)."""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request

from app.kit.errors import Invalid, NotAllowed, NotFound


def run_step(form, action: Callable[[], object], success: str, done_url: str, again: Callable[[], object],
             not_allowed: int = 404):
    """Validate ``form`` and run ``action``: on success flash and go to ``done_url``; on bad input call ``again``
    (the page with the errors beside the fields). A record that is not the actor's is a 404; a step the actor
    may not take is ``not_allowed`` (404 where even its existence must not show)."""
    if form.validate_on_submit():
        try:
            action()
        except NotFound:
            abort(404)
        except NotAllowed:
            abort(not_allowed)
        except Invalid as error:
            form.apply(error)
        else:
            flash(str(success), "success")
            return redirect(done_url)
    return again()


def form_status() -> int:
    """200 when a form page is first shown; 422 when it comes back with what was sent and the errors beside it."""
    return 200 if request.method == "GET" else 422


def form_page(template: str, **context):
    """Draw a GET-or-POST form page: the template with ``context``, and ``form_status()``."""
    return render_template(template, **context), form_status()
