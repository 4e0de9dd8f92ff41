"""The scheduler: legal deadlines, BPMN timers and webhook retries fired on time, exactly once."""

from __future__ import annotations

import os

from scheduler.runner import DeadlineScheduler
from workflows.engine.folder import bpmn_folder
from workflows.jobs.webhooks import WEBHOOK_URL_ENV
from workflows.procedures import build_engine


def start_in_process(session_factory, clock, calendar=None, *, engine=None, bpmn_dir=None,
                     webhook_url: str | None = None, sweep_seconds: float = 30) -> DeadlineScheduler:
    """Start the scheduler in this process (`quanze serve`, `quanze scheduler`); call shutdown() to stop.

    Instance timers are woken through `engine`, or through an engine built on the BPMN folder:
    `bpmn_dir`, else $QUANZE_BPMN_DIR, else the one shipped with the package — never the
    working directory. Without one it refuses to start (NoBpmnFolder). The webhook URL
    defaults to $QUANZE_WEBHOOK_URL.
    """
    if engine is None:
        engine = build_engine(bpmn_folder(bpmn_dir), clock, calendar)
    url = webhook_url if webhook_url is not None else os.environ.get(WEBHOOK_URL_ENV) or None
    runner = DeadlineScheduler(session_factory, clock, engine=engine, webhook_url=url,
                               sweep_seconds=sweep_seconds)
    return runner.start()


__all__ = ["DeadlineScheduler", "start_in_process"]
