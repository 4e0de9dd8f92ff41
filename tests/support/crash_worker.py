"""A worker process for the crash tests: runs one engine use case on a real database and can
stop at a chosen point of a step, say so on stdout and wait there to be killed (or resumed).

Run as `python -m tests.support.crash_worker '<json config>'` from the repository root.
Config keys: url, schema (PostgreSQL search_path), bpmn_dir, now (ISO instant), action
("complete" or "scheduler"), task_id, user_id, data (the completion's form data), procedures
(true: the product's engine with every procedure's services, forms and lanes; else the crash
test's own), block_at (the n-th stop to wait at, or null), block_where ("service": inside the
step's crash-point service task, before anything is written; "commit": after every write of a
step that ran that service task, just before its COMMIT; "any_commit": before any COMMIT of the
action), retry (after a failed step, run it once more and report). Lines written: `ready`
(then it waits for a line on stdin before acting), `blocked <backend pid> <audit rows seen by the open transaction>`,
`failed <error class> <connection invalidated>`, `done <n>`. The parent waits on these lines,
never on time.
"""

from __future__ import annotations

import json
import sys
import traceback
from datetime import datetime

from sqlalchemy import event

from models import User
from models.db import make_engine, make_session_factory
from tests.support.engine_support import demo_lanes
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.clock import FixedClock
from workflows.core.forms import FormRegistry
from workflows.core.services import ServiceRegistry
from workflows.engine import Engine
from workflows.jobs.due_work import next_instance_wake, run_due_work
from workflows.procedures import build_engine
from workflows.tasks import processes

CRASH_SERVICE = "tests.crash_point"


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Stops:
    """Counts the stops a step passes and waits at the configured one."""

    def __init__(self, config: dict) -> None:
        self.block_at = config.get("block_at")
        self.where = config.get("block_where", "service")
        self.seen = 0
        self.armed = False  # a service task ran in the open transaction: its COMMIT is a stop
        self.active = False  # set when the action starts (the definitions' sync is no stop)

    def reached(self, session, where: str) -> None:
        """Called at each stop; at the chosen one, report the backend and wait on stdin."""
        if where != self.where or self.block_at is None or not self.active:
            return
        self.seen += 1
        if self.seen != self.block_at:
            return
        pid = 0
        connection = session.connection()
        if session.get_bind().dialect.name == "postgresql":
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        # Audit rows as the open transaction sees them: the parent knows what was written.
        rows = connection.exec_driver_sql("SELECT count(*) FROM audit_events").scalar()
        _say(f"blocked {pid} {rows}")
        sys.stdin.readline()  # killed here, or resumed by the parent writing a line

    def before_commit(self, session) -> None:
        """Any COMMIT is an 'any_commit' stop; one after the service task ran, a 'commit' stop."""
        self.reached(session, "any_commit")
        if self.armed:
            self.armed = False
            self.reached(session, "commit")

    def disarm(self, _session) -> None:
        """A rolled-back step's service call does not make a later COMMIT a stop."""
        self.armed = False


def _services(stops: Stops) -> ServiceRegistry:
    services = ServiceRegistry()

    def crash_point(ctx):
        stops.reached(ctx.session, "service")
        stops.armed = True
        return {"instance": ctx.instance_id, "at": ctx.now.isoformat()}

    services.register(CRASH_SERVICE, crash_point)
    return services


def _complete(session_factory, engine, config) -> int:
    with session_factory() as session:
        user = session.get(User, config["user_id"])
        processes.complete(session, engine, config["task_id"], user, config.get("data", {}))
    return 1


def _scheduler(session_factory, engine, clock) -> int:
    """Passes of the scheduler's job until nothing is due (what its sweep would do)."""
    woken = 0
    while True:
        with session_factory() as session:
            woken += run_due_work(session, clock, engine=engine).instances_woken
        with session_factory() as session:
            due = next_instance_wake(session)
        if due is None or due > clock.now():
            return woken


def main(config: dict) -> None:
    """Build an engine like the product's on the given database and run the action."""
    connect = {"options": f"-csearch_path={config['schema']}"} if config.get("schema") else {}
    db = make_engine(config["url"], connect_args=connect)
    session_factory = make_session_factory(db)
    stops = Stops(config)
    event.listen(session_factory, "before_commit", stops.before_commit)
    event.listen(session_factory, "after_rollback", stops.disarm)
    clock = FixedClock(datetime.fromisoformat(config["now"]))
    if config.get("procedures"):
        engine = build_engine(config["bpmn_dir"], clock, LegalCalendar())
    else:
        engine = Engine(config["bpmn_dir"], clock, LegalCalendar(), _services(stops),
                        FormRegistry(), demo_lanes())
    with session_factory() as session:
        engine.sync_definitions(session)
    _say("ready")
    sys.stdin.readline()  # started early (imports are the slow part), acts when told
    stops.active = True
    run = {"complete": lambda: _complete(session_factory, engine, config),
           "scheduler": lambda: _scheduler(session_factory, engine, clock)}[config["action"]]
    try:
        done = run()
    except Exception as exc:  # reported to the parent, which asserts on it
        # The class, and whether the connection was dropped (a cut one must never be pooled).
        _say(f"failed {type(exc).__name__} {getattr(exc, 'connection_invalidated', False)}")
        traceback.print_exc()
        if not config.get("retry"):
            raise SystemExit(3) from None
        stops.block_at = None
        done = run()
    _say(f"done {done}")
    db.dispose()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
    sys.exit(0)

