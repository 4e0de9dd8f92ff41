"""Parse, validate, store and cache BPMN definitions; an instance stays on its own hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException

from workflows.core.lanes import LaneRegistry
from workflows.core.services import ServiceRegistry
from workflows.engine.lanes import NO_LANES, assignment_problem
from workflows.engine.parser import ClockDuration, ClockTimeDate, GatewayEvents, QuanzeBpmnParser
from workflows.engine.sandbox import ScriptRefused, check_source
from workflows.engine.spec_cache import SPECS

BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
BPMN_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}


@dataclass(frozen=True)
class DefinitionError:
    """One problem in a BPMN file, named by file and element id."""

    file_name: str
    element_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.file_name}: {self.element_id or '-'}: {self.message}"


@dataclass
class ParsedFile:
    """One BPMN file: its hash, XML and the specs of every executable process in it."""

    file_name: str
    sha256: str
    xml: str
    specs: dict[str, tuple] = field(default_factory=dict)  # process id → (spec, subprocess specs)
    errors: list[DefinitionError] = field(default_factory=list)
    includes: dict[str, str] = field(default_factory=dict)  # called file name → its XML


def content_hash(content: bytes) -> str:
    """sha256 hex of a file's bytes; the identity of a definition version."""
    return hashlib.sha256(content).hexdigest()


def _expressions(task_spec) -> list[tuple[str, str]]:
    """Every (source, mode) a task spec will hand to the script engine."""
    found: list[tuple[str, str]] = []
    script = getattr(task_spec, "script", None)
    if isinstance(script, str):
        found.append((script, "exec"))
    for attr in ("prescript", "postscript"):
        value = getattr(task_spec, attr, None)
        if isinstance(value, str):
            found.append((value, "exec"))
    for condition, _target in getattr(task_spec, "cond_task_specs", []) or []:
        # A gateway's condition is Spiff's _BpmnCondition operator holding the source in args[0];
        # checking only plain strings let every gateway condition through unchecked.
        source = condition if isinstance(condition, str) else next(iter(getattr(condition, "args", ())), None)
        if isinstance(source, str):
            found.append((source, "eval"))
    event = getattr(task_spec, "event_definition", None)
    if isinstance(getattr(event, "expression", None), str):
        found.append((event.expression, "eval"))
    for definition in getattr(event, "event_definitions", None) or [event]:
        for prop in [*(getattr(definition, "correlation_properties", None) or []),
                     *(getattr(definition, "process_correlations", None) or [])]:
            found.append((prop.retrieval_expression, "eval"))
    for param in (getattr(task_spec, "operation_params", None) or {}).values():
        found.append((param["value"], "eval"))
    props = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
    if "due" in props:
        found.append((props["due"], "eval"))
    return found


def _timers_behind(task_spec) -> int:
    """Timers an event-based gateway waits on (Spiff keeps one instant per waiting task)."""
    event = getattr(task_spec, "event_definition", None)
    if not isinstance(event, GatewayEvents):
        return 0
    return sum(isinstance(d, ClockTimeDate | ClockDuration) for d in event.event_definitions)


def _check_spec(file_name: str, spec, subprocess_specs: dict) -> list[DefinitionError]:
    """Sandbox and timer checks over every task of a process and its subprocesses."""
    errors: list[DefinitionError] = []
    for task_spec in _task_specs(spec, subprocess_specs):
        element = getattr(task_spec, "bpmn_id", None) or task_spec.name
        for source, mode in _expressions(task_spec):
            try:
                check_source(source.strip() if mode == "eval" else source, mode)
            except ScriptRefused as exc:
                errors.append(DefinitionError(file_name, element, str(exc)))
        if _timers_behind(task_spec) > 1:
            errors.append(DefinitionError(
                file_name, element, "事件网关后至多一个定时器 / at most one timer may wait "
                                    "behind an event-based gateway"))
    return errors


def _task_specs(spec, subprocess_specs: dict):
    for process in [spec, *subprocess_specs.values()]:
        yield from process.task_specs.values()


