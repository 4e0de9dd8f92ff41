"""Sign in, sign out and switch language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from marshmallow import fields, validate

from web.auth import sign_in, sign_out
from web.requests import db, now
from web.schemas.common import BaseSchema, form_dict, load, required_msgs
from workflows.accounts.signin import BadCredentials, TooManyAttempts, authenticate
from workflows.sample.demo import demo_accounts

bp = Blueprint("auth", __name__)


class LoginForm(BaseSchema):
    """The login form."""

    username = fields.String(required=True, validate=validate.Length(min=1, max=60),
                             error_messages=required_msgs())
    password = fields.String(required=True, validate=validate.Length(min=1, max=200),
                             error_messages=required_msgs())
    next = fields.String(load_default=None)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths, so the login page cannot bounce users elsewhere."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("home.index")


def _page(errors=None, message=None, status=200, username=""):
    accounts = demo_accounts(db())
    return render_template("login.html", errors=errors or {}, message=message, username=username,
                           demo=accounts, next=request.values.get("next", "")), status


@bp.get("/login")
def login():
    """The login page, listing demo accounts when the sample is loaded."""
    return _page()


@bp.post("/login")
def login_post():
    """Check the password (rate limited) and start a session."""
    data, errors = load(LoginForm(), form_dict(request.form))
    if errors:
        return _page(errors=errors, status=422, username=request.form.get("username", ""))
    try:
        principal = authenticate(db(), data["username"], data["password"],
                                 request.remote_addr or "-", now())
    except TooManyAttempts as exc:
        return _page(message=exc.message, status=429, username=data["username"])
    except BadCredentials as exc:
        return _page(message=exc.message, status=401, username=data["username"])
    sign_in(principal)
    return redirect(_safe_next(data.get("next")))


@bp.post("/logout")
def logout():
    """End the session."""
    sign_out()
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def set_language(code: str):
    """Switch between Chinese and English for this browser session."""
    if code in ("zh_CN", "en"):
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))
