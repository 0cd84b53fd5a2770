"""Appeals: filing and the public list per district (``/appeals``), the resident's appeals (``/cabinet/appeals``),
the officials' inbox, appeal page and escalations (``/office``)."""
from flask import Blueprint

bp = Blueprint("appeals", __name__)
cabinet_bp = Blueprint("appeals_cabinet", __name__)
office_bp = Blueprint("appeals_office", __name__)


@bp.record_once
def _template_globals(state) -> None:
    """The labels and the due-date helper every page that shows an appeal uses (macros see globals only)."""
    from app.appeals import queries, service

    state.app.jinja_env.globals.update(
        STATUS_LABELS=service.STATUS_LABELS, KIND_LABELS=service.KIND_LABELS, GROUND_LABELS=service.GROUND_LABELS,
        ACTION_LABELS=service.ACTION_LABELS, due_state=queries.due_state)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes (None: the routes spell full paths), views registered."""
    from app.appeals import cabinet, office, public  # noqa: F401  (importing the views registers them)

    return ((bp, "/appeals"), (cabinet_bp, "/cabinet"), (office_bp, "/office"))
