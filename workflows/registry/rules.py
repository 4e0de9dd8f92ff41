"""The legal rules a delegation must satisfy (domain.md §0, 行政处罚法 第18、20、21、24条)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import (
    IN_FORCE_STATUSES,
    Delegation,
    DelegationMode,
    DelegationStatus,
    EnforcementCertificate,
    ItemCategory,
    Membership,
    Organization,
    OrgKind,
    PowerItem,
    Role,
    User,
)
from workflows.registry.drafts import (
    Checked,
    DelegationDraft,
    Problems,
    parse_draft,
)
from workflows.registry.organs import ART_20, check_entrusting, resolve_entrusting

ART_18 = "行政处罚法 第18条"
ART_21 = "行政处罚法 第21条"
ART_COERCION_17 = "行政强制法 第17条"
# One item in one township has one delegation on any day: an entrustment keeps the department the
# answerable organ (第20条第3款), a grant makes the township the enforcement subject (第24条); two at
# once would leave the 执法主体 of a case undecided.
ART_ONE_HOLDER = "行政处罚法 第20、24条"
# Original holders of a catalogue item: a county department or the public security bureau.
HOLDER_KINDS = (OrgKind.COUNTY_DEPARTMENT, OrgKind.PUBLIC_SECURITY)
# Rows that block an overlapping one: in force, or approved and waiting to come into force.
BLOCKING_STATUSES = (*IN_FORCE_STATUSES, DelegationStatus.APPROVED)
HISTORY_STATUSES = (DelegationStatus.REVOKED, DelegationStatus.EXPIRED)
MIN_CERTIFIED_OFFICERS = 2  # 第21条: staff holding 行政执法资格; two officers act together (第42条)
_CHUNK = 500  # keeps IN (...) lists under SQLite's bound-parameter limit


def _chunks(values: list) -> list[list]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def overlaps(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    """True when two inclusive date ranges (None = open end) share a day; empty ranges never do."""
    a_end, b_end = a_to or date.max, b_to or date.max
    return a_from <= a_end and b_from <= b_end and a_from <= b_end and b_from <= a_end


def _load_items(session: Session, codes: list[str], lock: bool) -> dict[str, PowerItem]:
    found: dict[str, PowerItem] = {}
    for part in _chunks(sorted(set(codes))):
        query = select(PowerItem).where(PowerItem.code.in_(part)).order_by(PowerItem.id)
        if lock:  # serializes concurrent writers on the same items (overlap check, PostgreSQL)
            query = query.with_for_update()
        found.update({item.code: item for item in session.scalars(query)})
    return found


def _load_townships(session: Session, refs: list[str | int]) -> dict[str, list[Organization]]:
    """Townships by str(ref): id, full name or short name; a list, so ambiguity shows."""
    ids = [int(r) for r in refs if isinstance(r, int) or str(r).strip().isdigit()]
    names = [str(r).strip() for r in refs if not (isinstance(r, int) or str(r).strip().isdigit())]
    rows: list[Organization] = []
    for part in _chunks(sorted(set(ids))):
        rows += session.scalars(select(Organization).where(
            Organization.kind == OrgKind.TOWNSHIP, Organization.id.in_(part))).all()
    for part in _chunks(sorted(set(names))):
        rows += session.scalars(select(Organization).where(
            Organization.kind == OrgKind.TOWNSHIP,
            or_(Organization.name.in_(part), Organization.short_name.in_(part)))).all()
    by_ref: dict[str, list[Organization]] = defaultdict(list)
    for org in {o.id: o for o in rows}.values():
        for key in (str(org.id), org.name, org.short_name):
            if key:
                by_ref[key].append(org)
    return by_ref


def _resolve(checked: list[Checked], session: Session, problems: Problems, lock: bool) -> None:
    """Attach each draft's catalogue item and township, or report the unknown name."""
    items = _load_items(session, [str(c.draft.item_code).strip() for c in checked], lock)
    townships = _load_townships(session, [c.draft.township for c in checked])
    resolve_entrusting(checked, session, problems)
    for c in checked:
        code = str(c.draft.item_code).strip()
        c.item = items.get(code)
        if c.item is None:
            problems.add(c.index, "item_code", f"未知事项编码：{code} / unknown item code: {code}")
        ref = str(c.draft.township).strip()
        found = townships.get(ref, [])
        if len(found) == 1:
            c.township = found[0]
        elif found:
            problems.add(c.index, "township", f"乡镇名称不唯一：{ref} / ambiguous township: {ref}")
        else:
            problems.add(c.index, "township", f"未知乡镇：{ref} / unknown township: {ref}")


