"""The notification centre (``/cabinet/notifications``): every signed-in person's notifications, newest first,
opening each at its object's page, marking them read, and each person's choice of channel per kind
(``/cabinet/notifications/settings``); the header's link with the unread count; the daily digest
(``flask notifications digest``). Writing a notification is the kit's (``app.kit.notify``)."""
from flask import Blueprint

bp = Blueprint("notifications_cabinet", __name__)


@bp.record_once
def _template_globals(state) -> None:
    """The header's unread count, asked for by ``components/notifications_link.html`` on every signed-in page."""
    from app.notifications import routes

    state.app.jinja_env.globals.update(unread_notifications=routes.unread_for_header)


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes (None: the routes spell full paths), views registered."""
    from app.notifications import routes  # noqa: F401  (importing the views registers them)

    return ((bp, "/cabinet"),)
