"""Issue and fetch the official documents: 行政执法委托书 and 赋权决定, as .docx and HTML."""

from __future__ import annotations

import hashlib
import re
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import Delegation, Document, NumberSequence, Organization, PowerItem
from workflows.core.clock import SystemClock
from workflows.core.db import unit_of_work
from workflows.core.errors import NotFound, ValidationFailed
from workflows.core.numbering import next_number
from workflows.documents.render import ItemRow, OfficialText, render_docx, render_html

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML_MIME = "text/html; charset=utf-8"
COUNTY_PREFIX = "故"  # 故城县: first character of every county document number
# 机关代字 of the sample departments; an unknown organ falls back to two characters of its name.
ORGAN_CODES = {
    "农业农村": "农", "自然资源": "自然", "生态环境": "环", "城市管理": "城管", "消防": "消",
    "交通运输": "交", "水利": "水", "住房和城乡建设": "建", "市场监督": "市监", "税务": "税",
}


def organ_code(org: Organization) -> str:
    """The organ's 机关代字 used in its document numbers."""
    for needle, code in ORGAN_CODES.items():
        if needle in org.name:
            return code
    stem = org.name.replace("故城县", "").replace("县", "")
    return stem[:2]


def _highest_taken(session: Session, head: str) -> int:
    """The highest number of a series already used: issued here or imported with a delegation."""
    pattern = re.compile(rf"{re.escape(head)}(\d+)号")
    taken = list(session.scalars(select(Document.document_no).where(Document.document_no.like(f"{head}%"))))
    taken += session.scalars(select(Delegation.document_no).distinct()
                             .where(Delegation.document_no.like(f"{head}%")))
    return max((int(m.group(1)) for no in taken if (m := pattern.fullmatch(no))), default=0)


def next_document_no(session: Session, prefix: str, year: int) -> str:
    """The next 发文字号 of an issuer's series, e.g. 故城管委〔2026〕3号, from its sequence row.

    The sequence (per issuer and year, safe under concurrency) starts, and stays, above every
    number already in use, including those imported with historic delegations.
    """
    head = f"{prefix}〔{year}〕"
    scope = f"document:{prefix}"
    value = next_number(session, scope, year, floor=lambda: _highest_taken(session, head))
    highest = _highest_taken(session, head)  # a number imported after the sequence began
    if value <= highest:
        value = highest + 1
        session.execute(update(NumberSequence)
                        .where(NumberSequence.scope == scope, NumberSequence.year == year)
                        .values(last_value=value).execution_options(synchronize_session=False))
    return f"{head}{value}号"


def _items(session: Session, item_ids: list[int]) -> list[ItemRow]:
    rows = []
    for item_id in item_ids:
        item = session.get(PowerItem, item_id)
        if item is None:
            raise NotFound(f"未知事项：{item_id} / unknown item: {item_id}", item_id=item_id)
        rows.append(ItemRow(item.code, item.name_zh, item.legal_basis))
    return rows


