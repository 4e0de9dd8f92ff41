"""Response headers and cookie flags that make the browser enforce what the server means."""

from __future__ import annotations

import os

from flask import Flask, Response

# Scripts only from our origin (the vendored bpmn-js viewer lives under /static). Styles also
# allow inline ones: bpmn-js and the server-drawn SVG diagrams style their elements inline.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# A stored document (a letter rendered as HTML) runs nothing and gets an opaque origin.
DOCUMENT_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
FALSY = {"0", "false", "no", "off"}


def secure_headers(response: Response) -> Response:
    """Add CSP, framing, sniffing and referrer headers to every response."""
    for name, value in FIXED_HEADERS.items():
        response.headers.setdefault(name, value)
    is_document = "Content-Disposition" in response.headers
    response.headers["Content-Security-Policy"] = DOCUMENT_CSP if is_document else PAGE_CSP
    if response.headers.get("Content-Type", "").startswith("application/json"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def secure_cookies_wanted(app: Flask) -> bool:
    """QUANZE_SECURE_COOKIES, else on everywhere but development and testing."""
    configured = app.config.get("SECURE_COOKIES", os.environ.get("QUANZE_SECURE_COOKIES"))
    if configured is not None and configured != "":
        return str(configured).strip().lower() not in FALSY
    development = os.environ.get("QUANZE_ENV", "").lower() == "development"
    return not (app.testing or app.debug or development)


def init_app(app: Flask, explicit: set[str]) -> None:
    """Set the cookie flags and session timeouts from the environment; add headers to responses."""
    app.config["SESSION_COOKIE_SECURE"] = secure_cookies_wanted(app)
    for key, env in (("SESSION_IDLE_MINUTES", "QUANZE_SESSION_IDLE_MINUTES"),
                     ("SESSION_ABSOLUTE_MINUTES", "QUANZE_SESSION_ABSOLUTE_MINUTES")):
        if key not in explicit and os.environ.get(env):
            app.config[key] = int(os.environ[env])
    app.after_request(secure_headers)
