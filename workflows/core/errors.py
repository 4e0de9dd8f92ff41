"""Errors the service layer raises; the web maps them to 4xx, the CLI to messages."""

from __future__ import annotations

import re

# The slash between the halves of a "中文 / English" message: after a space or a closing bracket
# ("…（第46条）/ evidence refused"), before a space; "委托/赋权" inside the Chinese half is not one.
_HALVES = re.compile(r"(?<=[\s）)】」。？！])/\s")
# Statutes cited in refusals, for the English half (the Chinese citation stays the reference).
_LAWS_EN = (("行政处罚法", "Administrative Penalty Law"), ("行政强制法", "Administrative Coercion Law"))
_ARTICLES = re.compile(r"第([0-9、，,]+)条")


def halves(text: str) -> tuple[str, str | None]:
    """(Chinese, English) of a "中文 / English" message; English is None when there is no separator."""
    parts = _HALVES.split(str(text or ""), maxsplit=1)
    return (parts[0].strip(), parts[1].strip()) if len(parts) == 2 else (parts[0].strip(), None)


def article_en(article: str) -> str:
    """An article as the English half cites it: '行政处罚法 第20、24条' → 'Administrative Penalty Law art. 20, 24'."""
    text = article
    for zh, en in _LAWS_EN:
        text = text.replace(zh, en)
    return _ARTICLES.sub(lambda m: "art. " + re.sub(r"[、，,]", ", ", m.group(1)), text)


def with_article(message: str, article: str | None) -> str:
    """The message with its article in each language half."""
    if not article:
        return message
    zh, en = halves(message)
    return f"{zh}（{article}）" + (f" / {en} ({article_en(article)})" if en is not None else "")


class QuanzeError(Exception):
    """Base of every expected, user-facing error."""

    status = 400
    code = "error"

    def __init__(self, message: str, **details) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict:
        """JSON-friendly form for the API and the CLI's --json."""
        return {"error": self.code, "message": self.message, **self.details}


class ValidationFailed(QuanzeError):
    """Input is malformed; `errors` maps each field (or row) to its messages, all at once."""

    status = 422
    code = "validation_failed"

    def __init__(self, errors: dict[str, list[str]] | list[dict], message: str | None = None, **details):
        super().__init__(message or "输入有误 / invalid input", errors=errors, **details)
        self.errors = errors


class NotFound(QuanzeError):
    """The thing named does not exist (or is not visible to the caller)."""

    status = 404
    code = "not_found"


class PermissionDenied(QuanzeError):
    """The caller's role or organization does not allow this."""

    status = 403
    code = "forbidden"


class Conflict(QuanzeError):
    """Someone else changed the thing first (lost race) or it is in the wrong state."""

    status = 409
    code = "conflict"


class LegalRuleViolation(QuanzeError):
    """The request breaks a rule of law; `article` cites it, e.g. '行政处罚法 第20条'."""

    status = 422
    code = "legal_rule_violation"

    def __init__(self, message: str, article: str, **details) -> None:
        super().__init__(message, article=article, **details)
        self.article = article
