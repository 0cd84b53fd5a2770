"""The electronic queue of the front desk: taking a ticket, the kiosk and the hall screen (``/queue``), the
resident's tickets (``/cabinet/queue``), the desk console and the district's services and desks
(``/office/queue``)."""
from flask import Blueprint

bp = Blueprint("queue", __name__)
cabinet_bp = Blueprint("queue_cabinet", __name__)
office_bp = Blueprint("queue_office", __name__)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes, views registered."""
    from app.queue import cabinet, office, public  # noqa: F401  (importing the views registers them)

    return ((bp, "/queue"), (cabinet_bp, "/cabinet/queue"), (office_bp, "/office/queue"))
