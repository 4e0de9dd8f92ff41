"""Input no request may carry, refused before any handler runs; and JSON out as UTF-8 with ISO 8601."""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider

from workflows.core.errors import ValidationFailed

MAX_DEPTH = 32  # no form of ours nests deeper than 3; Python's parser would overflow its stack
NUL_MSG = "含有非法字符（NUL）/ contains a NUL character"
SURROGATE_MSG = "含有不成对的代理字符 / contains a lone surrogate (not valid Unicode)"
DEPTH_MSG = f"嵌套超过{MAX_DEPTH}层 / nested deeper than {MAX_DEPTH} levels"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_OPENERS = re.compile(rb"[\[{]")


class QuanzeJSONProvider(DefaultJSONProvider):
    """UTF-8 JSON (no \\u escapes) with dates and instants in ISO 8601, never RFC 1123."""

    ensure_ascii = False
    sort_keys = False

    @staticmethod
    def default(o):
        """ISO 8601 for dates and instants; everything else as Flask does."""
        if isinstance(o, datetime | date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


class InvalidInput(ValidationFailed):
    """Input the OpenAPI schema already excludes (NUL, lone surrogates, nesting), named by field."""

    code = "invalid_input"


def _problem(value) -> str | None:
    if "\x00" in value:
        return NUL_MSG
    if _LONE_SURROGATE.search(value):
        return SURROGATE_MSG
    return None


def _printable(path: str) -> str:
    """A field path fit to echo in a UTF-8 answer (a lone surrogate is shown as its escape)."""
    return path.encode("utf-8", "backslashreplace").decode("utf-8")


def _walk(path: str, value, errors: dict) -> None:
    if isinstance(value, str):
        message = _problem(value)
        if message:
            errors.setdefault(_printable(path) or "_", []).append(message)
    elif isinstance(value, dict):
        for key, inner in value.items():
            name = f"{path}.{key}" if path else str(key)
            # A key is never stored (forms refuse unknown names) but may be echoed in an error,
            # and a lone surrogate cannot be written as UTF-8.
            if isinstance(key, str) and _LONE_SURROGATE.search(key):
                errors.setdefault(_printable(name), []).append(SURROGATE_MSG)
            _walk(name, inner, errors)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _walk(f"{path}.{index}" if path else str(index), inner, errors)


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets inside strings ignored)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def check_input() -> None:
    """Refuse NUL, lone surrogates and over-deep JSON anywhere in the request, naming the field."""
    errors: dict[str, list[str]] = {}
    for source in (request.args, request.form if request.mimetype != "application/json" else {}):
        for key in source:
            for value in source.getlist(key):
                _walk(key, value, errors)
    if request.is_json and request.content_length != 0:
        raw = request.get_data(cache=True)
        if len(_OPENERS.findall(raw)) > MAX_DEPTH and json_depth(raw) > MAX_DEPTH:
            raise InvalidInput({"_body": [DEPTH_MSG]})
        _walk("", request.get_json(silent=True), errors)
    if errors:
        raise InvalidInput(errors)


def init_app(app: Flask) -> None:
    """Install the JSON provider and the input check (first, before sign-in and CSRF)."""
    app.json = QuanzeJSONProvider(app)
    app.before_request_funcs.setdefault(None, []).insert(0, check_input)
