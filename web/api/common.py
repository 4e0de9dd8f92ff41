"""Helpers shared by API handlers: authentication and paging."""

from __future__ import annotations

from functools import wraps

from flask import abort
from marshmallow import RAISE

from web.auth import current_principal
from workflows.accounts.access import Principal
from workflows.procedures import start_grants
from workflows.registry.browse import Page

BEARER = [{"bearer": []}]
# Query strings of the API refuse unknown parameters (webargs would drop them silently).
QUERY = {"location": "query", "unknown": RAISE}


def require_token() -> None:
    """401 unless the request carries a valid bearer token (run before arguments are parsed)."""
    if current_principal() is None:
        abort(401, description="需要有效的身份令牌 / a valid bearer token is required")


def may_start(kind: str):
    """Refuse callers whose roles cannot start the procedure before their body is parsed (403)."""
    def wrap(handler):
        @wraps(handler)
        def checked(*args, **kwargs):
            if not start_grants(caller(), kind):
                abort(403, description=f"无权发起此流程：{kind} / you may not start {kind}")
            return handler(*args, **kwargs)
        return checked
    return wrap


def caller() -> Principal:
    """The authenticated caller (handlers decorated with token_required)."""
    return current_principal()


def paged(page: Page) -> dict:
    """A page as the JSON body {items, meta}."""
    return {"items": page.items, "meta": {"page": page.page, "page_size": page.page_size,
                                          "total": page.total, "pages": page.pages}}
