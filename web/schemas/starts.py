"""Start forms of every procedure, shared by pages and the API.

Each field is declared once, with its page metadata (`ui`): the start pages build their inputs
from it and apispec copies the labels into OpenAPI. `schema_for(key)` finds the schema of a start
declared in workflows.procedures.ALL by name (case_filing → CaseFilingStart).
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from web.schemas.common import MSG_INVALID, MSG_REQUIRED, BaseSchema, id_field, required_msgs
from workflows.procedures.case_measures.rules import KINDS as MEASURE_KINDS
from workflows.procedures.clue_verification.steps import SOURCES as CLUE_SOURCES
from workflows.procedures.mutual_notification.steps import KINDS
from workflows.procedures.work_order.steps import SOURCES, URGENCIES

DATE_MSG = {"invalid": "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD", "required": MSG_REQUIRED,
            "null": MSG_REQUIRED}
BOOL_MSG = {"invalid": "应为是或否 / must be true or false"}


def ui(zh: str, en: str, widget: str | None = None, options: str | None = None) -> dict:
    """Page metadata of a field: labels (OpenAPI title/description), widget and option source."""
    meta = {"title": en, "description": zh}
    if widget:
        meta["x-widget"] = widget  # text, textarea, date, number, select, multi
    if options:
        meta["x-options"] = options  # a source of the start pages (web/views/starts.py OPTIONS)
    return meta


def text(max_length: int = 2000, required: bool = True, **kwargs) -> fields.String:
    """A non-blank text field of bounded length."""
    if not required:
        return fields.String(load_default="", validate=validate.Length(max=max_length), **kwargs)
    return fields.String(required=True, validate=validate.Length(min=1, max=max_length),
                         error_messages=required_msgs(), **kwargs)


def choice(values, **kwargs) -> fields.String:
    """One of a fixed set of codes."""
    return fields.String(required=True, error_messages=required_msgs(), **kwargs,
                         validate=validate.OneOf(values, error=f"应为 {'/'.join(values)} / must be one of {values}"))


def id_list(what: str, **kwargs) -> fields.List:
    """At least one row id."""
    return fields.List(id_field(), required=True, error_messages=required_msgs(), **kwargs,
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


def officer_list(zh: str, en: str) -> fields.List:
    """The officers named on a case act (two or more are checked by the service, 第42条)."""
    return fields.List(fields.Nested(OfficerIn), required=True, error_messages=required_msgs(),
                       metadata=ui(zh, en, "multi", "officers"),
                       validate=validate.Length(min=1, max=20, error="请选择执法人员 / choose the officers"))


def item_codes(what_zh: str, what_en: str) -> fields.List:
    """At least one catalogue item code, picked from the department's items."""
    return fields.List(fields.String(validate=validate.Length(min=1, max=60)), required=True,
                       validate=validate.Length(min=1, error="至少选择一项 / choose at least one item"),
                       error_messages=required_msgs(), metadata=ui(what_zh, what_en, "multi", "items"))


class EntrustmentStart(BaseSchema):
    """The draft entrustment letter (委托书 states 事项、权限、期限, 行政处罚法 第20条)."""

    department_id = id_field(required=True, metadata=ui("委托部门", "Entrusting department", "select", "own"))
    township_id = id_field(required=True, metadata=ui("受委托乡镇", "Entrusted township", "select", "townships"))
    item_codes = item_codes("委托事项", "Items entrusted")
    authority = text(metadata=ui("委托权限", "Authority", "textarea"))
    term_start = fields.Date(required=True, error_messages=DATE_MSG, metadata=ui("委托期限起", "Term from"))
    term_end = fields.Date(required=True, error_messages=DATE_MSG, metadata=ui("委托期限止", "Term to"))
    responsibilities = text(metadata=ui("双方责任", "Responsibilities of both parties", "textarea"))
    supervision = text(metadata=ui("监督方式", "Supervision", "textarea"))


class GrantStart(BaseSchema):
    """A grant proposal for one or more townships (一镇一清单, 第24条)."""

    department_id = id_field(required=True, metadata=ui("提出部门", "Proposing department", "select", "own"))
    township_ids = fields.List(id_field(), required=True, error_messages=required_msgs(),
                               validate=validate.Length(min=1, error="至少选择一个乡镇 / choose a township"),
                               metadata=ui("赋权乡镇", "Townships", "multi", "townships"))
    item_codes = item_codes("赋权事项", "Items granted")
    note = text(required=False, metadata=ui("说明", "Note", "textarea"))