def _service_problems(file_name: str, spec, subprocess_specs: dict,
                      services: ServiceRegistry) -> list[DefinitionError]:
    """Service tasks whose operator is not on this engine's allow-list."""
    errors: list[DefinitionError] = []
    for task_spec in _task_specs(spec, subprocess_specs):
        operator = getattr(task_spec, "operation_name", None)
        if operator is not None and services.get(operator) is None:
            errors.append(DefinitionError(
                file_name, getattr(task_spec, "bpmn_id", None) or task_spec.name,
                f"服务任务未登记 / service task not on the allow-list: {operator}"))
    return errors


def _lane_problems(file_name: str, spec, subprocess_specs: dict,
                   lanes: LaneRegistry) -> list[DefinitionError]:
    """Human tasks no lane rule, default or role/orgKey property assigns."""
    errors: list[DefinitionError] = []
    for task_spec in _task_specs(spec, subprocess_specs):
        problem = assignment_problem(task_spec, lanes)
        if problem:
            errors.append(DefinitionError(
                file_name, getattr(task_spec, "bpmn_id", None) or task_spec.name, problem))
    return errors


def _element_at_line(content: bytes, line) -> str:
    """The id of the element an XSD error points at (or its nearest ancestor with an id)."""
    try:
        root = etree.fromstring(content)
    except etree.XMLSyntaxError:
        return f"line {line}"
    for node in root.iter():
        if node.sourceline == line:
            while node is not None and not node.get("id"):
                node = node.getparent()
            if node is not None:
                return f"{node.get('id')} (line {line})"
    return f"line {line}"


def bundle_hash(content: bytes, includes: dict[str, str]) -> str:
    """The identity of a file together with the files its call activities use.

    A file that calls nothing keeps its plain content hash; otherwise a change in any called
    file is a new version, so an instance stays pinned to every file it runs on.
    """
    if not includes:
        return content_hash(content)
    digest = hashlib.sha256(content_hash(content).encode())
    for name in sorted(includes):
        digest.update(f"\0{name}\0{content_hash(includes[name].encode('utf-8'))}".encode())
    return digest.hexdigest()


def _tree(content: bytes):
    try:
        return etree.fromstring(content)
    except etree.XMLSyntaxError:
        return None


def process_ids_of(content: bytes) -> set[str]:
    """The ids of the processes a file defines."""
    root = _tree(content)
    return set() if root is None else set(root.xpath("//bpmn:process/@id", namespaces=BPMN_NS))


def call_targets(content: bytes) -> list[tuple[str, str]]:
    """(call activity id, called process id) for every call activity of a file."""
    root = _tree(content)
    if root is None:
        return []
    return [(node.get("id", ""), node.get("calledElement", ""))
            for node in root.xpath("//bpmn:callActivity", namespaces=BPMN_NS)]


def _parse(file_name: str, content: bytes, includes: dict[str, str]) -> tuple[dict, tuple]:
    """(process id → (spec, subprocess specs), errors) of a file and the files it calls."""
    specs: dict[str, tuple] = {}
    errors: list[DefinitionError] = []
    parser = QuanzeBpmnParser()
    try:
        parser.add_bpmn_str(content, filename=file_name)
        for name in sorted(includes):  # called processes become subprocess specs
            parser.add_bpmn_str(includes[name].encode("utf-8"), filename=name)
        own = process_ids_of(content)
        for process_id in (p for p in parser.get_process_ids() if p in own):
            spec = parser.get_spec(process_id)
            subs = parser.get_subprocess_specs(process_id)
            specs[process_id] = (spec, subs)
            errors += _check_spec(file_name, spec, subs)
    except ValidationException as exc:
        element = exc.id or _element_at_line(content, exc.line_number)
        errors.append(DefinitionError(file_name, element, str(exc)))
    except (SpiffWorkflowException, etree.LxmlError) as exc:
        errors.append(DefinitionError(file_name, "", str(exc)))
    return specs, tuple(errors)


def _unchanged_by_runs(entry: tuple) -> bool:
    """No spec of the parse has a start event SpiffWorkflow connects when it fires."""
    return not any(getattr(getattr(spec, "start", None), "trigger_specs", None)
                   for main, subs in entry[0].values() for spec in (main, *subs.values()))


