"""Area alerts: anyone subscribes to a district's new public appeals and answers by email (at once or once a day)
or reads them as an Atom feed (``/alerts``); residents manage their alerts in the cabinet (``/cabinet/alerts``)."""
from flask import Blueprint

bp = Blueprint("alerts", __name__)
cabinet_bp = Blueprint("alerts_cabinet", __name__)


@bp.record_once
def _setup(state) -> None:
    """Hear of every appeal step (the appeals area's signal), and give templates the frequencies' names."""
    from app.alerts import sending, service
    from app.appeals.signals import appeal_step

    # A module-level function: the signal's weak reference keeps it as long as the module lives.
    appeal_step.connect(sending.on_appeal_step)
    state.app.jinja_env.globals["ALERT_FREQUENCY_NAMES"] = service.FREQUENCY_NAMES


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes (None: the routes spell full paths), views registered."""
    from app.alerts import cabinet, public  # noqa: F401  (importing the views registers them)

    return ((bp, "/alerts"), (cabinet_bp, "/cabinet"))
