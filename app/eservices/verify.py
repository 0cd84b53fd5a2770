"""Is this document genuine? The code form and the answer; both share one rate limit per client address."""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _

from app.authz import public
from app.eservices import documents, verify_bp
from app.eservices.verify_forms import VerifyForm
from app.extensions import limiter
from app.kit.files import PRIVATE


def _verify_limit() -> str:
    return current_app.config["RATELIMIT_VERIFY"]


# One budget for both addresses, so that switching between them buys no extra guesses.
verify_limit = limiter.shared_limit(_verify_limit, scope="verify")


def _answer(typed: str):
    """The answer for a typed code: the genuine document's facts, 'no such document' (404) or the form (400)."""
    form = VerifyForm(formdata=None, code=typed)
    code = documents.normalize_code(typed)
    if code is None:
        form.code.errors = [
            _("Enter the verification code printed on the document.") if not typed.strip() else
            _("A verification code has 20 letters and digits in groups of four, as printed on the document. "
              "Check what you typed.")
        ]
        return render_template("eservices/verify/index.html", form=form), 400
    facts = documents.verify(code)
    if facts is None:
        form.code.data = code
        return render_template("eservices/verify/unknown.html", form=form, code=code), 404
    # Only who holds the code sees the document's facts: no cache keeps them (a shared computer, a proxy).
    return render_template("eservices/verify/result.html", facts=facts, code=code), 200, {"Cache-Control": PRIVATE}


@verify_bp.get("/")
@public
@verify_limit
def index():
    """The form with one field; with ``?code=`` the answer for that code."""
    if "code" in request.args:
        return _answer(request.args.get("code", ""))
    return render_template("eservices/verify/index.html", form=VerifyForm(formdata=None))


@verify_bp.get("/<code>")
@public
@verify_limit
def check(code: str):
    """The answer for the code in the address (the QR code on the document leads here)."""
    return _answer(code)