def _check_item_rules(c: Checked, problems: Problems) -> None:
    """Catalogue modes, 第18条 personal liberty, 第20条 no re-entrustment, entrustment term."""
    if c.mode is None or c.item is None:
        return
    code = c.item.code
    if c.mode.value not in (c.item.modes_allowed or []):
        allowed = "|".join(c.item.modes_allowed or []) or "—"
        problems.add(c.index, "mode", f"事项 {code} 不允许方式 {c.mode.value}（清单允许：{allowed}）/ "
                     f"mode {c.mode.value} not allowed for item {code} (catalogue: {allowed})")
    if c.item.restricts_personal_liberty and c.mode in (DelegationMode.GRANT, DelegationMode.ENTRUST):
        # 第18条: only public security (and organs named by law) may restrict personal liberty.
        problems.add(c.index, "mode", f"事项 {code} 限制人身自由，不得赋权或委托乡镇 / item {code} "
                     f"restricts personal liberty and cannot go to a township", ART_18)
    if c.mode == DelegationMode.ENTRUST:
        if c.draft.effective_to is None:
            # 第20条: the 委托书 states 事项、权限、期限 — an entrustment has a term.
            problems.add(c.index, "effective_to", f"委托事项 {code} 须载明委托期限（终止日期）/ "
                         f"entrustment of {code} needs an end date", ART_20)
        dept = c.item.department
        if dept.kind not in HOLDER_KINDS or dept.is_stationed:
            # 第20条 不得再委托: only the original holder may entrust, not a stationed unit.
            problems.add(c.index, "item_code", f"事项 {code} 的实施机关 {dept.name} 不是原县直部门，"
                         f"不得再委托 / {dept.name} is not the original county department of {code}: "
                         f"re-entrustment is forbidden", ART_20)
        if c.item.category == ItemCategory.COERCION:
            # 行政强制法 第17条: 行政强制措施权不得委托 (it travels only with a grant, 第2款).
            problems.add(c.index, "mode", f"事项 {code} 是行政强制措施，行政强制措施权不得委托 / item "
                         f"{code} is a coercive measure: the power cannot be entrusted",
                         ART_COERCION_17)
    check_entrusting(c, problems)


def certified_officers(session: Session, township_id: int, on: date) -> int:
    """Township enforcement officers (in the township or its organs) certified on a day."""
    organs = select(Organization.id).where(
        or_(Organization.id == township_id, Organization.township_id == township_id),
        Organization.kind.in_((OrgKind.TOWNSHIP, OrgKind.TOWNSHIP_ORGAN)))
    query = (
        select(func.count(func.distinct(User.id)))
        .join(Membership, Membership.user_id == User.id)
        .join(EnforcementCertificate, EnforcementCertificate.user_id == User.id)
        .where(
            User.is_active.is_(True),
            Membership.role == Role.TOWNSHIP_OFFICER,
            Membership.organization_id.in_(organs),
            EnforcementCertificate.valid_until >= on,
            or_(EnforcementCertificate.issued_on.is_(None), EnforcementCertificate.issued_on <= on),
            or_(EnforcementCertificate.revoked_on.is_(None), EnforcementCertificate.revoked_on > on),
        )
    )
    return session.scalar(query) or 0


def _check_officers(checked: list[Checked], session: Session, problems: Problems) -> None:
    """第21条: an entrusted township must have certified officers on the first day."""
    cache: dict[tuple[int, date], int] = {}
    for c in checked:
        if c.mode != DelegationMode.ENTRUST or c.township is None or c.start is None:
            continue
        if c.status in (DelegationStatus.REVOKED, DelegationStatus.EXPIRED):
            continue  # history being recorded, not a new entrustment
        key = (c.township.id, c.start)
        if key not in cache:
            cache[key] = certified_officers(session, *key)
        if cache[key] < MIN_CERTIFIED_OFFICERS:
            problems.add(c.index, "township", f"{c.township.name} 于 {c.start} 持有效执法证的执法人员"
                         f"仅 {cache[key]} 名，至少需 {MIN_CERTIFIED_OFFICERS} 名 / {c.township.name} "
                         f"has {cache[key]} certified officers on {c.start}, needs "
                         f"{MIN_CERTIFIED_OFFICERS}", ART_21)


def _existing_in_force(session: Session, pairs: set[tuple[int, int]]) -> list[Delegation]:
    item_ids = sorted({i for i, _ in pairs})
    township_ids = sorted({t for _, t in pairs})
    rows: list[Delegation] = []
    for items in _chunks(item_ids):
        for towns in _chunks(township_ids):
            rows += session.scalars(select(Delegation).where(
                Delegation.item_id.in_(items), Delegation.township_id.in_(towns),
                Delegation.status.in_(BLOCKING_STATUSES))).all()
    return [r for r in rows if (r.item_id, r.township_id) in pairs and counts_somewhere(r)]


def counts_somewhere(row: Delegation) -> bool:
    """A revoked or expired row without an end date never counted (revoked before it began)."""
    return not (row.status in HISTORY_STATUSES and row.effective_to is None)


S = DelegationStatus
STATUS_ZH = {S.PROPOSED: "已提出", S.IN_REVIEW: "审核中", S.APPROVED: "已批准待生效", S.PUBLISHED: "已公布",
             S.EFFECTIVE: "已生效", S.SUSPENDED: "中止", S.REVOKED: "已撤销", S.EXPIRED: "已失效"}
