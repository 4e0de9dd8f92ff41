"""Security headers on pages, API and stored documents; the Secure cookie flag."""

from __future__ import annotations

import pytest

from tests.support.webapp import login
from web import create_app


@pytest.mark.parametrize("path", ["/login", "/api/openapi.json", "/api/v1/me", "/no-such-page"])
def test_every_response_carries_csp_framing_sniffing_and_referrer_headers(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_responses_carrying_a_stored_document_are_sandboxed(app):
    @app.get("/_probe_document")
    def probe():
        return "<script>alert(1)</script>", 200, {"Content-Type": "text/html",
                                                  "Content-Disposition": "inline; filename=x.html"}

    csp = app.test_client().get("/_probe_document").headers["Content-Security-Policy"]
    assert csp.startswith("sandbox") and "default-src 'none'" in csp and "script-src" not in csp


def _app(engine, clock, tmp_path, **extra):
    return create_app({"ENGINE": engine, "CLOCK": clock, "SECRET_KEY": "k",
                       "INSTANCE_PATH": str(tmp_path), **extra})


def test_secure_cookies_are_on_by_default_outside_development(engine, clock, tmp_path, monkeypatch):
    monkeypatch.delenv("QUANZE_SECURE_COOKIES", raising=False)
    monkeypatch.delenv("QUANZE_ENV", raising=False)
    assert _app(engine, clock, tmp_path).config["SESSION_COOKIE_SECURE"] is True
    assert _app(engine, clock, tmp_path, TESTING=True).config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("QUANZE_ENV", "development")
    assert _app(engine, clock, tmp_path).config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("0", False), ("off", False)])
def test_quanze_secure_cookies_overrides_the_default(engine, clock, tmp_path, monkeypatch, value, expected):
    monkeypatch.setenv("QUANZE_SECURE_COOKIES", value)
    assert _app(engine, clock, tmp_path, TESTING=True).config["SESSION_COOKIE_SECURE"] is expected


def test_secure_flag_is_sent_on_the_session_cookie(engine, clock, tmp_path, monkeypatch):
    """The engine holds a copy of the Gucheng sample (tests/web/conftest.py)."""
    monkeypatch.setenv("QUANZE_SECURE_COOKIES", "1")
    client = _app(engine, clock, tmp_path, TESTING=True).test_client()
    response = login(client, "zk_officer1")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
