"""Personal reception: the heads' reception days and booking (``/reception``), the resident's bookings
(``/cabinet/receptions``), the staff's sessions and front desk (``/office/receptions``)."""
from flask import Blueprint

bp = Blueprint("reception", __name__)
cabinet_bp = Blueprint("reception_cabinet", __name__)
office_bp = Blueprint("reception_office", __name__)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes (None: the routes spell full paths), views registered."""
    from app.reception import cabinet, office, public  # noqa: F401  (importing the views registers them)

    return ((bp, "/reception"), (cabinet_bp, "/cabinet"), (office_bp, "/office"))
