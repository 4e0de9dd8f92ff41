"""Who is asking: session sign-in for pages, bearer tokens for the API, and CSRF checks."""

from __future__ import annotations

import functools
import hmac
import secrets
from datetime import timedelta

from flask import Flask, abort, current_app, g, redirect, request, session, url_for

from web.requests import db, end_reads, now
from workflows.accounts.access import Principal
from workflows.accounts.sessions import Timeouts, end_session, open_session, session_principal
from workflows.accounts.signin import principal_for_token

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def is_api_request() -> bool:
    """True for the JSON API, which authenticates by bearer token and never by cookie."""
    return request.path.startswith("/api/")


def current_principal() -> Principal | None:
    """The principal of this request, or None when anonymous."""
    return g.get("principal")


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _load_principal() -> None:
    g.principal = None
    if is_api_request():
        token = _bearer()
        if token:
            g.principal = principal_for_token(db(), token, now())
    elif "sid" in session:
        g.principal = session_principal(db(), session["sid"], now(), _timeouts())
        if g.principal is None:
            _forget()
    end_reads()


def csrf_token() -> str:
    """The session's CSRF token, created on first use (rendered into every form)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _check_csrf() -> None:
    if request.method not in UNSAFE_METHODS or is_api_request():
        return
    sent = request.form.get("csrf_token", "") or request.headers.get("X-CSRF-Token", "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="表单已过期或来源不明，请刷新后重试 / missing or invalid CSRF token")


def _timeouts() -> Timeouts:
    config = current_app.config
    return Timeouts(idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                    absolute=timedelta(minutes=config["SESSION_ABSOLUTE_MINUTES"]))


def _forget() -> None:
    """Clear the cookie's session but keep the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def sign_in(principal: Principal) -> None:
    """Start a fresh server-side session for the user (a new key and CSRF token, no fixation)."""
    if "sid" in session:
        end_session(db(), session["sid"], now(), "replaced")
    _forget()
    session["sid"] = open_session(db(), principal.user_id, now())
    session["csrf"] = secrets.token_urlsafe(32)
    g.principal = principal


def sign_out() -> None:
    """End the session on the server, so a copy of the cookie is worthless afterwards."""
    if "sid" in session:
        end_session(db(), session["sid"], now(), "logout")
    _forget()


def login_required(view):
    """Pages: redirect anonymous users to the login page; API: 401."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_principal() is None:
            if is_api_request():
                abort(401, description="需要身份令牌 / bearer token required")
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def principal() -> Principal:
    """The signed-in principal (views decorated with login_required)."""
    p = current_principal()
    if p is None:
        abort(401)
    return p


def init_app(app: Flask) -> None:
    """Load the principal and check CSRF before every request."""
    app.before_request(_check_csrf)
    app.before_request(_load_principal)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_principal"] = current_principal
