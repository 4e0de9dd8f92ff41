"""Messages between instances: a named message with an explicit payload, nothing else.

One organization's task data must not leak into another's instance (design.md §3), so a
catch event receives only the payload dict given to send_message() or built by the throw
event's own payload expression, and thrown messages are routed by our code: to the instances
whose business key the payload names, else along the collaboration's message flows to the one
open instance of the target process that is waiting for the message and correlated with it —
or, when none is and the target process starts on that message, to a new instance.
"""

from __future__ import annotations

from collections.abc import Callable

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ProcessInstance, User
from workflows.core.db import unit_of_work
from workflows.core.errors import Conflict, NotFound, ValidationFailed
from workflows.engine.engine import Engine, guarded, require_json_native
from workflows.engine.scripting import StepContext

OPEN = ("running", "waiting")
MAX_MESSAGE_HOPS = 5  # a chain of thrown messages longer than this is a modelling error


def _waiting_message(workflow, name: str) -> MessageEventDefinition | None:
    """The definition of a waiting catch of that message, also behind an event-based gateway."""
    for task in workflow.get_tasks(state=TaskState.WAITING):
        event = getattr(task.task_spec, "event_definition", None)
        # An event-based gateway waits itself, with the catch events behind it combined.
        for definition in getattr(event, "event_definitions", None) or [event]:
            if isinstance(definition, MessageEventDefinition) and definition.name == name:
                return definition
    return None


def _event_subprocess_start(workflow, name: str) -> MessageEventDefinition | None:
    """The message start event of an event subprocess (SpiffWorkflow starts it on catch)."""
    for spec in workflow.subprocess_specs.values():
        for task_spec in spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            if isinstance(definition, MessageEventDefinition) and definition.name == name:
                return definition
    return None


def _event(definition: MessageEventDefinition, workflow, payload: dict) -> BpmnEvent:
    """The message as BPMN sees it: payload plus the correlation values retrieved from it."""
    correlations = definition.calculate_correlations(
        workflow.script_engine, definition.correlation_properties, payload)
    return BpmnEvent(definition, payload=dict(payload), correlations=correlations)


def hand_to_workflow(workflow, name: str, payload: dict) -> bool:
    """Give the payload to a waiting catch of `name` (or an event subprocess it starts)."""
    catcher = _waiting_message(workflow, name)
    if catcher is not None:
        guarded(workflow.send_event, guarded(_event, catcher, workflow, payload))
        return True
    starter = _event_subprocess_start(workflow, name)
    if starter is not None:
        guarded(workflow.catch, BpmnEvent(starter, payload=dict(payload)))
        return True
    return False


def deliver(session: Session, engine: Engine, instance: ProcessInstance, name: str,
            payload: dict, actor_id: int | None, hops: int, loaded: tuple | None = None) -> None:
    """Hand only `payload` to the instance's waiting catch event of that message name.

    `loaded`: (workflow, step) when the router already loaded the instance to choose it.
    """
    if not isinstance(payload, dict):
        raise ValidationFailed({"payload": ["消息内容须为字典 / message payload must be an object"]})
    require_json_native(payload, "payload")
    expected = instance.version
    if loaded is None:
        step = StepContext(session, instance.id, instance.business_key, actor_id)
        loaded = (engine.load(session, instance, step), step)
    workflow, step = loaded
    engine.advance(workflow)
    if not hand_to_workflow(workflow, name, payload):
        # The sender's step fails with this (nothing of it is written): a message is never
        # kept to be thrown again at a later step.
        raise Conflict(f"流程实例 {instance.id} 未在等待消息 {name} / instance {instance.id} is "
                       f"not waiting for message {name!r}", instance_id=instance.id, message_name=name)
    engine.advance(workflow)
    thrown = workflow.get_events()  # routed below, in this step; never saved in the blob
    engine.persist(session, instance, workflow, expected)
    engine.audit(session, instance, "message.delivered", actor_id=actor_id, data=payload,
                 details={"message": name})
    route_thrown_messages(session, engine, thrown, instance, actor_id, hops + 1)
    engine.run_effects(session, step)


def send_message(session: Session, engine: Engine, instance_id: int, name: str, payload: dict,
                 actor: User | None) -> ProcessInstance:
    """Deliver a named message with an explicit payload to one instance."""
    with unit_of_work(session):
        instance = session.get(ProcessInstance, instance_id)
        if instance is None:
            raise NotFound(f"未知流程实例：{instance_id} / unknown instance: {instance_id}")
        deliver(session, engine, instance, name, payload, actor.id if actor else None, 0)
        return instance