class EvaluationStart(BaseSchema):
    """定期评估 of one department's items in one township (行政处罚法 第24条)."""

    township_id = id_field(required=True, metadata=ui("乡镇", "Township", "select", "townships"))
    department_id = id_field(required=True, metadata=ui("县直部门", "County department", "select", "departments"))
    period_start = fields.Date(required=True, error_messages=DATE_MSG, metadata=ui("评估期间起", "Period from"))
    period_end = fields.Date(required=True, error_messages=DATE_MSG, metadata=ui("评估期间止", "Period to"))


class CaseOpening(BaseSchema):
    """Who acts, where, on which item, against whom: the first fields of every start that opens a case."""

    handling_org_id = id_field(required=True, metadata=ui("办案机关", "Handling organ", "select", "own"))
    township_id = id_field(required=True, metadata=ui("违法行为发生地乡镇", "Township where the violation "
                                                      "occurred", "select", "townships"))
    item_code = fields.String(required=True, validate=validate.Length(min=1, max=60), error_messages=required_msgs(),
                              metadata=ui("事项", "Item", "select", "acted_items"))
    party_name = text(200, metadata=ui("当事人", "Party"))
    party_kind = choice(("citizen", "organization"), metadata=ui("当事人类型", "Kind of party"))


class ClueVerificationStart(BaseSchema):
    """线索核查 by a market-regulation department (市场监督管理行政处罚程序规定 第18条)."""

    department_id = id_field(required=True, metadata=ui("县直部门", "County department", "select", "own"))
    township_id = id_field(required=True, metadata=ui("线索所在乡镇", "Township of the clue", "select", "townships"))
    item_code = fields.String(required=True, validate=validate.Length(min=1, max=60), error_messages=required_msgs(),
                              metadata=ui("事项", "Item", "select", "acted_items"))
    source = choice(CLUE_SOURCES, metadata=ui("线索来源", "Source"))
    description = text(4000, metadata=ui("线索内容", "Clue", "textarea"))
    found_on = fields.Date(load_default=None, allow_none=True, error_messages=DATE_MSG, metadata=ui(
        "发现或收到线索之日（默认今天）", "Day the clue was found or received (default: today)"))


class CaseFilingStart(CaseOpening):
    """立案 by a township or a county department (第54条; competence 第22–24条; 第42条 officers)."""

    # Blank: the next number of the handling organ's series (workflows.core.numbering), never typed twice.
    case_number = fields.String(load_default="", validate=validate.Length(max=80), metadata=ui(
        "案号（留空则按本机关案号序列自动编号）", "Case number (blank: the next of the organ's series)"))
    facts_summary = text(4000, metadata=ui("案情摘要", "Facts", "textarea"))
    violation_on = fields.Date(required=True, error_messages=DATE_MSG,
                               metadata=ui("违法行为发生日", "Date of the violation"))
    # 第36条: end of a continuing act, and the day the act was discovered (default: filing day).
    act_ended_on = fields.Date(load_default=None, allow_none=True, error_messages=DATE_MSG, metadata=ui(
        "连续或继续状态的违法行为终了日（第36条）", "End of a continuing violation (art. 36)"))
    discovered_on = fields.Date(load_default=None, allow_none=True, error_messages=DATE_MSG, metadata=ui(
        "发现违法行为之日（第36条，默认立案日）", "Day the violation was discovered (art. 36; default: filing day)"))
    harm = fields.Boolean(load_default=False, error_messages=BOOL_MSG, metadata=ui(
        "涉及公民生命健康安全、金融安全且有危害后果（追责期限五年，第36条）",
        "Endangers life, health or financial security with harmful effects (five-year limit, art. 36)"))
    officers = officer_list("执法人员（至少两名持有效执法证，第42条）",
                            "Officers (at least two with valid certificates, art. 42)")


