"""Display names of stored enum values, translated through gettext."""

from __future__ import annotations

from flask import Flask
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from web.i18n import is_english, local_name, translate
from web.names import data
from workflows.core.clock import SHANGHAI
from workflows.core.errors import halves
from workflows.procedures import labels as procedure_labels

LABELS = {
    # roles
    "county_officer": _l("县直部门工作人员"), "county_approver": _l("县政府审批人"),
    "legal_reviewer": _l("法制审核人员"), "township_officer": _l("乡镇执法人员"),
    "township_leader": _l("乡镇负责人"), "department_head": _l("部门负责人"), "admin": _l("系统管理员"),
    # organization kinds
    "county_government": _l("县人民政府"), "county_department": _l("县直部门"),
    "legal_affairs_office": _l("法制机构"), "township": _l("乡镇人民政府"),
    "township_organ": _l("乡镇内设机构"), "public_security": _l("公安机关"), "province": _l("省人民政府"),
    # item categories
    "penalty": _l("行政处罚"), "inspection": _l("行政检查"), "coercion": _l("行政强制"),
    # delegation modes
    "grant": _l("赋权"), "entrust": _l("委托"), "statutory": _l("法定职权"), "assist": _l("协助（未下放）"),
    # delegation statuses
    "proposed": _l("已提出"), "in_review": _l("审核中"), "approved": _l("已批准"),
    "published": _l("已公布"), "effective": _l("生效"), "suspended": _l("中止"),
    "revoked": _l("已撤销"), "expired": _l("已到期"),
    # task and deadline states
    "ready": _l("待办"), "claimed": _l("已认领"), "completed": _l("已完成"), "cancelled": _l("已取消"),
    "running": _l("进行中"), "waiting": _l("等待中"), "error": _l("出错"),
    "pending": _l("未到期"), "warned": _l("已预警"), "met": _l("按期完成"), "overdue": _l("逾期"),
    "paused": _l("暂停"),
    # due windows and review choices (procedure labels come from their declarations, below)
    "today": _l("一天内到期"), "3d": _l("三天内到期"),
    "7d": _l("七天内到期"), "approve": _l("同意"), "return": _l("退回修改"), "reject": _l("不同意"),
    "citizen": _l("公民"),
    "organization": _l("法人或其他组织"), "licence": _l("许可"), "complaint": _l("投诉"), "hazard": _l("隐患"),
    "general": _l("一般"), "emergency": _l("紧急"), "filed": _l("已立案"), "investigating": _l("调查中"),
    "reviewing": _l("审核中"), "decided": _l("已决定"), "closed": _l("已结案"), "transferred": _l("已移送"),
    "calendar_days": _l("日"), "working_days": _l("个工作日"), "hours": _l("小时"),
    "keep": _l("保留"), "adjust": _l("调整"), "withdraw": _l("收回"),
    # BPMN lanes (the diagram shows them by these names)
    "Coordination": _l("协调"), "CountyDepartment": _l("县直部门"), "CountyGovernment": _l("县人民政府"),
    "CountyPlatform": _l("县级指挥平台"), "LegalReviewer": _l("法制审核人员"), "Participants": _l("参加机关"),
    "Province": _l("省人民政府"), "PublicSecurity": _l("公安机关"), "Receiver": _l("接收机关"),
    "Sender": _l("移送机关"), "Township": _l("乡镇人民政府"), "TownshipOrgan": _l("乡镇内设机构"),
    # evidence kinds (证据, 第46条) and their audit action
    "photo": _l("照片"), "audio": _l("录音"), "video": _l("录像"), "document": _l("书证（PDF）"),
    "evidence.added": _l("提交证据"),
    # task-form choices
    "no_penalty": _l("不予行政处罚"), "pass": _l("通过"), "fail": _l("不通过"), "accept": _l("接收"),
    "object": _l("提出异议"), "not_filed": _l("不予立案"), "incomplete": _l("材料不全"),
    "maintained": _l("维持原决定"), "done": _l("办结"), "satisfied": _l("满意"),
    "basically_satisfied": _l("基本满意"), "unsatisfied": _l("不满意"),
    # summary procedure (简易程序, 第51条) and its lanes
    "warning": _l("警告"), "fine": _l("罚款"), "Officer": _l("执法人员"), "Organ": _l("行政机关"),
    # evidence preservation and coercive measures (第56条; 行政强制法) and their choices
    "preservation": _l("先行登记保存"), "seizure": _l("查封"), "detention": _l("扣押"), "release": _l("解除"),
    "transfer": _l("移送"), "extend": _l("申请延长"), "dispose": _l("作出处理决定"),
    "not_ours": _l("不属于本机关管辖"),
    # case execution choices (送达 第61条, 缴纳 第66–67条, 强制执行 行政强制法 第53条) and discussion conclusions
    "investigate_further": _l("补充调查"), "hand": _l("直接送达"), "post": _l("邮寄送达"),
    "electronic": _l("电子送达"), "paid": _l("已缴纳"), "deferral": _l("申请暂缓缴纳"),
    "instalments": _l("申请分期缴纳"), "unpaid": _l("逾期未缴纳"), "court": _l("申请法院强制执行"),
    "Execution": _l("执行"),
    # step kinds of the dashboard's on-time rates
    "service": _l("送达"), "decision": _l("决定"), "publication": _l("公示"),
    # clue verification (线索核查, 市场监管程序规定 第18条)
    "referral": _l("移送转办"), "other": _l("其他"), "file": _l("立案"), "not_file": _l("不予立案"),
    "Head": _l("负责人"),
}