STATUS_EN = {S.PROPOSED: "proposed", S.IN_REVIEW: "in review", S.APPROVED: "approved, not yet in force",
             S.PUBLISHED: "published", S.EFFECTIVE: "effective", S.SUSPENDED: "suspended",
             S.REVOKED: "revoked", S.EXPIRED: "expired"}
MODE_ZH = {DelegationMode.GRANT: "赋权", DelegationMode.ENTRUST: "委托"}
MODE_EN = {DelegationMode.GRANT: "grant", DelegationMode.ENTRUST: "entrustment"}


def clash_details(row: Delegation) -> dict:
    """The blocking row as a refusal carries it (API details): letter number, item, township, term."""
    return {"delegation_id": row.id, "mode": row.mode.value, "status": row.status.value,
            "document_no": row.document_no, "item_code": row.item.code, "township": row.township.name,
            "effective_from": row.effective_from.isoformat(),
            "effective_to": row.effective_to.isoformat() if row.effective_to else None}


def clash(row: Delegation) -> tuple[str, str]:
    """How a blocking row is named in a refusal: its letter or decision number, status and term."""
    period = f"{row.effective_from}—{row.effective_to or '长期'}"
    zh_doc = row.document_no or f"登记第 {row.id} 号"  # rows imported without a number: the record
    en_doc = row.document_no or f"record #{row.id}"
    return (f"{STATUS_ZH[row.status]}的{MODE_ZH.get(row.mode, '下放记录')}（{zh_doc}，{period}）",
            f"the {STATUS_EN[row.status]} {MODE_EN.get(row.mode, 'delegation')} "
            f"{en_doc} ({row.effective_from}..{row.effective_to or 'open'})")


def _overlap_message(c: Checked, other_zh: str, other_en: str) -> str:
    return (f"事项 {c.item.code} 在{c.township.name}的期间 {c.start}—{c.end or '长期'} 与{other_zh}"
            f"重叠 / item {c.item.code} in {c.township.name} ({c.start}..{c.end or 'open'}) "
            f"overlaps {other_en}")


def _check_overlaps(checked: list[Checked], session: Session, problems: Problems) -> None:
    """One item in one township has one delegation on any day: against the DB and the batch."""
    ready = [c for c in checked if c.item and c.township and c.start and not
             (c.draft.effective_to is not None and c.end is None)]
    pairs = {(c.item.id, c.township.id) for c in ready}
    existing = defaultdict(list)
    for row in _existing_in_force(session, pairs):
        existing[(row.item_id, row.township_id)].append(row)
    seen: dict[tuple[int, int], list[Checked]] = defaultdict(list)
    for c in ready:
        key = (c.item.id, c.township.id)
        for row in existing[key]:
            if overlaps(c.start, c.end, row.effective_from, row.effective_to):
                problems.add(c.index, "effective_from", _overlap_message(c, *clash(row)), ART_ONE_HOLDER,
                             clash=clash_details(row))
        for earlier in seen[key]:
            if overlaps(c.start, c.end, earlier.start, earlier.end):
                problems.add(c.index, "effective_from", _overlap_message(
                    c, f"本批第 {earlier.index + 1} 条", f"draft #{earlier.index + 1} of this batch"),
                    ART_ONE_HOLDER)
        seen[key].append(c)


def _check_history(c: Checked, problems: Problems, today: date | None) -> None:
    """A revoked or expired row records a past term: its end is stated and already passed."""
    if c.status not in HISTORY_STATUSES or c.start is None:
        return
    word = "已撤销" if c.status == DelegationStatus.REVOKED else "已失效"
    if c.draft.effective_to is None:
        problems.add(c.index, "effective_to", f"{word}的委托/赋权须载明最后有效日期 / a {c.status.value} "
                     f"delegation needs its last day in force", ART_20)
    elif c.end is not None and today is not None and c.end >= today:
        problems.add(c.index, "effective_to", f"状态为{word}，但终止日期 {c.end} 未过（今天 {today}）；"
                     f"{word}的委托/赋权在终止后不再有效，请写明实际终止日期 / status {c.status.value} with "
                     f"a term running to {c.end}: give the day it actually ended", ART_20)


def run_checks(session: Session, drafts: list[DelegationDraft], *, lock: bool = False,
               today: date | None = None):
    """(problems, parsed drafts with their item and township) for a batch of drafts."""
    problems = Problems()
    checked = [parse_draft(i, d, problems) for i, d in enumerate(drafts)]
    _resolve(checked, session, problems, lock)
    for c in checked:
        _check_item_rules(c, problems)
        _check_history(c, problems, today)
    _check_officers(checked, session, problems)
    _check_overlaps(checked, session, problems)
    problems.sort(key=lambda p: p["index"])
    return list(problems), checked


def check_drafts(session: Session, drafts: list[DelegationDraft], *,
                 today: date | None = None) -> list[dict]:
    """Every problem of every draft at once, checked against the database and each other."""
    return run_checks(session, drafts, today=today)[0]
