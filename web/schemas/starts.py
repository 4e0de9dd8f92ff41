"""Start forms of the procedures beyond grant and entrustment, shared by pages and the API."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from web.schemas.common import MSG_INVALID, MSG_REQUIRED, BaseSchema, id_field, required_msgs
from workflows.procedures.mutual_notification.steps import KINDS
from workflows.procedures.work_order.steps import SOURCES, URGENCIES

DATE_MSG = {"invalid": "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD", "required": MSG_REQUIRED,
            "null": MSG_REQUIRED}
BOOL_MSG = {"invalid": "应为是或否 / must be true or false"}


def text(max_length: int = 2000, required: bool = True, **kwargs) -> fields.String:
    """A non-blank text field of bounded length."""
    if not required:
        return fields.String(load_default="", validate=validate.Length(max=max_length), **kwargs)
    return fields.String(required=True, validate=validate.Length(min=1, max=max_length),
                         error_messages=required_msgs(), **kwargs)


def choice(values) -> fields.String:
    """One of a fixed set of codes."""
    return fields.String(required=True, error_messages=required_msgs(),
                         validate=validate.OneOf(values, error=f"应为 {'/'.join(values)} / must be one of {values}"))


def id_list(what: str) -> fields.List:
    """At least one row id."""
    return fields.List(id_field(), required=True, error_messages=required_msgs(),
                       validate=validate.Length(min=1, max=100, error=f"至少选择一个{what} / choose at least one"))


def _amount(value) -> None:
    """An amount of yuan between 0 and 10^12 (a function, so the OpenAPI bounds stay numeric)."""
    if not 0 <= value <= 10**12:
        raise ValidationError("金额应在 0 至 10^12 元之间 / the amount must be between 0 and 10^12 yuan")


class OfficerIn(Schema):
    """An officer acting on the case with the certificate used (行政处罚法 第42条)."""

    user_id = id_field(required=True)
    certificate_number = fields.String(required=True, validate=validate.Length(min=1, max=60),
                                       error_messages=required_msgs())


class MaterialIn(Schema):
    """One item of the materials that travel with a transferred case."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=200), error_messages=required_msgs())
    pages = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100000),
                           error_messages={"invalid": "应为整数 / must be an integer"})


def officer_list() -> fields.List:
    """The officers named on a case act (two or more are checked by the service, 第42条)."""
    return fields.List(fields.Nested(OfficerIn), required=True, error_messages=required_msgs(),
                       validate=validate.Length(min=1, max=20, error="请选择执法人员 / choose the officers"))


class EvaluationStart(BaseSchema):
    """定期评估 of one department's items in one township (行政处罚法 第24条)."""

    township_id = id_field(required=True)
    department_id = id_field(required=True)
    period_start = fields.Date(required=True, error_messages=DATE_MSG)
    period_end = fields.Date(required=True, error_messages=DATE_MSG)


class CaseFilingStart(BaseSchema):
    """立案 by a township or a county department (第54条; competence 第22–24条; 第42条 officers)."""

    handling_org_id = id_field(required=True)
    township_id = id_field(required=True)
    item_code = fields.String(required=True, validate=validate.Length(min=1, max=60), error_messages=required_msgs())
    case_number = fields.String(required=True, validate=validate.Length(min=1, max=80), error_messages=required_msgs())
    party_name = text(200)
    party_kind = choice(("citizen", "organization"))
    facts_summary = text(4000)
    violation_on = fields.Date(required=True, error_messages=DATE_MSG)
    # 第36条: end of a continuing act, and the day the act was discovered (default: filing day).
    act_ended_on = fields.Date(load_default=None, allow_none=True, error_messages=DATE_MSG)
    discovered_on = fields.Date(load_default=None, allow_none=True, error_messages=DATE_MSG)
    harm = fields.Boolean(load_default=False, error_messages=BOOL_MSG)
    officers = officer_list()


class CrimeTransferStart(BaseSchema):
    """涉嫌犯罪移送: officers report to the head (国务院令第310号 第5条)."""

    report = text(4000)
    police_org_id = id_field(required=True)
    officers = officer_list()


class CaseTransferStart(BaseSchema):
    """案件移送 to the organ the registry names (第22–24条)."""

    reason = text(2000)
    materials = fields.List(fields.Nested(MaterialIn), required=True, error_messages=required_msgs(),
                            validate=validate.Length(min=1, max=100, error="须列明移送材料 / list the materials"))
    receiver_org_id = id_field(load_default=None, allow_none=True)


class JointEnforcementStart(BaseSchema):
    """联合执法: the initiator's plan and the organs invited."""

    initiator_org_id = id_field(required=True)
    title = text(200)
    plan = text(4000)
    planned_on = fields.Date(required=True, error_messages=DATE_MSG)
    participant_ids = id_list("参与机关")
    township_id = id_field(load_default=None, allow_none=True)


class MutualNotificationStart(BaseSchema):
    """相互告知 between a county department and a township."""

    sender_org_id = id_field(required=True)
    recipient_org_id = id_field(required=True)
    kind = choice(KINDS)
    subject = text(200)
    summary = text(4000)
    major = fields.Boolean(load_default=False, error_messages=BOOL_MSG)
    case_id = id_field(load_default=None, allow_none=True)


class WorkOrderStart(BaseSchema):
    """工单受理 at the township's command centre (首接负责制)."""

    township_id = id_field(required=True)
    source = choice(SOURCES)
    urgency = choice(URGENCIES)
    description = text(4000)
    item_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=60))


class DutyAccessStart(BaseSchema):
    """职责准入: a department asks to move a duty to townships, with staff and funding (费随事转)."""

    department_id = id_field(required=True)
    title = text(200)
    description = text(4000)
    legal_basis = text(2000)
    township_ids = id_list("乡镇")
    staff = fields.Integer(required=True, validate=validate.Range(min=0, max=100000),
                           error_messages={**required_msgs(), "invalid": "应为整数 / must be an integer"})
    funding_yuan = fields.Decimal(required=True, places=2, allow_nan=False, validate=_amount,
                                  metadata={"minimum": 0, "maximum": 10**12},
                                  error_messages={**required_msgs(), "invalid": MSG_INVALID,
                                                  "special": MSG_INVALID})
    resources_required = fields.Boolean(load_default=True, error_messages=BOOL_MSG)


class StartedOut(Schema):
    """What a start created: the procedure instance and, where there is one, the case."""

    procedure = fields.String()
    instance_id = fields.Integer(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    record_id = fields.Integer(allow_none=True)
