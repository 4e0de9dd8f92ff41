"""The power registry: who may act on an item in a township on a date (domain.md §0)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from models import (
    CutoverRule,
    Delegation,
    DelegationMode,
    ItemCategory,
    Organization,
    PowerItem,
    item_relations,
)
from workflows.core.directory import find_item, find_township
from workflows.core.errors import LegalRuleViolation, NotFound
from workflows.registry.query import COERCION_TRAVELS_WITH, TRAVELLING, in_force_on, who_query

ART_24 = "行政处罚法 第24条"
BASIS = {
    DelegationMode.GRANT: "行政处罚法 第24条（赋权，以乡镇人民政府名义实施）",
    DelegationMode.ENTRUST: "行政处罚法 第20、21条（委托，以委托机关名义实施）",
    DelegationMode.STATUTORY: "乡镇法定职权（依据法律法规直接设定）",
    DelegationMode.ASSIST: "行政处罚法 第22、23条（县级部门管辖，乡镇协助）",
}


@dataclass(frozen=True)
class Organ:
    """An organization named in an answer: id and full name."""

    id: int
    name: str


@dataclass(frozen=True)
class Competence:
    """Who acts on an item in a township on a day, in whose name, and who answers for it."""

    item_code: str
    item_name: str
    township: str
    on: date
    mode: str
    enforcement_subject: Organ  # whose name the decision carries (行政主体)
    responsible_subject: Organ  # who answers for it (承担法律责任)
    acting_org: Organ  # who does the work
    assisting_org: Organ | None
    document_no: str | None
    delegation_id: int | None  # None: nothing delegated, the department keeps the power
    effective_from: date | None
    effective_to: date | None
    basis: str
    note: str | None
    cutover_rule: str | None = None
    cutover_days: int | None = None
    via_item_code: str | None = None  # parent penalty item whose delegation this follows
    department: Organ | None = None  # the item's original county department

    def to_dict(self) -> dict:
        """JSON-native form for the CLI, the API and exports."""
        data = asdict(self)
        for key in ("on", "effective_from", "effective_to"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


# The revised 行政处罚法 took effect on 2021-07-15; before it, grants to townships rested on
# the decision itself and 2017 text 第16条 (相对集中行政处罚权), entrustment on 2017 text 第18条.
REVISED_APL_IN_FORCE = date(2021, 7, 15)
BASIS_2017 = {
    DelegationMode.GRANT: "行政处罚法（2017年修正）第16条（相对集中行政处罚权，以乡镇人民政府名义实施）",
    DelegationMode.ENTRUST: "行政处罚法（2017年修正）第18、19条（委托，以委托机关名义实施）",
}


def basis_on(mode: str, effective_from: date | None, document_no: str | None) -> str:
    """The provision in force on the delegation's date (the 2021 revision from 2021-07-15)."""
    mode = DelegationMode(mode)
    if mode in BASIS_2017 and effective_from is not None and effective_from < REVISED_APL_IN_FORCE:
        decision = f"{document_no}；" if document_no else ""
        return f"{decision}{BASIS_2017[mode]}"
    return BASIS[mode]


NOT_DELEGATED = "未下放，由县直部门实施 / not delegated, the department acts"


def _answer(item: tuple, dept: Organ, town: Organ, on: date, d: tuple | None) -> Competence:
    """Build the answer of domain.md §0 from the delegation row (or its absence).

    item = (code, name, legal basis); d = (id, mode, from, to, document, note, cut-over rule,
    cut-over days, parent item code) of the row in force, or None.
    """
    mode = d[1] if d else DelegationMode.ASSIST.value
    if mode == DelegationMode.GRANT or mode == DelegationMode.STATUTORY:
        subject, responsible, acting, assisting = town, town, town, None
    elif mode == DelegationMode.ENTRUST:
        subject, responsible, acting, assisting = dept, dept, town, None
    else:
        subject, responsible, acting, assisting = dept, dept, dept, town
    basis = basis_on(mode, d[2], d[4]) if d else BASIS[mode]
    d = d or (None, None, None, None, None, NOT_DELEGATED, None, None, None)
    return Competence(
        item[0], item[1], town.name, on, mode, subject, responsible, acting, assisting,
        d[4], d[0], d[2], d[3], f"{basis}；{item[2]}" if item[2] else basis, d[5], d[6], d[7],
        d[8], dept)


