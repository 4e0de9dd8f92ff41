"""SpiffWorkflow's own test BPMN files through our check and our persisted engine; one JSON line.

A conformance bar (issue 13), not a speed one. Each case of the corpus (a file not only called by
another, with the files its call activities reach, `.bpmn20.xml` renamed `.bpmn`) is copied into
a scratch folder (never into the repo) and
(a) checked as `quanze bpmn check` checks a folder (XSD, sandbox, allow-list, lanes) with the
    default lane `county_officer:department_id`;
(b) when it passes, started on the persisted engine (SQLite, saved and reloaded by a fresh engine
    at every step, tests/engine/conformance) and driven with empty inputs: the ready human task
    first in name order is completed with no data, else the clock moves to the next timer; the
    same inputs are then replayed on bare SpiffWorkflow and paths, data and end state compared.
A case whose step fails on bare SpiffWorkflow too, that waits for a message or signal no input
gives, or that does not end within the step budget needs specific inputs: "not runnable".
A refused case is not run: identical + differing + not_runnable = check_passed.
Usage: `python benchmarks/spiff_corpus.py [CORPUS] [--table]` (default ../shared/spiff-corpus).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("QUANZE_AUDIT_KEY", "spiff-corpus-benchmark-key")  # scratch databases only

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lxml import etree  # noqa: E402
from sqlalchemy import select  # noqa: E402

from models import Base, HumanTask, ProcessInstance  # noqa: E402
from models.db import make_engine, make_session_factory  # noqa: E402
from tests.engine.conformance.test_conformance import _reload, run_bare, signature  # noqa: E402
from tests.support.engine_support import build_world  # noqa: E402
from tests.support.templates import TEMPLATE_AT  # noqa: E402
from workflows.calendar.legal_calendar import LegalCalendar  # noqa: E402
from workflows.core.clock import FixedClock  # noqa: E402
from workflows.core.forms import FormRegistry  # noqa: E402
from workflows.core.lanes import LaneRule  # noqa: E402
from workflows.engine import Engine  # noqa: E402
from workflows.engine.definitions import (  # noqa: E402
    BPMN_NS,
    call_targets,
    check_folder,
    load_file,
    process_index,
)
from workflows.procedures import ALL, lanes, services  # noqa: E402
from workflows.tasks import processes  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "spiff-corpus"
DEFAULT_LANE = LaneRule("county_officer", "department_id")
MAX_STEPS = 60  # a loop driven by empty inputs that has not ended by then never will
# Refusal kinds, from the check's messages (first match wins).
KINDS = [("lane", "lane"), ("sandbox", "sandbox"), ("builtin", "sandbox"), ("statement not allowed", "sandbox"),
         ("attribute not allowed", "sandbox"), ("name not allowed", "sandbox"), ("service", "service"),
         ("operator", "service"), ("timer", "timer"), ("call activity", "call_target"), ("xsd", "schema"),
         ("schema", "schema")]


def process_ids(data: bytes) -> list[str]:
    """The ids of a file's processes, in document order."""
    return etree.fromstring(data).xpath("//bpmn:process/@id", namespaces=BPMN_NS)


def called(data: bytes) -> set[str]:
    return {target for _, target in call_targets(data)}


def cases(corpus: Path) -> list[tuple[str, list[Path]]]:
    """(case name, files): each file no other file of its folder calls, with what it calls."""
    found = []
    for folder in sorted({p.parent for p in corpus.rglob("*") if _is_bpmn(p)}):
        files = sorted(p for p in folder.iterdir() if _is_bpmn(p))
        defines = {p: process_ids(p.read_bytes()) for p in files}
        calls = {p: called(p.read_bytes()) for p in files}
        owner = {pid: p for p, ids in defines.items() for pid in ids}
        for path in files:
            if any(pid in calls[other] for other in files if other != path for pid in defines[path]):
                continue  # only called (a helper of another case)
            needed, todo = [path], [path]
            while todo:
                for target in calls[todo.pop()]:
                    if target in owner and owner[target] not in needed:
                        needed.append(owner[target])
                        todo.append(owner[target])
            found.append((str(path.relative_to(corpus)), needed))
    return found


