"""Read-only views of an instance's workflow data (what a task page shows), never saved back."""

from __future__ import annotations

import json
from uuid import UUID

from sqlalchemy.orm import Session

from models import HumanTask, ProcessDefinition, ProcessInstance
from workflows.engine.scripting import StepContext


def task_data(session: Session, engine, task: HumanTask) -> dict:
    """The data the task sees (its workflow's values at this step), as JSON-native values.

    The state is deserialized afresh rather than taken from the live cache, so a page view never
    takes the cached workflow away from the next step.
    """
    instance = session.get(ProcessInstance, task.instance_id)
    definition = session.get(ProcessDefinition, instance.definition_id)
    spec, subs = engine.specs_of(definition)
    step = StepContext(session, instance.id, instance.business_key)
    workflow = engine.serializer.loads(instance.state, spec, subs, engine.script_engine(step))
    spiff_task = workflow.get_task_from_id(UUID(task.spiff_task_id)) if task.spiff_task_id else None
    data = spiff_task.data if spiff_task is not None else workflow.data
    return json.loads(json.dumps(data, default=str))
