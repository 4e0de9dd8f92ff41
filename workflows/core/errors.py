"""Errors the service layer raises; the web maps them to 4xx, the CLI to messages."""

from __future__ import annotations


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

    def __init__(self, errors: dict[str, list[str]] | list[dict], message: str | None = None):
        super().__init__(message or "输入有误 / invalid input", errors=errors)
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