def _is_bpmn(path: Path) -> bool:
    return path.is_file() and (path.name.endswith(".bpmn") or path.name.endswith(".bpmn20.xml"))


def stage(files: list[Path], folder: Path) -> Path:
    """Copy a case into a scratch folder, renaming .bpmn20.xml to .bpmn; returns the main file."""
    folder.mkdir()
    for path in files:
        shutil.copy(path, folder / path.name.replace(".bpmn20.xml", ".bpmn"))
    return folder / files[0].name.replace(".bpmn20.xml", ".bpmn")


def refusal_kind(message: str) -> str:
    low = message.lower()
    return next((kind for word, kind in KINDS if word in low), "spiff_parse")  # SpiffWorkflow's own validation


def main_process(main: Path, parsed_ids: set[str]) -> str | None:
    """The case's process: the first one of its file no process of the case calls."""
    data = main.read_bytes()
    calls = {target for path in main.parent.glob("*.bpmn") for target in called(path.read_bytes())}
    ids = [pid for pid in process_ids(data) if pid in parsed_ids]
    return next((pid for pid in ids if pid not in calls), ids[0] if ids else None)


class NotRunnable(Exception):
    """The case needs inputs the empty driver does not give (`workflow`: where it stopped)."""

    def __init__(self, reason: str, workflow=None) -> None:
        super().__init__(reason)
        self.workflow = workflow


def drive(session, world, process_id: str, actions: list):
    """Start and drive on the persisted engine, noting each input in `actions` before giving it."""
    users = {"county_officer": world.officer, "township_leader": world.leader,
             "legal_reviewer": world.reviewer, "township_officer": world.outsider}
    inst = processes.start(session, world.engine, process_id, world.start_data(), world.officer)
    workflow = _reload(session, world, inst.id)
    for _ in range(MAX_STEPS):
        stored = session.get(ProcessInstance, inst.id)
        if stored.status in ("completed", "cancelled", "error"):
            return workflow
        row = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == inst.id, HumanTask.state == "ready")
            .order_by(HumanTask.task_spec_name, HumanTask.id)).first()
        if row is not None:
            if row.role not in users:
                raise NotRunnable(f"task {row.task_spec_name} goes to role {row.role}")
            actions.append(("complete", row.task_spec_name, {}))
            processes.complete(session, world.engine, row.id, users[row.role], {})
        elif stored.next_wake_at is not None:
            wake = stored.next_wake_at if stored.next_wake_at.tzinfo else stored.next_wake_at.replace(
                tzinfo=world.engine.clock.now().tzinfo)
            delta = max(wake - world.engine.clock.now(), timedelta(0))
            actions.append(("advance", delta))
            world.engine.clock.advance(delta)
            session.commit()
            processes.wake_due_instances(session, world.engine, world.engine.clock.now())
        else:
            raise NotRunnable("waits for a message, signal or other event no empty input gives", workflow)
        workflow = _reload(session, world, inst.id)
    raise NotRunnable(f"not ended after {MAX_STEPS} steps of empty inputs (a loop wants data)", workflow)


def first_difference(mine: dict, theirs: dict) -> str:
    only_mine = sorted(set(mine["tasks"]) - set(theirs["tasks"]))
    only_theirs = sorted(set(theirs["tasks"]) - set(mine["tasks"]))
    if only_mine or only_theirs:
        return f"persisted only {only_mine[:1]}, bare only {only_theirs[:1]}"[:300]
    if mine["data"] != theirs["data"]:
        return f"workflow data: persisted {mine['data'][:120]} vs bare {theirs['data'][:120]}"
    return f"completed: persisted {mine['completed']} vs bare {theirs['completed']}"