def who(session: Session, item_code: str, township: str | int, on: date) -> Competence:
    """The competent organs for one item in one township on one legal date."""
    ref = township if isinstance(township, int) else str(township).strip()
    by_id = isinstance(ref, int) or ref.isdigit()
    params = {"ref": int(ref) if by_id else ref, "on": on, "code": str(item_code).strip()}
    if session.autoflush:  # as an ORM query would: pending rows of this session count
        session.flush()
    connection = session.connection()
    rows = who_query(connection, by_id).execute(connection, params).rows
    if len(rows) != 1:
        find_item(session, item_code)  # raises NotFound naming the unknown code
        find_township(session, township)  # unknown or ambiguous township
        raise NotFound(f"无法确定乡镇：{township} / cannot resolve township: {township}")
    r = rows[0]
    return _answer((r[0], r[1], r[2]), Organ(r[3], r[4]), Organ(r[5], r[6]), on,
                   tuple(r[7:]) if r[7] is not None else None)


def _township_rows(session: Session, township_id: int, on: date) -> dict[int, tuple]:
    """item id → the in-force delegation of one township, shaped as `_answer` takes it."""
    d = Delegation.__table__
    query = (select(d.c.item_id, d.c.id, type_coerce(d.c.mode, String), d.c.effective_from,
                    d.c.effective_to, d.c.document_no, d.c.note,
                    type_coerce(d.c.cutover_rule, String), d.c.cutover_days)
             .where(d.c.township_id == township_id, in_force_on(d, on))  # ix_delegation_township
             .order_by(d.c.effective_from))
    return {row[0]: (*row[1:], None) for row in session.connection().execute(query)}


def power_list(session: Session, township: str | int, on: date) -> list[Competence]:
    """权力清单: the answer of `who` for every catalogue item in one township on one date."""
    town_org = find_township(session, township)  # an ORM query: autoflushes pending rows
    town = Organ(town_org.id, town_org.name)
    items, dept = PowerItem.__table__, Organization.__table__.alias("dept")
    catalogue = session.connection().execute(
        select(items.c.id, items.c.code, items.c.name_zh, items.c.legal_basis, dept.c.id,
               dept.c.name, items.c.category).join(dept, dept.c.id == items.c.department_id)
        .order_by(items.c.code)).all()
    own = _township_rows(session, town.id, on)
    parents: dict[int, list[int]] = {}
    for parent_id, related_id in session.connection().execute(
            select(item_relations.c.item_id, item_relations.c.related_item_id)):
        parents.setdefault(related_id, []).append(parent_id)
    codes = {row[0]: row[1] for row in catalogue}
    return [_answer((code, name, basis), Organ(dept_id, dept_name), town, on,
                    own.get(item_id) or _travelling_parent(own, parents.get(item_id, ()), codes,
                                                           category))
            for item_id, code, name, basis, dept_id, dept_name, category in catalogue]


def _travelling_parent(own: dict[int, tuple], parent_ids, codes: dict, category) -> tuple | None:
    """The newest grant/entrustment among an item's parent penalty items, if any.

    A coercive measure follows only a grant (行政强制法 第17条: 不得委托; 第2款 相对集中行政处罚权).
    """
    modes = COERCION_TRAVELS_WITH if category == ItemCategory.COERCION else TRAVELLING
    found = [(own[p][2], p) for p in parent_ids if p in own and own[p][1] in modes]
    if not found:
        return None
    parent = max(found)[1]
    return (*own[parent][:8], codes[parent])


# 责任清单: per mode, what the township does, what the department does, who answers.
DUTIES = {
    DelegationMode.GRANT: (
        "以乡镇人民政府名义立案、调查取证、作出决定并执行，承担法律责任；加强执法能力建设（第24条）",
        "业务指导、培训、协调和监督，配合定期评估（第24条）", "township"),
    DelegationMode.ENTRUST: (
        "在委托范围内以委托机关名义实施，不得再委托（第20条）",
        "监督受托乡镇的实施行为，并对该行为的后果承担法律责任（第20条）", "department"),
    DelegationMode.STATUTORY: (
        "依法律法规直接行使法定职权，承担法律责任", "业务指导", "township"),
    DelegationMode.ASSIST: (
        "日常巡查、发现报告、劝阻制止、配合调查（协助，第26条）",
        "依法管辖并实施，承担法律责任（第22、23条）", "department"),
}


