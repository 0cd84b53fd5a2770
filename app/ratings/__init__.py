"""Ratings on the ASAN criteria (being built: issue 19)."""


def blueprints() -> tuple:
    """The area's blueprints with their URL prefixes, views registered."""
    return ()
