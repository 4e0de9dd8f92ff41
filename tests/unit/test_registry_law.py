"""Issue 12 points 1–6 in the registry: status, entrusting organ, coercion, law in force,
overlaps in flight, unique 发文字号 (行政处罚法 第16/18/20/24条 2017/2021, 行政强制法 第17条)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import Delegation, DelegationStatus, Document, ItemCategory, OrgKind
from tests.support.concurrency import run_together
from tests.support.procedure_world import in_transaction
from tests.support.registry_helpers import county, make_item, make_org
from workflows.core.errors import Conflict, ValidationFailed
from workflows.documents.issue import issue_entrustment_letter
from workflows.registry.delegations import (
    DelegationDraft,
    add_delegations,
    set_delegation_status,
)
from workflows.registry.powers import power_list, who

ON = date(2026, 3, 2)


@pytest.fixture
def org(session):
    """县城管局 holds CF-1 with a related inspection JC-1 and coercion QZ-1."""
    c = county(session)
    jc = make_item(session, "JC-1", c["dept"], category=ItemCategory.INSPECTION)
    qz = make_item(session, "QZ-1", c["dept"], category=ItemCategory.COERCION)
    c["item"] = make_item(session, "CF-1", c["dept"], related=[jc, qz])
    return c


def draft(code="CF-1", mode="grant", start=date(2026, 1, 1), end=None, **kw) -> DelegationDraft:
    return DelegationDraft(code, "甲镇", mode, start, end, **kw)


def problems_of(session, clock, drafts) -> list[dict]:
    """add_delegations refused: nothing written, the problems returned."""
    before = session.scalar(select(func.count(Delegation.id)))
    with pytest.raises(ValidationFailed) as caught:
        add_delegations(session, clock, drafts)
    assert session.scalar(select(func.count(Delegation.id))) == before
    return caught.value.errors


def test_expiring_an_open_or_running_term_is_refused_art20(session, clock, org):
    """Point 1 (第20条 期限): 已失效 only records a term that has ended; else revoke it."""
    row = add_delegations(session, clock, [draft()])[0]
    with pytest.raises(Conflict):
        set_delegation_status(session, clock, row.id, "expired")
    assert session.get(Delegation, row.id).status == DelegationStatus.EFFECTIVE
    assert who(session, "CF-1", "甲镇", date(2035, 1, 1)).mode == "grant"


def test_a_revoked_row_never_counts_without_an_end_even_if_written_directly(session, clock, org):
    """Point 1: the registry query itself ignores an open-ended revoked row (defence in depth)."""
    row = add_delegations(session, clock, [draft()])[0]
    row.status, row.effective_to = DelegationStatus.REVOKED, None
    session.commit()
    assert who(session, "CF-1", "甲镇", ON).mode == "assist"
    assert {c.item_code: c.mode for c in power_list(session, "甲镇", ON)}["CF-1"] == "assist"


def test_inverted_period_is_refused_by_the_database(session, clock, org):
    """Point 1: ck_delegations_period_ordered — no row ends before it begins."""
    row = add_delegations(session, clock, [draft()])[0]
    row.effective_to = date(2025, 12, 31)
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_another_department_named_as_entrusting_organ_is_refused_art20(session, clock, org):
    """Point 2 (第20条 在其法定权限内): only the item's own department entrusts it."""
    make_org(session, "县农业农村局", OrgKind.COUNTY_DEPARTMENT)
    errors = problems_of(session, clock, [draft(mode="entrust", end=date(2026, 12, 31),
                                                entrusting_org="县农业农村局")])
    assert [(e["field"], e.get("article")) for e in errors] == [("entrusting_org", "行政处罚法 第20条")]


def test_grant_naming_an_entrusting_organ_is_refused_art20(session, clock, org):
    """Point 2: a grant has no 委托机关; the name is not ignored."""
    errors = problems_of(session, clock, [draft(entrusting_org="县城管局")])
    assert [(e["field"], e.get("article")) for e in errors] == [("entrusting_org", "行政处罚法 第20条")]


def test_public_security_bureau_may_entrust_its_own_item_art20(session, clock, org):
    """Point 2: the bureau is the item's own organ — its entrustment is not a re-entrustment."""
    bureau = make_org(session, "县公安局", OrgKind.PUBLIC_SECURITY)
    make_item(session, "GA-2", bureau)
    rows = add_delegations(session, clock, [draft("GA-2", "entrust", end=date(2026, 12, 31),
                                                  entrusting_org="县公安局")])
    assert who(session, "GA-2", "甲镇", ON).enforcement_subject.id == bureau.id and rows


