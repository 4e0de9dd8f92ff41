"""The signed-in user's own API tokens."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from web.auth import login_required, principal
from web.requests import db, now
from web.schemas.admin import TokenCreate
from web.schemas.common import form_dict, load
from workflows.accounts.signin import issue_token, list_tokens, revoke_token
from workflows.core.errors import QuanzeError

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(errors=None, secret=None, status=200):
    return render_template("account/tokens.html", tokens=list_tokens(db(), principal()),
                           errors=errors or {}, secret=secret), status


@bp.get("/tokens")
@login_required
def tokens():
    """The user's tokens (names, prefixes, last use; never the secret)."""
    return _page()


@bp.post("/tokens")
@login_required
def create_token():
    """Create a token; its secret is shown once on the answer page."""
    data, errors = load(TokenCreate(), form_dict(request.form))
    if errors:
        return _page(errors=errors, status=422)
    me = principal()
    try:
        _token, secret = issue_token(db(), me, data["user_id"] or me.user_id, data["name"], now(),
                                     data["expires_at"])
    except QuanzeError as exc:
        if exc.status in (403, 404):
            raise
        return _page(errors=exc.details.get("errors") or {"_form": [exc.message]}, status=exc.status)
    return _page(secret=secret, status=201)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke one of the user's tokens."""
    revoke_token(db(), principal(), token_id, now())
    return redirect(url_for("account.tokens"))
