"""One workflows call per procedure start, shared by the start pages and the API.

Derived from workflows.procedures.ALL: each start's `run` checks the start rule for the
organization named, then calls exactly one service function (which checks again and writes
everything in one unit of work).
"""

from __future__ import annotations

from collections.abc import Callable

from workflows.core.errors import QuanzeError, with_article
from workflows.procedures import CASE, MENU, starts
from workflows.procedures.declaration import Started

MENU_RUNNERS: dict[str, Callable[..., Started]] = {key: s.run for key, s in starts(MENU).items()}
CASE_RUNNERS: dict[str, Callable[..., Started]] = {key: s.run for key, s in starts(CASE).items()}

__all__ = ["CASE_RUNNERS", "MENU_RUNNERS", "Started", "service_errors"]


def service_errors(exc: QuanzeError) -> dict:
    """A refused start as form errors: field errors when given, else one message with its article."""
    if isinstance(exc.details.get("errors"), dict):
        return exc.details["errors"]
    return {"_form": [with_article(exc.message, exc.details.get("article"))]}
