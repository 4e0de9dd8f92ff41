"""Response schemas of tasks, documents, deadlines, notifications and dashboard figures (ISO 8601 times)."""

from __future__ import annotations

from marshmallow import Schema, fields

from web.schemas.common import PageMeta
from workflows.core.forms import FIELD_TYPES


class OrgChoiceOut(Schema):
    """An organization a person is chosen in."""

    id = fields.Integer()
    name = fields.String()
    name_en = fields.String(allow_none=True)


class ChoiceOut(OrgChoiceOut):
    """One choice of a person or organization field: the id to send and the names to show."""

    org = fields.Nested(OrgChoiceOut, allow_none=True, metadata={"description": "a person's organization"})


class FormFieldOut(Schema):
    """One declared input of a task's form."""

    name = fields.String()
    type = fields.String(metadata={"enum": list(FIELD_TYPES)})
    required = fields.Boolean()
    choices = fields.List(fields.String())
    min = fields.Raw(allow_none=True, metadata={"type": "number", "nullable": True})
    max = fields.Raw(allow_none=True, metadata={"type": "number", "nullable": True})
    max_length = fields.Integer(allow_none=True)
    label_zh = fields.String()
    label_en = fields.String()
    source = fields.String(allow_none=True, metadata={"description": "the picker of a person or organization field"})
    options = fields.List(fields.Nested(ChoiceOut), metadata={
        "description": "an open task's person or organization choices (GET /tasks/{id}); send the id"})


class FormOut(Schema):
    """A task's form as declared."""

    fields_ = fields.List(fields.Nested(FormFieldOut), data_key="fields", attribute="fields")


class TaskRowOut(Schema):
    """A task of an instance, as listed in the instance."""

    id = fields.Integer()
    instance_id = fields.Integer()
    task = fields.String(metadata={"description": "BPMN task id"})
    title = fields.String(allow_none=True)
    lane = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    organization_id = fields.Integer(allow_none=True)
    state = fields.String()
    claimed_by = fields.Integer(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    needs_certificate = fields.Boolean()
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.Integer(allow_none=True)
    submitted = fields.Dict(allow_none=True)
    form = fields.Nested(FormOut)


class TaskDetailOut(TaskRowOut):
    """One task with its form, and the form as a JSON Schema of the data that completes it."""

    process_id = fields.String()
    form_schema = fields.Dict(metadata={"description": "JSON Schema (2020-12) of POST /tasks/{id}/complete "
                                                       "`data`"})


class DocumentOut(Schema):
    """A stored letter or decision without its bytes."""

    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    document_no = fields.String()
    mime = fields.String()
    filename = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    organization_id = fields.Integer()
    instance_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class DeadlineRowOut(Schema):
    """A legal period: its rule, when it started, when it is due, where it stands."""

    id = fields.Integer()
    rule_key = fields.String()
    amount = fields.Integer()
    unit = fields.String()
    instance_id = fields.Integer(allow_none=True)
    case_ref = fields.String(allow_none=True)
    org_id = fields.Integer(allow_none=True)
    started_at = fields.DateTime()
    due_at = fields.DateTime()
    warn_at = fields.DateTime(allow_none=True)
    status = fields.Function(lambda d: d.status.value)
    provisional = fields.Boolean()


class NotificationOut(Schema):
    """A warning or notice for the user or their organization."""

    id = fields.Integer()
    kind = fields.String()
    text = fields.String()
    deadline_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class FigureOut(Schema):
    """按时办结率 and overdue counts of one township or department."""

    group_id = fields.Integer(allow_none=True)
    name = fields.String()
    due = fields.Integer()
    met_on_time = fields.Integer()
    met_late = fields.Integer()
    overdue_open = fields.Integer()
    open = fields.Integer()
    overdue = fields.Integer()
    on_time_rate = fields.Float(allow_none=True)
    average_hours_to_act = fields.Float(allow_none=True)


class DashboardOut(Schema):
    """The dashboard's figures over a period of legal dates."""

    start = fields.Date()
    end = fields.Date()
    townships = fields.List(fields.Nested(FigureOut))
    departments = fields.List(fields.Nested(FigureOut))


class RevokedOut(Schema):
    """The revocation as recorded."""

    instance_id = fields.Integer()
    revoke_on = fields.Date()
    reason = fields.String()


class InstanceRowOut(Schema):
    """A procedure instance as listed."""

    id = fields.Integer()
    process_id = fields.String()
    business_key = fields.String(allow_none=True)
    status = fields.String()
    township_id = fields.Integer(allow_none=True)
    department_id = fields.Integer(allow_none=True)
    started_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)


class InstancePageOut(Schema):
    """One page of instances."""

    items = fields.List(fields.Nested(InstanceRowOut))
    meta = fields.Nested(PageMeta)
