"""The electronic queue of the front desk (being built: issue 19)."""


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes, views registered."""
    return ()