class SummaryPenaltyStart(CaseOpening):
    """当场处罚 (简易程序, 行政处罚法 第51–52条): a warning or a fine up to 200/3,000 yuan."""

    facts = text(4000, metadata=ui("违法事实", "Facts", "textarea"))
    violation_on = fields.Date(required=True, error_messages=DATE_MSG,
                               metadata=ui("违法行为发生日", "Date of the violation"))
    place = text(200, metadata=ui("处罚地点", "Place"))
    basis = text(1000, metadata=ui("处罚依据", "Legal basis", "textarea"))
    penalty_kind = choice(("warning", "fine"), metadata=ui("处罚种类", "Kind of penalty"))
    fine = fields.Decimal(load_default=None, allow_none=True, places=2, allow_nan=False, validate=_amount,
                          error_messages={"invalid": MSG_INVALID, "special": MSG_INVALID},
                          metadata={**ui("罚款金额（元；公民200元、组织3000元以下，第51条）",
                                         "Fine (yuan; at most 200 for a citizen, 3,000 for an organization, art. 51)",
                                         "number"), "minimum": 0})
    certificate_number = fields.String(required=True, validate=validate.Length(min=1, max=60),
                                       error_messages=required_msgs(),
                                       metadata=ui("出示的执法证号（第52条）", "Certificate shown (art. 52)"))
    cash_collected = fields.Boolean(load_default=False, error_messages=BOOL_MSG, metadata=ui(
        "当场收缴罚款（第68条）", "Fine collected in cash on the spot (art. 68)"))
    cash_reason = text(1000, required=False, metadata=ui(
        "超过一百元当场收缴的理由（不当场收缴事后难以执行，第68条）",
        "Why a fine above 100 yuan is collected on the spot (art. 68)", "textarea"))


class CrimeTransferStart(BaseSchema):
    """涉嫌犯罪移送: officers report to the head (国务院令第310号 第5条)."""

    report = text(4000, metadata=ui("移送报告", "Transfer report", "textarea"))
    police_org_id = id_field(required=True, metadata=ui("公安机关", "Public security organ", "select", "police"))
    officers = officer_list("报告的执法人员（两名以上）", "Reporting officers (two or more)")


class CaseTransferStart(BaseSchema):
    """案件移送 to the organ the registry names (第22–24条)."""

    reason = text(2000, metadata=ui("移送理由", "Reason", "textarea"))
    materials = fields.List(fields.Nested(MaterialIn), required=True, error_messages=required_msgs(),
                            validate=validate.Length(min=1, max=100, error="须列明移送材料 / list the materials"),
                            metadata=ui("移送材料（每行一项：名称,页数）", "Materials (one per line: title,pages)",
                                        "textarea"))
    receiver_org_id = id_field(load_default=None, allow_none=True, metadata=ui(
        "接收机关（依权责清单）", "Receiving organ (by the registry)", "select", "parties"))
    found_on = fields.Date(load_default=None, allow_none=True, error_messages=DATE_MSG, metadata=ui(
        "发现不属于本机关管辖之日（移送期限自此起算，默认今天）",
        "Day the case was found outside the organ's remit (the period runs from it; default: today)"))


class CaseMeasuresStart(BaseSchema):
    """先行登记保存 (行政处罚法 第56条) or 查封、扣押 (行政强制法 第17–25条) on a case."""

    kind = choice(MEASURE_KINDS, metadata=ui("措施种类", "Measure"))
    items = text(4000, metadata=ui("物品清单（名称、数量）", "Items (name, quantity)", "textarea"))
    reason = text(2000, metadata=ui("理由", "Reason", "textarea"))
    basis = text(1000, metadata=ui("依据", "Legal basis"))
    coercion_item_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60),
                                       metadata=ui("行政强制事项（查封、扣押时）", "Coercive power (seizure or detention)",
                                                   "select", "coercion_items"))
    on_the_spot = fields.Boolean(load_default=False, error_messages=BOOL_MSG, metadata=ui(
        "情况紧急，当场实施（24小时内报告负责人，行政强制法 第19条）",
        "Taken on the spot in an emergency (reported within 24 hours, art. 19)"))
    officers = officer_list("执法人员（两名以上，行政强制法 第18条）", "Officers (two or more, art. 18)")


