"""Addresses that moved: every old address answers with a permanent redirect to its new place.

The staff pages of every area live under ``/office/<area>``; the commitments' and consultations' editors' pages
were under ``/commitments/manage`` and ``/consultations/manage`` before. Bookmarks, emailed links and a browser's
history keep working: 308 keeps the method and the form, so even a form sent from a page left open arrives.
"""
from __future__ import annotations

from flask import Blueprint, redirect, request

from app.authz import public
from app.extensions import csrf


def moved(blueprint: Blueprint, old: str, new: str, name: str) -> None:
    """Redirect ``old`` and everything under it (paths of ``blueprint``) to the same place under ``new``."""

    @public
    def view(rest: str = ""):
        target = new.rstrip("/") + ("/" + rest if rest else "/")
        query = request.query_string.decode("latin-1")
        return redirect(f"{target}?{query}" if query else target, 308)

    view.__name__ = view.__qualname__ = name
    # Only a redirect: the form is checked (CSRF token included) where it arrives.
    csrf.exempt(view)
    view.__doc__ = f"The old address {old}…: a permanent redirect to {new}…"
    blueprint.add_url_rule(old, name, view, methods=["GET", "POST"])
    blueprint.add_url_rule(f"{old}/<path:rest>", name, view, methods=["GET", "POST"])
