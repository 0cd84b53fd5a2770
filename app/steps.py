"""Running one step of a record's lifecycle from its page: the pattern every cabinet shares."""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect

from app.errors import Invalid, NotAllowed, NotFound


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
