"""APScheduler 3.x wiring: wake at the next due instant, sweep as a safety net, never act twice.

The deadline table (and process_instances.next_wake_at) is the truth, not APScheduler's job
store: jobs live in memory, every pass re-reads the database, and claims are conditional
updates (workflows.jobs.firing), so a restart catches up and several schedulers on one
PostgreSQL never fire a row twice (design.md §4).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from workflows.jobs import webhooks
from workflows.jobs.due_work import DueWorkReport, run_due_work

log = logging.getLogger("quanze.scheduler")

SWEEP_SECONDS = 30
WEBHOOK_SECONDS = 15
WAKE_JOB = "wake-at-next-due"
RETRY_DELAY = timedelta(seconds=1)


class DeadlineScheduler:
    """A BackgroundScheduler with three jobs: the next-due wake, the sweep and webhook delivery."""

    def __init__(self, session_factory, clock, *, engine=None, webhook_url: str | None = None,
                 sweep_seconds: float = SWEEP_SECONDS, batch: int = 1000) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.engine = engine
        self.webhook_url = webhook_url
        self.sweep_seconds = sweep_seconds
        self.batch = batch
        self.last_report: DueWorkReport | None = None
        self._lock = threading.Lock()
        self._scheduler = BackgroundScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})

    def start(self, *, paused: bool = False) -> DeadlineScheduler:
        """Catch up at once, then keep waking at the next due instant (`paused`: jobs wait)."""
        now = datetime.now(UTC)
        self._scheduler.add_job(self.sweep, "interval", seconds=self.sweep_seconds, id="sweep",
                                next_run_time=now)
        self._scheduler.add_job(self.deliver_webhooks, "interval", seconds=WEBHOOK_SECONDS,
                                id="webhooks", next_run_time=now)
        self._scheduler.start(paused=paused)
        log.info("scheduler started (sweep every %ss)", self.sweep_seconds)
        return self

    def sweep(self) -> DueWorkReport | None:
        """Safety-net job: a pass unless one is running (that one handles all that is due)."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            return self._tick_locked()
        finally:
            self._lock.release()

    def tick(self) -> DueWorkReport | None:
        """Wake job: open a session, run the due work, re-arm the wake at the next due instant."""
        with self._lock:  # passes never overlap inside one process
            return self._tick_locked()

    def _tick_locked(self) -> DueWorkReport | None:
        """Passes until nothing more is due now, then arm the wake for what comes next."""
        while True:
            report = self._pass()
            if report is None:
                return None
            if report.expired or report.warned:
                self._deliver_soon()
            next_at = report.next_wake_at
            if next_at is None or next_at > self.clock.now():
                break
            if not (report.expired or report.warned or report.instances_woken):
                # Due but not taken (rows locked by another scheduler, an instance that failed
                # to advance): retry shortly instead of spinning.
                next_at = self.clock.now() + RETRY_DELAY
                break
            # What fell due during this pass is handled now, not through another job run.
        self.arm(next_at)
        return report

    def _deliver_soon(self) -> None:
        """Run the webhook job now when this pass queued deliveries."""
        if self.webhook_url and self._scheduler.running and self._scheduler.get_job("webhooks"):
            self._scheduler.modify_job("webhooks", next_run_time=datetime.now(UTC))

    def _pass(self) -> DueWorkReport | None:
        """One session, one call of the workflows function; errors are logged, never raised."""
        try:
            with self.session_factory() as session:
                report = run_due_work(session, self.clock, engine=self.engine,
                                      webhook_url=self.webhook_url, batch=self.batch)
        except Exception:  # a failing pass must not stop the scheduler; the sweep retries
            log.exception("due-work pass failed")
            return None
        self.last_report = report
        if report.expired or report.warned or report.instances_woken:
            log.info("fired: %s overdue, %s warned, %s instances woken",
                     report.expired, report.warned, report.instances_woken)
        return report

    def arm(self, when: datetime | None) -> datetime | None:
        """Schedule the wake job at `when` (now if it is past); None removes it. Returns the run time."""
        if not self._scheduler.running:
            return None
        if when is None:
            if self._scheduler.get_job(WAKE_JOB):
                self._scheduler.remove_job(WAKE_JOB)
            return None
        run_at = wake_time(when, self.clock.now(), datetime.now(UTC))
        # Re-armed from inside the running wake job itself: further instances must be allowed
        # to queue (the lock still runs them one after the other), or APScheduler skips them.
        self._scheduler.add_job(self.tick, "date", run_date=run_at, id=WAKE_JOB, replace_existing=True,
                                max_instances=4)
        return run_at

    def scheduled_wake(self) -> datetime | None:
        """The wall-clock instant the wake job is armed for, or None."""
        job = self._scheduler.get_job(WAKE_JOB)
        return job.next_run_time if job else None

    def poke(self) -> None:
        """Something new was scheduled in this process (e.g. by the web): look again now."""
        self.arm(datetime.now(UTC))

    def deliver_webhooks(self) -> None:
        """Job: deliver due webhook POSTs (retries use the rows' back-off times)."""
        try:
            with self.session_factory() as session:
                webhooks.deliver_due(session, self.clock)
        except Exception:
            log.exception("webhook delivery pass failed")

    def shutdown(self, wait: bool = True) -> None:
        """Stop the jobs; a running pass finishes first when `wait`."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)


def wake_time(due: datetime, clock_now: datetime, wall_now: datetime) -> datetime:
    """The wall-clock instant to wake for a due instant measured on the injected clock."""
    return wall_now + max(due - clock_now, timedelta(0))