def route_thrown_messages(session: Session, engine: Engine, thrown: list, source: ProcessInstance,
                          actor_id: int | None, hops: int) -> None:
    """Route the messages a step threw (taken with get_events() before it was saved).

    Targets are named by payload['target_business_key'], else by the message flows of the
    sender's collaboration; each delivery is a step of the target in the same transaction, so
    the message arrives exactly once or the whole sending step fails.
    """
    for event in thrown:
        definition = event.event_definition
        if not isinstance(definition, MessageEventDefinition) or hops >= MAX_MESSAGE_HOPS:
            continue
        payload = event.payload if isinstance(event.payload, dict) else {}
        key = payload.get("target_business_key")
        if key is None:
            for process_id in sorted(engine.flow_targets(session, source, definition.name)):
                _along_flow(session, engine, process_id, event, payload, source, actor_id, hops)
            continue
        targets = session.scalars(select(ProcessInstance).where(
            ProcessInstance.business_key == key, ProcessInstance.status.in_(OPEN),
            ProcessInstance.id != source.id)).all()
        for target in targets:
            deliver(session, engine, target, definition.name, payload, actor_id, hops)


def _correlated(workflow, correlations: dict) -> bool | None:
    """True: same conversation on a shared key; False: another one; None: no key in common yet."""
    shared = [key for key in correlations if key in workflow.correlations]
    if not shared:
        return None
    return all(correlations[key] == workflow.correlations[key] for key in shared)


def _receiver(session: Session, engine: Engine, process_id: str, event, source: ProcessInstance,
              actor_id: int | None):
    """(instance, workflow, step) of the one open instance waiting for the message, or None.

    An instance already correlated with the message wins; else one not yet correlated on its
    keys (its first message, as SpiffWorkflow's catch allows). Two equal candidates are a
    modelling error and fail the sending step: a message goes to exactly one instance.
    """
    name = event.event_definition.name
    groups: dict[bool | None, list] = {True: [], None: []}
    for instance in session.scalars(select(ProcessInstance).where(
            ProcessInstance.process_id == process_id, ProcessInstance.status.in_(OPEN),
            ProcessInstance.id != source.id).order_by(ProcessInstance.id)):
        step = StepContext(session, instance.id, instance.business_key, actor_id)
        workflow = engine.load(session, instance, step)
        verdict = _correlated(workflow, event.correlations or {})
        if _waiting_message(workflow, name) is not None and verdict is not False:
            groups[verdict].append((instance, workflow, step))
    for group in groups.values():
        if len(group) > 1:
            raise Conflict(f"消息 {name} 有 {len(group)} 个可接收实例，无法关联 / message {name!r} matches "
                           f"{len(group)} open instances of {process_id}: correlate it", message_name=name)
        if group:
            return group[0]
    return None


def _along_flow(session: Session, engine: Engine, process_id: str, event, payload: dict,
                source: ProcessInstance, actor_id: int | None, hops: int) -> None:
    """Deliver to the target process's correlated instance, or start one on its message start."""
    name = event.event_definition.name
    found = _receiver(session, engine, process_id, event, source, actor_id)
    if found is not None:
        instance, workflow, step = found
        deliver(session, engine, instance, name, payload, actor_id, hops, (workflow, step))
    elif engine.starts_on_message(process_id, name):
        start_instance(session, engine, process_id, {}, actor_id, None, None, message=(name, payload, hops))
    # else: no instance of the target waits for it and none starts on it — dropped, as BPMN
    # drops a message nobody receives; it is never kept to be thrown again later.


def start_instance(session: Session, engine: Engine, process_id: str, data: dict, actor_id: int | None,
                   org_of: Callable | None, business_key: str | None, message: tuple | None = None) -> ProcessInstance:
    """Create an instance on the current definition and run it to its first wait state.

    `org_of(instance)`: the organization the starter acts for (audited), or None.
    `message` = (name, payload, hops): the instance is started by that message, which its
    message start event catches in the same step (a collaboration's message flow to a process
    with no open instance waiting for it).
    """
    definition_id, sha256 = engine.current_version(process_id)
    now = engine.clock.now()
    instance = ProcessInstance(
        definition_id=definition_id, process_id=process_id, business_key=business_key,
        township_id=data.get("township_id"), department_id=data.get("department_id"),
        status="running", state="{}", version=0, started_by=actor_id, started_at=now, updated_at=now)
    session.add(instance)
    session.flush()
    step = StepContext(session, instance.id, business_key, actor_id)
    workflow = engine.new_current_workflow(process_id, step)
    workflow.task_tree.data.update(data)
    engine.advance(workflow)
    details = {"definition_sha256": sha256}
    if message is not None:
        name, payload, hops = message
        details["message"] = name
        hand_to_workflow(workflow, name, payload)
        engine.advance(workflow)
    thrown = workflow.get_events()  # routed in this step, never saved for re-routing
    engine.persist(session, instance, workflow, expected_version=0)  # → version 1
    engine.audit(session, instance, "instance.started", actor_id=actor_id,
                 org_id=org_of(instance) if org_of else None,
                 data=payload if message is not None else data, details=details)
    route_thrown_messages(session, engine, thrown, instance, actor_id, (hops + 1) if message else 0)
    engine.run_effects(session, step)
    return instance
