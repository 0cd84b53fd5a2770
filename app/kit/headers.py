"""The security headers of every answer (set by ``app.web`` on Flask's responses and by the page cache's front on
the answers it gives without Flask)."""
from __future__ import annotations

# No inline script or style anywhere: every asset is a file the app serves.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def security_headers(secure: bool) -> tuple[tuple[str, str], ...]:
    """The headers every answer carries (HSTS only over HTTPS)."""
    return (*SECURITY_HEADERS, HSTS) if secure else SECURITY_HEADERS