def specs_for(file_name: str, sha256: str, content: bytes, includes: dict[str, str]):
    """The parse of a file, once per (file name, bundle hash) in the process."""
    return SPECS.get((file_name, sha256), lambda: _parse(file_name, content, includes),
                     _unchanged_by_runs)


def parse_file(file_name: str, content: bytes, services: ServiceRegistry,
               includes: dict[str, str] | None = None, lanes: LaneRegistry = NO_LANES) -> ParsedFile:
    """XSD-validate and parse one file (with the files it calls); collect every error.

    The parse is cached by file name and bundle hash (specs_for); only the allow-list and lane
    checks, which depend on the engine's service and lane registries, run on every call.
    """
    includes = includes or {}
    sha256 = bundle_hash(content, includes)
    specs, errors = specs_for(file_name, sha256, content, includes)
    parsed = ParsedFile(file_name, sha256, content.decode("utf-8"), dict(specs), list(errors),
                        dict(includes))
    for spec, subs in specs.values():
        parsed.errors += _service_problems(file_name, spec, subs, services)
        parsed.errors += _lane_problems(file_name, spec, subs, lanes)
    if not parsed.errors and b"BPMNDiagram" not in content:
        parsed.errors.append(DefinitionError(
            file_name, "", "缺少图形数据 / no diagram (BPMNDI) data: file must open in a modeler"))
    return parsed


def bpmn_files(bpmn_dir: str | Path) -> list[Path]:
    """Every .bpmn file of a folder, in name order."""
    return sorted(Path(bpmn_dir).glob("*.bpmn"))


def process_index(bpmn_dir: str | Path) -> dict[str, Path]:
    """Process id → the file of the folder that defines it (the first, in name order)."""
    index: dict[str, Path] = {}
    for path in bpmn_files(bpmn_dir):
        for process_id in sorted(process_ids_of(path.read_bytes())):
            index.setdefault(process_id, path)
    return index


def called_files(path: Path, index: dict[str, Path]) -> dict[str, str]:
    """File name → XML of every other file the file's call activities reach, transitively."""
    found: dict[str, str] = {}
    pending = [path]
    while pending:
        for _element, target in call_targets(pending.pop().read_bytes()):
            called = index.get(target)
            if called is not None and called != path and called.name not in found:
                found[called.name] = called.read_text(encoding="utf-8")
                pending.append(called)
    return found


def load_file(path: Path, index: dict[str, Path], services: ServiceRegistry,
              lanes: LaneRegistry = NO_LANES) -> ParsedFile:
    """Parse a file of the folder together with the files it calls."""
    return parse_file(path.name, path.read_bytes(), services, called_files(path, index), lanes)


def missing_call_targets(path: Path, index: dict[str, Path]) -> list[DefinitionError]:
    """Call activities whose called process no file of the folder defines."""
    return [DefinitionError(path.name, element,
                            f"调用的流程不存在：{target} / call activity calls a process no file "
                            f"defines: {target!r}")
            for element, target in call_targets(path.read_bytes()) if target not in index]


def check_folder(bpmn_dir: str | Path, services: ServiceRegistry,
                 lanes: LaneRegistry = NO_LANES) -> list[DefinitionError]:
    """Validate every file; each error names its file and element id (`quanze bpmn check`)."""
    errors: list[DefinitionError] = []
    seen: dict[str, str] = {}
    index = process_index(bpmn_dir)
    for path in bpmn_files(bpmn_dir):
        missing = missing_call_targets(path, index)
        parsed = load_file(path, index, services, lanes)
        # A missing target also fails Spiff's parse; the element-named error says it better.
        errors += missing or parsed.errors
        for process_id in parsed.specs:
            if process_id in seen:
                errors.append(DefinitionError(
                    path.name, process_id,
                    f"流程编号重复（亦见于 {seen[process_id]}）/ process id also defined in {seen[process_id]}"))
            seen[process_id] = path.name
    return errors