class JointEnforcementStart(BaseSchema):
    """联合执法: the initiator's plan and the organs invited."""

    initiator_org_id = id_field(required=True, metadata=ui("发起机关", "Initiating organ", "select", "own"))
    title = text(200, metadata=ui("行动名称", "Title"))
    plan = text(4000, metadata=ui("执法方案", "Plan", "textarea"))
    planned_on = fields.Date(required=True, error_messages=DATE_MSG, metadata=ui("实施日期", "Planned on"))
    participant_ids = id_list("参与机关", metadata=ui("参与机关", "Participating organs", "multi", "parties"))
    township_id = id_field(load_default=None, allow_none=True, metadata=ui(
        "实施地乡镇（县直部门发起时必填）", "Township (required when a department proposes)", "select",
        "townships"))


class MutualNotificationStart(BaseSchema):
    """相互告知 between a county department and a township."""

    sender_org_id = id_field(required=True, metadata=ui("告知机关", "Notifying organ", "select", "own"))
    recipient_org_id = id_field(required=True, metadata=ui("被告知机关", "Notified organ", "select", "parties"))
    kind = choice(KINDS, metadata=ui("告知类别", "Kind"))
    subject = text(200, metadata=ui("告知事由", "Subject"))
    summary = text(4000, metadata=ui("告知内容", "Content", "textarea"))
    major = fields.Boolean(load_default=False, error_messages=BOOL_MSG,
                           metadata=ui("重大执法决定", "Major enforcement decision"))
    case_id = id_field(load_default=None, allow_none=True, metadata=ui("关联案件", "Related case", "select", "own_cases"))
    # The sender's period runs from its decision (issue 12 point 10); default: today.
    decided_on = fields.Date(load_default=None, allow_none=True, error_messages=DATE_MSG, metadata=ui(
        "决定作出日期（告知期限自此起算）", "Date of the decision (the notice period runs from it)"))


class WorkOrderStart(BaseSchema):
    """工单受理 at the township's command centre (首接负责制)."""

    township_id = id_field(required=True, metadata=ui("首接乡镇", "First-receiving township", "select", "own"))
    source = choice(SOURCES, metadata=ui("来源", "Source"))
    urgency = choice(URGENCIES, metadata=ui("紧急程度", "Urgency"))
    description = text(4000, metadata=ui("诉求内容", "Request", "textarea"))
    item_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=60),
                              metadata=ui("事项", "Item", "select", "catalogue"))


class DutyAccessStart(BaseSchema):
    """职责准入: a department asks to move a duty to townships, with staff and funding (费随事转)."""

    department_id = id_field(required=True, metadata=ui("县直部门", "County department", "select", "own"))
    title = text(200, metadata=ui("事项名称", "Title"))
    description = text(4000, metadata=ui("职责内容", "Duty", "textarea"))
    legal_basis = text(2000, metadata=ui("法律依据", "Legal basis", "textarea"))
    township_ids = id_list("乡镇", metadata=ui("承接乡镇", "Receiving townships", "multi", "townships"))
    staff = fields.Integer(required=True, validate=validate.Range(min=0, max=100000),
                           error_messages={**required_msgs(), "invalid": "应为整数 / must be an integer"},
                           metadata=ui("随事转移人员", "Staff moved with the duty"))
    funding_yuan = fields.Decimal(required=True, places=2, allow_nan=False, validate=_amount,
                                  error_messages={**required_msgs(), "invalid": MSG_INVALID,
                                                  "special": MSG_INVALID},
                                  metadata={**ui("随事转移经费（元）", "Funding moved with the duty (yuan)"),
                                            "minimum": 0, "maximum": 10**12})
    resources_required = fields.Boolean(load_default=True, error_messages=BOOL_MSG,
                                        metadata=ui("须人随事转、费随事转", "Staff and funding must follow the duty"))


class StartedOut(Schema):
    """What a start created: the procedure instance and, where there is one, the case."""

    procedure = fields.String()
    instance_id = fields.Integer(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    record_id = fields.Integer(allow_none=True)


def schema_for(key: str) -> type[BaseSchema]:
    """The start form of a declared start: `<CamelKey>Start` in this module (KeyError when none)."""
    name = "".join(part.title() for part in key.split("_")) + "Start"
    schema = globals().get(name)
    if not (isinstance(schema, type) and issubclass(schema, BaseSchema)):
        raise KeyError(f"no start form {name} for start {key!r} in web/schemas/starts.py")
    return schema