def run_case(folder: Path, process_id: str) -> tuple[str, str]:
    """(outcome, detail) of one checked case: identical, differs or not runnable."""
    db = make_engine(f"sqlite:///{folder / 'corpus.db'}")
    Base.metadata.create_all(db)
    clock = FixedClock(TEMPLATE_AT)
    try:
        with make_session_factory(db)() as session:
            (folder / "world").mkdir()
            world = build_world(session, clock, folder / "world")
            world.engine = Engine(folder / "case", clock, LegalCalendar(), world.services, FormRegistry(),
                                  lanes(ALL, DEFAULT_LANE))
            world.engine.sync_definitions(session)
            session.commit()
            begin = clock.now()
            actions: list = []
            stopped = ""
            try:
                persisted = drive(session, world, process_id, actions)
            except NotRunnable as exc:
                if exc.workflow is None:
                    return "not_runnable", str(exc)
                persisted, stopped = exc.workflow, str(exc)  # compared up to where it stopped
            except Exception as exc:  # the engine refused a step: does bare SpiffWorkflow too?
                session.rollback()
                clock.set(begin)
                return _failed_step(session, world, process_id, actions, f"{type(exc).__name__}: {exc}"[:300])
            clock.set(begin)
            bare = run_bare(session, world, SimpleNamespace(process_id=process_id, start={}, actions=actions))
            mine, theirs = signature(persisted), signature(bare)
            if mine != theirs:
                return "differs", first_difference(mine, theirs) + (f" (then it {stopped})" if stopped else "")
            if stopped:
                return "not_runnable", f"{stopped}; identical up to there"
            return "identical", "completed" if mine["completed"] else "same open state"
    finally:
        db.dispose()


def _failed_step(session, world, process_id: str, actions: list, failed: str) -> tuple[str, str]:
    """The failed step is the last input noted: on bare SpiffWorkflow it fails too (the case
    needs specific inputs) or it does not (the engine's difference)."""
    try:
        run_bare(session, world, SimpleNamespace(process_id=process_id, start={}, actions=actions))
    except StopIteration:  # bare has no such ready task: the paths parted earlier
        return "differs", f"persisted step failed: {failed}; bare had no such ready task"
    except Exception as exc:
        return "not_runnable", f"step fails on bare SpiffWorkflow too: {type(exc).__name__}: {str(exc)[:200]}"
    return "differs", f"persisted step failed, bare ran it: {failed}"


def measure(corpus: Path) -> tuple[dict, list[dict]]:
    rows = []
    for name, files in cases(corpus):
        with tempfile.TemporaryDirectory(prefix="spiff-corpus-") as tmp:
            main = stage(files, Path(tmp) / "case")
            errors = check_folder(main.parent, services(), lanes(ALL, DEFAULT_LANE))
            row = {"file": name, "check": "passes", "run": "not_runnable", "detail": ""}
            if errors:
                row["check"], row["run"] = f"refused ({refusal_kind(errors[0].message)})", "not_run"
                row["kinds"] = sorted({refusal_kind(e.message) for e in errors})
                row["detail"] = f"refused by the check: {errors[0]}"[:300]
            else:
                parsed = load_file(main, process_index(main.parent), services(), lanes(ALL, DEFAULT_LANE))
                process_id = main_process(main, set(parsed.specs))
                row["run"], row["detail"] = run_case(Path(tmp), process_id)
        rows.append(row)
    kinds = Counter(kind for row in rows for kind in row.get("kinds", []))
    result = {"benchmark": "spiff_corpus", "files": len(rows),
              "check_passed": sum(r["check"] == "passes" for r in rows),
              "identical": sum(r["run"] == "identical" for r in rows),
              "differing": sum(r["run"] == "differs" for r in rows),
              "not_runnable": sum(r["run"] == "not_runnable" for r in rows),
              "refusals": dict(sorted(kinds.items()))}
    return result, rows


def table(rows: list[dict]) -> str:
    width = max(len(r["file"]) for r in rows)
    lines = [f"{'file':<{width}}  {'check':<22}  {'run':<12}  detail"]
    lines += [f"{r['file']:<{width}}  {r['check']:<22}  {r['run']:<12}  {r['detail']}" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS),
                        help="folder of SpiffWorkflow's test BPMN files (default ../shared/spiff-corpus)")
    parser.add_argument("--table", action="store_true", help="print the per-file table on stdout too")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        sys.exit(f"spiff corpus not found: {corpus} (copy of SpiffWorkflow's tests/SpiffWorkflow, see its README.md)")
    result, rows = measure(corpus)
    print(table(rows), file=sys.stdout if args.table else sys.stderr)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