def test_coercion_follows_a_grant_not_an_entrustment_行政强制法第17条(session, clock, org):
    """Point 3 (行政强制法 第17条): the coercion item stays with the department under an
    entrustment; the inspection item travels as before."""
    add_delegations(session, clock, [draft(mode="entrust", end=date(2026, 12, 31))])
    assert who(session, "QZ-1", "甲镇", ON).mode == "assist"
    assert who(session, "QZ-1", "甲镇", ON).enforcement_subject.id == org["dept"].id
    assert who(session, "JC-1", "甲镇", ON).mode == "entrust"
    listed = {c.item_code: c.mode for c in power_list(session, "甲镇", ON)}
    assert (listed["QZ-1"], listed["JC-1"]) == ("assist", "entrust")


def test_coercion_travels_with_a_granted_penalty_行政强制法第17条第2款(session, clock, org):
    """Point 3 (第17条第2款): 相对集中行政处罚权 carries the related coercive measures."""
    row = add_delegations(session, clock, [draft()])[0]
    answer = who(session, "QZ-1", "甲镇", ON)
    assert (answer.mode, answer.delegation_id, answer.via_item_code) == ("grant", row.id, "CF-1")


def test_direct_entrustment_of_a_coercion_item_is_refused_行政强制法第17条(session, clock, org):
    errors = problems_of(session, clock, [draft("QZ-1", "entrust", end=date(2026, 12, 31))])
    assert ("mode", "行政强制法 第17条") in {(e["field"], e.get("article")) for e in errors}


def test_registry_basis_is_the_law_in_force_on_the_delegation_date(session, clock, org):
    """Point 4: 2021-07-14 → 2017 text 第16条 with the decision; 2021-07-15 → 第24条."""
    make_item(session, "CF-2", org["dept"])
    add_delegations(session, clock, [draft(start=date(2021, 7, 14), document_no="故政字〔2021〕3号"),
                                     draft("CF-2", start=date(2021, 7, 15))])
    before = who(session, "CF-1", "甲镇", ON).basis
    assert "第16条" in before and "故政字〔2021〕3号" in before and "第24条" not in before
    assert who(session, "CF-2", "甲镇", ON).basis.startswith("行政处罚法 第24条")


def test_approving_a_clashing_row_is_refused_naming_the_other(session, clock, org):
    """Point 5: an approved row not yet in force blocks another approval of the same pair."""
    second = add_delegations(session, clock, [draft(start=date(2026, 9, 1), status="proposed")])[0]
    first = add_delegations(session, clock, [draft(start=date(2026, 7, 1), status="approved",
                                                   document_no="故政赋〔2026〕5号")])[0]
    with pytest.raises(Conflict) as caught:
        set_delegation_status(session, clock, second.id, "approved")
    assert caught.value.details["clash"]["delegation_id"] == first.id and "故政赋〔2026〕5号" in str(caught.value)
    assert session.get(Delegation, second.id).status == DelegationStatus.PROPOSED


def _letter(org, item_id) -> dict:
    return {"department_id": org["dept"].id, "township_id": org["town"].id, "item_ids": [item_id],
            "authority": "实施所列行政处罚", "term_start": "2026-04-01", "term_end": "2026-12-31",
            "responsibilities": "以委托机关名义实施。", "supervision": "每季度评查案卷。"}


def test_first_new_letter_is_numbered_above_imported_numbers(session, clock, org):
    """Point 6: the sequence starts above 故城管委〔2026〕7号 already imported with a delegation."""
    add_delegations(session, clock, [draft(mode="entrust", end=date(2026, 12, 31), source="import",
                                           document_no="故城管委〔2026〕7号")])
    issued = in_transaction(session, issue_entrustment_letter, session, clock, _letter(org, org["item"].id))
    assert issued["document_no"] == "故城管委〔2026〕8号"
    make_item(session, "CF-3", org["dept"])  # imported later, above the sequence: still skipped
    add_delegations(session, clock, [DelegationDraft("CF-3", "乙乡", "assist", date(2026, 1, 1),
                                                     document_no="故城管委〔2026〕20号")])
    again = in_transaction(session, issue_entrustment_letter, session, clock, _letter(org, org["item"].id))
    assert again["document_no"] == "故城管委〔2026〕21号"


def test_the_same_number_cannot_be_stored_twice(session, clock, org):
    """Point 6: uq_documents_number_mime — one 发文字号 per rendering kind."""
    issued = in_transaction(session, issue_entrustment_letter, session, clock, _letter(org, org["item"].id))
    copy = session.get(Document, issued["docx_id"])
    session.add(Document(kind=copy.kind, title=copy.title, document_no=copy.document_no, mime=copy.mime,
                         filename="x.docx", sha256=copy.sha256, content=b"x", size=1,
                         organization_id=copy.organization_id, created_at=copy.created_at))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_concurrent_issues_never_share_a_number(session_factory, session, clock, org):
    """Point 6: two sessions issuing at once get two numbers (sequence row, not max + 1)."""
    letter = _letter(org, org["item"].id)
    session.close()

    def take():
        with session_factory() as s:
            return in_transaction(s, issue_entrustment_letter, s, clock, letter)["document_no"]

    taken = run_together(take, times=3)
    assert len(set(taken)) == 6
