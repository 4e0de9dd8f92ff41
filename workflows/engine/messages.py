"""Messages between instances: a named message with an explicit payload, nothing else.

One organization's task data must not leak into another's instance (design.md §3), so a
catch event receives only the payload dict given to send_message() or built by the throw
event's own payload expression, and thrown messages are routed by our code.
"""

from __future__ import annotations

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


def hand_to_workflow(workflow, name: str, payload: dict) -> bool:
    """Give the payload to a waiting catch of `name` (or an event subprocess it starts)."""
    catcher = _waiting_message(workflow, name)
    if catcher is not None:
        guarded(workflow.send_event, BpmnEvent(catcher, payload=dict(payload)))
        return True
    starter = _event_subprocess_start(workflow, name)
    if starter is not None:
        guarded(workflow.catch, BpmnEvent(starter, payload=dict(payload)))
        return True
    return False


def deliver(session: Session, engine: Engine, instance: ProcessInstance, name: str,
            payload: dict, actor_id: int | None, hops: int) -> None:
    """Hand only `payload` to the instance's waiting catch event of that message name."""
    if not isinstance(payload, dict):
        raise ValidationFailed({"payload": ["消息内容须为字典 / message payload must be an object"]})
    require_json_native(payload, "payload")
    expected = instance.version
    step = StepContext(session, instance.id, instance.business_key, actor_id)
    workflow = engine.load(session, instance, step)
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

    Targets are named by payload['target_business_key'] only; each delivery is a step of
    the target in the same transaction, so the message arrives exactly once or the whole
    sending step fails.
    """
    for event in thrown:
        definition = event.event_definition
        if not isinstance(definition, MessageEventDefinition) or hops >= MAX_MESSAGE_HOPS:
            continue
        payload = event.payload if isinstance(event.payload, dict) else {}
        key = payload.get("target_business_key")
        targets = session.scalars(select(ProcessInstance).where(
            ProcessInstance.business_key == key, ProcessInstance.status.in_(OPEN),
            ProcessInstance.id != source.id)).all() if key else []
        for target in targets:
            deliver(session, engine, target, definition.name, payload, actor_id, hops)
