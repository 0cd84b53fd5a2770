"""E-services: the catalogue and applying online (``/services``), the resident's applications
(``/cabinet/services``), the officials' applications and front desk (``/office/services``), checking a result
document (``/verify``) and the administrators' catalogue and form versions (``/admin/services``)."""
from flask import Blueprint

bp = Blueprint("eservices", __name__)
cabinet_bp = Blueprint("eservices_cabinet", __name__)
office_bp = Blueprint("eservices_office", __name__)
verify_bp = Blueprint("verify", __name__)
admin_bp = Blueprint("eservices_admin", __name__)


@bp.record_once
def _template_globals(state) -> None:
    """The application statuses and sources, for every page that shows an application (macros see globals only)."""
    from app.eservices import service

    state.app.jinja_env.globals.update(SERVICE_STATUS_LABELS=service.STATUS_LABELS,
                                       SERVICE_SOURCE_LABELS=service.SOURCE_LABELS)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes (None: the routes spell full paths), views registered."""
    from app.eservices import cabinet, catalogue_views, office, public, verify  # noqa: F401  (importing the views registers them)

    return ((bp, "/services"), (cabinet_bp, "/cabinet"), (office_bp, "/office"), (verify_bp, "/verify"),
              (admin_bp, "/admin"))