# Form fields as refusals name them (the start pages and filters that have no field list of their own).
FIELD_LABELS = {
    "department_id": _l("部门"), "township_id": _l("乡镇"), "township_ids": _l("乡镇"), "item_codes": _l("事项"),
    "item_code": _l("事项"), "authority": _l("委托权限"), "term_start": _l("委托期限起"),
    "term_end": _l("委托期限止"), "responsibilities": _l("双方责任"), "supervision": _l("监督方式"),
    "note": _l("说明"), "effective_on": _l("生效日期"), "revoke_on": _l("撤销日期"), "reason": _l("理由"),
    "process_id": _l("流程"), "due": _l("期限"), "page": _l("页码"), "townships": _l("乡镇"),
}


def _bilingual(zh: str, en: str) -> LazyString:
    return LazyString(lambda: local_name(zh, en))


# Audit actions as the instance's record (执法全过程记录, 行政处罚法 第47条) lists them; the test
# tests/web/test_audit_labels.py finds every action the code writes and fails on one without a label.
AUDIT_ACTIONS = {
    "instance.started": _l("流程发起"), "instance.woken": _l("定时唤醒"), "instance.cancelled": _l("撤销流程"),
    "instance.error": _l("流程出错"), "message.delivered": _l("收到消息"), "task.claimed": _l("认领任务"),
    "task.released": _l("退回任务"), "task.completed": _l("办理任务"),
    "deadline.started": _l("开始计算期限"), "deadline.extended": _l("延长期限"), "deadline.met": _l("按期办结"),
    "deadline.paused": _l("中止计算期限"), "deadline.resumed": _l("恢复计算期限"), "deadline.cancelled": _l("撤销期限"),
    "deadline.warned": _l("期限预警"), "deadline.expired": _l("期限届满"),
    "deadline.interrupt_not_waiting": _l("期限届满（流程未在等待）"), "deadline.interrupt_failed": _l("期限届满处理失败"),
    "case.archived": _l("案件归档"), "case.court_application": _l("申请法院强制执行"),
    "payment.deferred": _l("批准延期或分期缴纳"), "payment.recorded": _l("登记缴纳罚款"),
    "summary.filed": _l("简易程序备案"), "summary.decided": _l("当场作出处罚决定"),
    "summary.cash_handed_over": _l("当场收缴罚款交至机关"), "summary.fine_deposited": _l("罚款缴付银行"),
    "clue.file": _l("线索核查：立案"), "clue.not_file": _l("线索核查：不予立案"),
    "catalogue.items_imported": _l("导入事项目录"), "delegations.imported": _l("导入赋权委托"),
    "deadline_rules.upserted": _l("更新期限规则"), "sample.loaded": _l("载入示例数据"),
    "token.issued": _l("签发接口令牌"), "token.revoked": _l("吊销接口令牌"), "user.login": _l("用户登录"),
    "audit.rekeyed": _l("更换审计密钥"),
    "delegation.added": _l("登记赋权委托"), "delegation.revoked": _l("撤销赋权委托"),
    "delegation.status": _l("变更赋权委托状态"), "certificate.added": _l("登记执法证件"),
    "certificate.revoked": _l("注销执法证件"), "evidence.added": _l("登记证据"),
    "user.created": _l("创建用户"), "user.updated": _l("修改用户"), "membership.added": _l("授予角色"),
    "membership.removed": _l("撤销角色"), "organization.created": _l("创建机构"),
}
LABELS.update(AUDIT_ACTIONS)

