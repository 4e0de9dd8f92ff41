"""Parent side of the crash tests: start worker processes, wait on their signals, kill them.

Workers (tests/support/crash_worker.py) say on stdout when they reached a stop; the parent
blocks on that line (no sleeps, no timing), then kills the process with SIGKILL or resumes it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, text

from tests.support.bpmn_build import bpmn_file, chain, lane

ROOT = Path(__file__).resolve().parents[2]
CRASH_PROCESS = "crash_demo"


def _service(node_id: str) -> str:
    return (f'<bpmn:serviceTask id="{node_id}"><bpmn:extensionElements>'
            f'<spiffworkflow:serviceTaskOperator id="tests.crash_point" '
            f'resultVariable="{node_id}_result"><spiffworkflow:parameters/>'
            f'</spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>')


# prepare (user) → effect (service) → pause (timer, 1 hour) → woken (service) → confirm (user)
CRASH_BPMN = bpmn_file(
    f'<bpmn:process id="{CRASH_PROCESS}" isExecutable="true">'
    + lane("CountyDepartment", ["prepare", "confirm"])
    + '<bpmn:startEvent id="c_start"/><bpmn:userTask id="prepare"/>' + _service("effect")
    + '<bpmn:intermediateCatchEvent id="pause"><bpmn:timerEventDefinition id="pause_def">'
      '<bpmn:timeDate>due("hours", 1)</bpmn:timeDate></bpmn:timerEventDefinition>'
      '</bpmn:intermediateCatchEvent>' + _service("woken")
    + '<bpmn:userTask id="confirm"/><bpmn:endEvent id="c_end"/>'
    + chain("cf", ["c_start", "prepare", "effect", "pause", "woken", "confirm", "c_end"])
    + "</bpmn:process>")


def worker_config(engine: Engine, bpmn_dir: Path, now, **action) -> dict:
    """What a worker needs to open the test's database (file or PostgreSQL schema)."""
    config = {"url": engine.url.render_as_string(hide_password=False),
              "bpmn_dir": str(bpmn_dir), "now": now.isoformat(), **action}
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            config["schema"] = conn.scalar(text("SELECT current_schema()"))
    return config


class Worker:
    """One worker process; its stdout lines are its signals."""

    def __init__(self, config: dict) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.crash_worker", json.dumps(config)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)

    def go(self) -> Worker:
        """Wait until the worker is ready (imported, definitions synced), then let it act."""
        assert self.signal() == "ready"
        self.resume()
        return self

    def signal(self) -> str:
        """The next line the worker writes (blocks until it is written or the worker ends)."""
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise AssertionError(f"worker ended ({self.proc.returncode}) without a signal:\n"
                                 f"{self.proc.stderr.read()}")
        return line.strip()

    def blocked(self) -> int:
        """Wait until the worker stops at its chosen point; its PostgreSQL backend pid (or 0).

        `audit_rows` then holds the audit rows its open transaction sees (its own writes too).
        """
        word, pid, rows = self.signal().split()
        assert word == "blocked", word
        self.audit_rows = int(rows)
        return int(pid)

    def kill(self) -> None:
        """SIGKILL, then reap: its file locks are gone once wait() returns."""
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()
        self.proc.stdin.close()

    def resume(self) -> None:
        """Let a blocked worker go on from its stop."""
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def finish(self) -> list[str]:
        """Wait for a normal end; every remaining line (the worker must exit 0)."""
        out, err = self.proc.communicate()
        assert self.proc.returncode == 0, (out, err)
        return out.split()


def done_count(lines: list[str]) -> int:
    """The n of the worker's final `done n`."""
    assert lines[-2] == "done", lines
    return int(lines[-1])


def terminate_backend(engine: Engine, pid: int) -> bool:
    """pg_terminate_backend, waiting (up to 10 s) until the backend process has really ended."""
    with engine.connect() as conn:
        return bool(conn.scalar(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid}))