# The same duties in English, for English pages (township's, department's).
DUTIES_EN = {
    DelegationMode.GRANT: (
        "Files, investigates, decides and enforces cases in the township government's own name and bears "
        "the legal liability; builds up its enforcement capacity (Art. 24)",
        "Professional guidance, training, coordination and supervision; takes part in the periodic "
        "evaluation (Art. 24)"),
    DelegationMode.ENTRUST: (
        "Acts within the entrusted scope in the entrusting organ's name and may not entrust further (Art. 20)",
        "Supervises the entrusted township's acts and bears the legal liability for their consequences (Art. 20)"),
    DelegationMode.STATUTORY: (
        "Exercises the statutory powers that laws and regulations confer directly, and bears the legal liability",
        "Professional guidance"),
    DelegationMode.ASSIST: (
        "Daily patrols, discovering and reporting, dissuading and stopping, assisting investigations "
        "(assistance, Art. 26)",
        "Has jurisdiction, acts and bears the legal liability (Arts. 22–23)"),
}


def responsibility_list(session: Session, township: str | int, on: date) -> list[dict]:
    """责任清单: per item the township's duties and the accountable and supervising organs."""
    rows = []
    for c in power_list(session, township, on):
        mode = DelegationMode(c.mode)
        town_duty, dept_duty, accountable = DUTIES[mode]
        # The department supervises a grant (第24条) and an entrustment (第20条).
        supervising = c.department if mode in TRAVELLING else None
        rows.append({
            "item_code": c.item_code, "item_name": c.item_name, "township": c.township,
            "on": c.on.isoformat(), "mode": c.mode,
            "enforcement_subject": c.enforcement_subject.name,
            "accountable_org": c.responsible_subject.name, "accountable": accountable,
            "supervising_org": supervising.name if supervising else None,
            "township_duties": town_duty, "department_duties": dept_duty,
            "township_duties_en": DUTIES_EN[mode][0], "department_duties_en": DUTIES_EN[mode][1],
            "document_no": c.document_no, "basis": c.basis,
        })
    return rows


def department_may_act(session: Session, item_code: str, township: str | int, on: date, *,
                       case_filed_on: date | None = None) -> Competence:
    """Whether the original department may still act; raises when the township holds the power.

    行政处罚法 第24条 practice: once a grant is effective the department no longer acts on
    that item in that township (decisions it makes are void); cases it filed before the grant
    took effect stay with it under the filed_cases_stay cut-over rule.
    """
    answer = who(session, item_code, township, on)
    if answer.mode == DelegationMode.STATUTORY:
        raise LegalRuleViolation(
            f"{answer.item_code} 是{answer.township}的法定职权，县直部门不得实施 / "
            f"{answer.item_code} is a statutory power of {answer.township}",
            article=answer.basis, competent_org=answer.enforcement_subject.name)
    if answer.mode != DelegationMode.GRANT or _case_stays(answer, on, case_filed_on):
        return answer
    raise LegalRuleViolation(
        f"{answer.item_code} 已于 {answer.effective_from} 赋权{answer.township}"
        f"（{answer.document_no or '无文号'}），应由{answer.township}以自己名义实施，县直部门不得再行使 / "
        f"{answer.item_code} was granted to {answer.township} from {answer.effective_from}: "
        f"the township is the competent organ",
        article=ART_24, competent_org=answer.enforcement_subject.name,
        competent_org_id=answer.enforcement_subject.id)


def _case_stays(answer: Competence, on: date, case_filed_on: date | None) -> bool:
    """A case filed before the grant took effect stays with the department (cut-over rule)."""
    if case_filed_on is None or case_filed_on >= answer.effective_from:
        return False
    rule = CutoverRule(answer.cutover_rule or CutoverRule.FILED_CASES_STAY)
    if rule == CutoverRule.FILED_CASES_STAY:
        return True
    if rule == CutoverRule.LAPSE_AFTER_DAYS:
        # Zhengzhou practice: the department finishes old cases within N natural days.
        return on < answer.effective_from + timedelta(days=answer.cutover_days or 0)
    return False  # immediate: open cases move to the township at once
