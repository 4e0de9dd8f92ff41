"""Deadline rows of the case procedures (case handling, legal review, crime transfer), design.md §4."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from models import Deadline
from models.deadlines import RUNNING_STATUSES
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.services import ServiceContext
from workflows.deadlines import records as deadlines
from workflows.procedures.periods import service_calendar


@lru_cache(maxsize=1)
def legal_calendar() -> LegalCalendar:
    """The calendar of case functions called outside a step, built on first use (never at import).

    Service tasks use the engine's calendar (ctx.calendar) instead.
    """
    return LegalCalendar()


def clock_view(deadline: Deadline) -> dict:
    """The JSON-native handle a process keeps of one deadline row."""
    return {"id": deadline.id, "rule": deadline.rule_key, "due_at": deadline.due_at.isoformat(),
            "status": str(deadline.status)}


def start(ctx: ServiceContext, rule_key: str, org_id: int, task_id: str, case_ref: str | None,
          at: datetime | None = None) -> dict:
    """Start the period of `rule_key` now (or from `at`, the event a 倒算 rule counts back from)."""
    row = deadlines.start_deadline(ctx.session, ctx.clock, service_calendar(ctx), rule_key,
                                   instance_id=ctx.instance_id, task_id=task_id, case_ref=case_ref,
                                   org=org_id, actor=ctx.actor_user_id, start=at)
    return clock_view(row)


def meet(ctx: ServiceContext, handle: dict | None) -> None:
    """The act was done: close the deadline (late ones are counted late by the figures)."""
    if handle:
        deadlines.mark_met(ctx.session, ctx.clock, handle["id"], actor=ctx.actor_user_id)


def pause(ctx: ServiceContext, handle: dict, reason: str) -> dict:
    """Stop a running period for time the rule does not count."""
    return clock_view(deadlines.pause(ctx.session, ctx.clock, handle["id"], reason,
                                      actor=ctx.actor_user_id))


def pause_if_running(ctx: ServiceContext, handle: dict | None, reason: str) -> bool:
    """Pause the period unless it is already paused or closed (a head may have paused it by hand)."""
    if not handle or deadlines.get_deadline(ctx.session, handle["id"]).status not in RUNNING_STATUSES:
        return False
    pause(ctx, handle, reason)
    return True


def resume(ctx: ServiceContext, handle: dict) -> dict:
    """Restart a paused period; its due moves by the excluded span."""
    return clock_view(deadlines.resume(ctx.session, ctx.clock, service_calendar(ctx), handle["id"],
                                       actor=ctx.actor_user_id))
