"""The uniform enforcement documents of a case, filled from the case at its step, numbered and stored by sha256."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Case, Document, Evidence, PartyKind, User
from workflows.core.clock import SystemClock
from workflows.core.db import unit_of_work
from workflows.core.errors import NotFound, ValidationFailed
from workflows.core.numbering import next_number
from workflows.documents.issue import COUNTY_PREFIX, organ_code, store_renderings, summary_of
from workflows.documents.render import OfficialText
from workflows.documents.templates import DocumentTemplate, load_templates, render_text

PARTY_KIND_ZH = {PartyKind.CITIZEN: "公民", PartyKind.ORGANIZATION: "法人或者其他组织"}
DECISION = "penalty_decision"
PUBLIC_SUFFIX = "_public"  # the masked rendering published under 第48条
PUBLIC_MARK = "（公示）"


def _case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"未找到案件：{case_id} / unknown case: {case_id}", case_id=case_id)
    return case


def case_context(session: Session, case: Case) -> dict:
    """What every template may name about the case (JSON-native values only)."""
    officers = [{"name": session.get(User, o.user_id).display_name, "certificate": o.certificate_number}
                for o in case.officers]
    evidence = session.scalar(select(func.count()).select_from(Evidence).where(Evidence.case_id == case.id))
    return {"case_number": case.case_number, "party_name": case.party_name,
            "party_kind": PARTY_KIND_ZH[PartyKind(case.party_kind)], "item_code": case.item.code,
            "item_name": case.item.name_zh, "item_legal_basis": case.item.legal_basis or case.item.name_zh,
            "facts_summary": case.facts_summary, "filed_on": case.filed_on.isoformat(),
            "violation_on": case.violation_on.isoformat(), "subject": case.enforcement_subject_org.name,
            "handling_org": case.handling_org.name, "township": case.township.name, "officers": officers,
            "fine": str(case.fine_amount) if case.fine_amount is not None else None,
            "decided_on": case.decided_on.isoformat() if case.decided_on else None,
            "outside_benchmark_reason": case.outside_benchmark_reason, "evidence_count": evidence}


def mask_name(name: str) -> str:
    """公示 masking: keep the first character of a person's name; an organization keeps its name."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else name


def masked(context: dict, party_kind: str) -> dict:
    """The context as published: a citizen's name and any address masked (个人信息保护)."""
    out = dict(context)
    if PartyKind(party_kind) == PartyKind.CITIZEN:
        out["party_name"] = mask_name(context["party_name"])
    if out.get("party_address"):
        out["party_address"] = out["party_address"][:3] + "****"
    return out


def document_text(session: Session, case: Case, template: DocumentTemplate, facts: dict, document_no: str,
                  issued_on: date, *, public: bool = False) -> OfficialText:
    """The text of one document of the case; the same inputs give the same text (and bytes)."""
    context = case_context(session, case) | {k: v for k, v in facts.items() if v not in (None, "")}
    if public:
        context = masked(context, case.party_kind)
    subject = case.enforcement_subject_org.name  # the name the case runs in (第20条 for 委托)
    return render_text(template, context, issuer=subject, document_no=document_no, issued_on=issued_on,
                       signatories=[subject])


def document_number(session: Session, case: Case, template: DocumentTemplate, year: int) -> str:
    """故郑口罚决〔2026〕1号: from the organ's sequence for that document, never reused."""
    subject = case.enforcement_subject_org
    value = next_number(session, f"casedoc:{subject.id}:{template.code}", year)
    return f"{COUNTY_PREFIX}{organ_code(subject)}{template.code}〔{year}〕{value}号"


def issue_case_document(session: Session, clock: SystemClock, case_id: int, kind: str, facts: dict,
                        templates: dict[str, DocumentTemplate] | None = None) -> dict:
    """Fill, number, render (.docx and HTML) and store one document; a decision also gets its masked copy."""
    templates = templates or load_templates()
    if kind not in templates:
        raise ValidationFailed({"kind": [f"未知文书：{kind} / unknown document kind"]})
    template = templates[kind]
    with unit_of_work(session):
        case = _case(session, case_id)
        today = clock.today()
        # Checked before a number is taken, so a refused document leaves no gap in the sequence.
        document_text(session, case, template, facts, "—", today)
        number = document_number(session, case, template, today.year)
        text = document_text(session, case, template, facts, number, today)
        summary = summary_of(store_renderings(session, clock, kind, text, case.enforcement_subject_org_id, case.instance_id))
        if kind == DECISION:
            # Same decision, same number on its face; stored under a marked number (one row per number and type).
            public = replace(document_text(session, case, template, facts, number, today, public=True),
                             document_no=number + PUBLIC_MARK)
            summary["public"] = summary_of(store_renderings(session, clock, kind + PUBLIC_SUFFIX, public,
                                                case.enforcement_subject_org_id, case.instance_id))
        return summary | {"kind": kind, "title": template.title}


def case_documents(session: Session, case: Case) -> list[Document]:
    """Every document the case's procedure produced, oldest first."""
    if case.instance_id is None:
        return []
    return list(session.scalars(select(Document).where(Document.instance_id == case.instance_id)
                                .order_by(Document.id)))
