"""WSGI middleware wrapped around the application in ``create_app``."""
from __future__ import annotations


class DropNul:
    """WSGI middleware: drop NUL characters from the address before anything reads it.

    Scanners send ``%00`` in paths and query strings; PostgreSQL refuses NUL in text, so a filter value or a
    code carrying one would end in a database error (a 500) wherever a view passes it on. Nobody types one,
    so it is removed once here instead of in every view.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            environ["QUERY_STRING"] = query.replace("%00", "").replace("\x00", "")
        path = environ.get("PATH_INFO", "")
        if "\x00" in path:
            environ["PATH_INFO"] = path.replace("\x00", "")
        return self.app(environ, start_response)
