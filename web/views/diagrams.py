"""The instance diagram: the stored BPMN file served to the bpmn-js viewer, scoped like the instance page."""

from __future__ import annotations

from flask import Blueprint, Response

from models import ProcessDefinition, ProcessInstance
from web.auth import login_required, principal
from web.diagram import element_states, localized_bpmn, steps
from web.i18n import is_english
from web.requests import db, now
from workflows.core.errors import NotFound
from workflows.engine.trail import completed_elements
from workflows.tasks.inbox import visible_instance

bp = Blueprint("diagrams", __name__)


def diagram_context(view: dict) -> dict:
    """What the instance page's diagram needs: element states and the no-JavaScript step list."""
    states = element_states(view["tasks"], view["history"], now())
    instance = db().get(ProcessInstance, view["id"])  # already loaded by the scope check
    for element_id in completed_elements(instance.state if instance else None):
        states.setdefault(element_id, "completed")  # open and overdue tasks keep their own marker
    return {"diagram_states": states, "diagram_steps": steps(view["bpmn_xml"] or "", is_english())}


@bp.get("/instances/<int:instance_id>/diagram.bpmn")
@login_required
def bpmn_file(instance_id: int):
    """The BPMN XML the instance runs on, names in the page's language; 404 outside the user's scope."""
    instance = visible_instance(db(), principal(), instance_id)
    definition = db().get(ProcessDefinition, instance.definition_id)
    if definition is None or not definition.bpmn_xml:
        raise NotFound(f"流程图不存在：{instance_id} / no diagram for instance {instance_id}")
    return Response(localized_bpmn(definition.bpmn_xml, is_english()), mimetype="application/xml",
                    headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})
