"""Every error in one shape {status, error, message, errors, article?}: JSON for the API, a page for people."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from markupsafe import escape
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from web.auth import is_api_request
from web.labels import one_language
from workflows.core.errors import QuanzeError

STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
                415: "unsupported_media_type", 422: "validation_failed", 429: "too_many_requests",
                500: "internal_error", 503: "service_unavailable"}
INVALID_INPUT = "invalid_input"
RETRY_AFTER_SECONDS = 30
OUTAGE_MESSAGE = "数据库暂时不可用，请稍后重试 / the database is unavailable, please retry shortly"
INTERNAL_MESSAGE = "服务器内部错误，已记录 / internal error, it has been logged"
# Pages for 500 and 503 must not need the database (the layout queries it for the task count).
BARE_PAGE = ('<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{status}</title>'
             "<h1>{status}</h1><p>{message}</p></html>")
log = logging.getLogger(__name__)


def field_errors(errors) -> dict[str, list[str]]:
    """Any error detail as {field: [messages]}: nested maps get dotted names, row lists 'rows.N'."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
            flat.setdefault(prefix or "_", []).extend(value)
        elif isinstance(value, list | tuple):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}" if prefix else f"rows.{index}", inner)
        elif value is not None:
            flat.setdefault(prefix or "_", []).append(str(value))

    walk("", errors)
    return flat


def error_body(status: int, message: str, errors=None, article: str | None = None,
               error: str | None = None, details: dict | None = None) -> dict:
    """The one error shape of the API (documented as Error in OpenAPI)."""
    body = {"status": status, "error": error or STATUS_CODES.get(status, "error"), "message": message,
            "errors": field_errors(errors or {})}
    if article:
        body["article"] = article
    if details:
        body["details"] = details
    return body


def api_english() -> bool | None:
    """The API caller's language from Accept-Language: True English, False Chinese, None both halves."""
    if not request.accept_languages:
        return None
    best = request.accept_languages.best_match(("zh", "en"))
    return None if best is None else best == "en"


def in_language(body: dict, english: bool) -> dict:
    """The error with every "中文 / English" message reduced to the caller's language."""
    errors = {k: [one_language(m, english) for m in v] for k, v in body["errors"].items()}
    return {**body, "message": one_language(body["message"], english), "errors": errors}


def _respond(body: dict, headers: dict | None = None, bare: bool = False):
    status = body["status"]
    if is_api_request():
        english = api_english()
        if english is not None:
            body = in_language(body, english)
            headers = {**(headers or {}), "Content-Language": "en" if english else "zh-CN"}
        return jsonify(body), status, headers or {}
    if bare:
        page = BARE_PAGE.format(status=status, message=escape(one_language(body["message"], False)))
        return page, status, {**(headers or {}), "Content-Type": "text/html; charset=utf-8"}
    return render_template("error.html", status=status, error=body), status, headers or {}


def handle_quanze_error(exc: QuanzeError):
    """A service-layer refusal: its status and message, with field errors and the article."""
    details = {k: v for k, v in exc.details.items() if k not in ("errors", "article", "field")}
    errors = exc.details.get("errors") or {}
    if exc.details.get("field"):
        errors = {exc.details["field"]: [exc.message]}
    return _respond(error_body(exc.status, exc.message, errors, exc.details.get("article"), exc.code,
                               details))


def handle_http_error(exc: HTTPException):
    """Werkzeug and webargs errors, with field messages when the body did not validate."""
    status = exc.code or 500
    if status >= 500:  # a bug (Flask logged it) answered in the same shape, without details
        return _respond(error_body(status, INTERNAL_MESSAGE), bare=True)
    message = exc.description or exc.name
    messages = exc.data.get("messages") if isinstance(getattr(exc, "data", None), dict) else None
    code = None
    if messages:
        # The body broke the OpenAPI schema itself (types, formats, required, unknown fields), as
        # opposed to a rule the services apply to well-formed input ("validation_failed").
        message, code = "输入有误 / invalid input", INVALID_INPUT
    headers = {}
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return _respond(error_body(status, message, _flatten_locations(messages or {}), error=code), headers)


def _flatten_locations(messages: dict) -> dict:
    """webargs nests errors by location ('json', 'query'); callers want the field names."""
    flat: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat


def handle_outage(exc: Exception):
    """The database is unreachable: 503 with Retry-After; the pool reconnects by itself."""
    log.warning("database unavailable: %s", exc.__class__.__name__)
    return _respond(error_body(503, OUTAGE_MESSAGE), {"Retry-After": str(RETRY_AFTER_SECONDS)}, bare=True)


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(QuanzeError, handle_quanze_error)
    app.register_error_handler(HTTPException, handle_http_error)
    for outage in (OperationalError, InterfaceError, DisconnectionError, PoolTimeout):
        app.register_error_handler(outage, handle_outage)