def _org(session: Session, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(f"未知机构：{org_id} / unknown organization: {org_id}", org_id=org_id)
    return org


def store_renderings(session: Session, clock: SystemClock, kind: str, text: OfficialText, issuer_id: int,
           instance_id: int | None) -> list[Document]:
    stored = []
    for mime, ext, render in ((DOCX_MIME, "docx", render_docx), (HTML_MIME, "html", render_html)):
        content = render(text)
        doc = Document(kind=kind, title=text.title, document_no=text.document_no, mime=mime,
                       filename=f"{text.document_no}.{ext}", sha256=hashlib.sha256(content).hexdigest(),
                       content=content, size=len(content), organization_id=issuer_id,
                       instance_id=instance_id, created_at=clock.now())
        session.add(doc)
        stored.append(doc)
    session.flush()
    return stored


def summary_of(docs: list[Document]) -> dict:
    """JSON-native reference to both renderings, kept in process data."""
    return {"document_no": docs[0].document_no, "docx_id": docs[0].id, "html_id": docs[1].id,
            "docx_sha256": docs[0].sha256, "html_sha256": docs[1].sha256}


def entrustment_letter_text(session: Session, letter: dict, document_no: str,
                            issued_on: date) -> OfficialText:
    """The 行政执法委托书: 事项、权限、期限 and duties, as 行政处罚法 第20条 requires."""
    department, township = _org(session, letter["department_id"]), _org(session, letter["township_id"])
    if not letter.get("term_start") or not letter.get("term_end"):
        raise ValidationFailed({"term": ["委托书必须载明委托期限 / the letter must state its term"]})
    start, end = date.fromisoformat(letter["term_start"]), date.fromisoformat(letter["term_end"])
    period = f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"
    paragraphs = [
        f"根据《中华人民共和国行政处罚法》第二十条、第二十一条的规定，{department.name}（委托机关）"
        f"决定委托{township.name}（受委托组织）在本行政区域内以委托机关名义实施下列行政处罚事项。",
        f"一、委托权限：{letter['authority']}",
        f"二、委托期限：{period}。期限届满未续签的，委托自行终止。",
        f"三、双方责任：{letter['responsibilities']}委托机关对受委托组织实施行政处罚的行为"
        "负责监督，并对该行为的后果承担法律责任；受委托组织不得再委托其他组织或者个人实施行政处罚。",
        f"四、监督方式：{letter['supervision']}",
        "五、委托事项如下：",
    ]
    closing = ["本委托书由委托机关和受委托组织分别向社会公布。"]
    return OfficialText(
        issuer=department.name, document_no=document_no, title="行政执法委托书",
        addressee=township.name, paragraphs=paragraphs, items=_items(session, letter["item_ids"]),
        signatories=[department.name, township.name], issued_on=issued_on, closing=closing)


def grant_decision_text(session: Session, decision: dict, document_no: str,
                        issued_on: date) -> OfficialText:
    """The 赋权决定 of the county government, which 第24条 says shall be published."""
    county = _org(session, decision["county_id"])
    townships = [_org(session, t).name for t in decision["township_ids"]]
    effective = date.fromisoformat(decision["effective_on"])
    paragraphs = [
        # 第24条: the province decides; the county picks items from the province's list.
        "根据省人民政府依照《中华人民共和国行政处罚法》第二十四条作出的决定和乡镇赋权事项指导清单，"
        "经承接能力评估、合法性审查和集体研究"
        + ("，清单外事项已报经省人民政府批准" if decision.get("provincial_approval") else "")
        + f"，决定将下列县级人民政府部门的行政处罚权交由{'、'.join(townships)}行使。",
        f"上述事项自{effective.year}年{effective.month}月{effective.day}日起，由乡镇人民政府以自己的"
        "名义行使并承担相应法律责任；原部门不再在该乡镇行政区域内行使上述行政处罚权，此前已立案的案件由原部门继续办结。",
        "县直有关部门应当做好工作交接和业务培训，加强指导、协调和监督；县人民政府将定期组织评估。",
        "赋权事项如下：",
    ]
    return OfficialText(
        issuer=county.name, document_no=document_no, title="关于向乡镇赋予部分县级行政处罚权的决定",
        addressee="、".join(townships), paragraphs=paragraphs,
        items=_items(session, decision["item_ids"]), signatories=[county.name], issued_on=issued_on,
        closing=["本决定自公布之日起向社会公开。"])


def issue_entrustment_letter(session: Session, clock: SystemClock, letter: dict,
                             instance_id: int | None = None) -> dict:
    """Number, render and store a 委托书 (both renderings share one number)."""
    with unit_of_work(session):
        department = _org(session, letter["department_id"])
        today = clock.today()
        number = next_document_no(session, f"{COUNTY_PREFIX}{organ_code(department)}委", today.year)
        text = entrustment_letter_text(session, letter, number, today)
        return summary_of(store_renderings(session, clock, "entrustment_letter", text, department.id, instance_id))


def issue_grant_decision(session: Session, clock: SystemClock, decision: dict,
                         instance_id: int | None = None) -> dict:
    """Number, render and store a 赋权决定 of the county government."""
    with unit_of_work(session):
        today = clock.today()
        number = next_document_no(session, f"{COUNTY_PREFIX}政赋", today.year)
        text = grant_decision_text(session, decision, number, today)
        return summary_of(store_renderings(session, clock, "grant_decision", text, decision["county_id"], instance_id))


def get_document(session: Session, document_id: int) -> Document:
    """A stored rendering, byte-for-byte as issued."""
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound(f"未找到文书：{document_id} / unknown document: {document_id}",
                       document_id=document_id)
    return doc


def documents_of_instance(session: Session, instance_id: int) -> list[Document]:
    """Every document a process instance produced, oldest first."""
    query = select(Document).where(Document.instance_id == instance_id).order_by(Document.id)
    return list(session.scalars(query))