# Procedures and their starts, from workflows.procedures.ALL (the one list that names them).
LABELS.update({key: _bilingual(zh, en) for key, (zh, en) in procedure_labels().items()})


def label(value) -> str:
    """The translated label of an enum member or stored value; unknown values pass through."""
    key = getattr(value, "value", value)
    text = LABELS.get(key)
    if text is None:
        return "" if key is None else str(key)
    msgid = getattr(text, "_args", None)  # a lazy_gettext string: translate its msgid once per request
    return translate(msgid[0]) if msgid else str(text)


def one_language(text, english: bool) -> str:
    """One half of a "中文 / English" text; a text without the separator is returned whole."""
    zh, en = halves(text)
    return (en or zh) if english and en is not None else zh


def bilingual(text) -> str:
    """One language of a stored "中文 / English" text (task titles, lane names, refusals): the page's."""
    return one_language(text, is_english())


def field_label(name: str, fields=()) -> str:
    """A form field's label in the page's language: from the form's own fields, else the common ones."""
    if isinstance(fields, dict):  # name → (Chinese, English), as the start schemas declare them
        fields = [{"name": k, "label_zh": zh, "label_en": en} for k, (zh, en) in fields.items()]
    for f in fields:
        get = f.get if isinstance(f, dict) else (lambda key, f=f: getattr(f, key, None))
        if get("name") == name:
            return local_name(get("label_zh") or get("label"), get("label_en"))
    text = FIELD_LABELS.get(name.split(".")[0])
    return str(text) if text is not None else ""


def period(amount, unit) -> str:
    """A legal period as the page's language writes it: 90日 / 90 calendar days."""
    return f"{amount} {label(unit)}" if is_english() else f"{amount}{label(unit)}"


def task_names(view: dict) -> dict[str, str]:
    """BPMN task id → the task's title in the page's language, for an instance's record."""
    return {t["task"]: bilingual(t["title"]) for t in view.get("tasks", []) if t.get("title")}


def localtime(instant) -> str:
    """A UTC instant shown in Asia/Shanghai time, to the minute."""
    if instant is None:
        return ""
    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def init_app(app: Flask) -> None:
    """Expose `label`, `localtime`, `task_title`/`one_language` filters and `field_label`."""
    app.jinja_env.filters["label"] = label
    app.jinja_env.globals["task_names"] = task_names
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.globals["period"] = period
    app.jinja_env.filters["task_title"] = bilingual
    # Refusals name organizations, numbers and dates in their English half too: Chinese data is marked.
    app.jinja_env.filters["one_language"] = lambda text: data(bilingual(text))
    app.jinja_env.globals["field_label"] = field_label
