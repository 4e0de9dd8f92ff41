"""Delegation rules (domain.md §0, issue 2 "Bad input"): every refusal is clear and writes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Delegation, DelegationStatus, OrgKind, Role
from tests.support.registry_helpers import county, make_item, make_officers, make_org
from workflows.core.audit_verify import verify_chain
from workflows.core.errors import Conflict, LegalRuleViolation, NotFound, ValidationFailed
from workflows.registry.delegations import (
    DelegationDraft,
    add_delegations,
    check_drafts,
    revoke_delegation,
    set_delegation_status,
)
from workflows.registry.powers import who

D2026 = date(2026, 1, 1)
END = date(2027, 12, 31)


@pytest.fixture
def org(session):
    """A department, two townships (甲镇 with two certified officers) and a stationed agency."""
    c = county(session)
    c["item"] = make_item(session, "CF-1", c["dept"])
    return c


def grant(code="CF-1", town="甲镇", start=D2026, end=None, **kw) -> DelegationDraft:
    return DelegationDraft(code, town, "grant", start, end, **kw)


def entrust(code="CF-1", town="甲镇", start=D2026, end=END, **kw) -> DelegationDraft:
    return DelegationDraft(code, town, "entrust", start, end, **kw)


def counts(session) -> tuple[int, int]:
    """(delegations, audit events) — both must stay put when a write is refused."""
    return (session.scalar(select(func.count()).select_from(Delegation)),
            session.scalar(select(func.count()).select_from(AuditEvent)))


def refused(session, clock, drafts) -> list[dict]:
    """Run add_delegations expecting refusal; assert nothing was written; return the problems."""
    before = counts(session)
    with pytest.raises(ValidationFailed) as caught:
        add_delegations(session, clock, drafts)
    assert counts(session) == before
    assert caught.value.errors == check_drafts(session, drafts)
    return caught.value.errors


def test_valid_grant_is_written_with_one_audit_row(session, clock, org):
    rows = add_delegations(session, clock, [grant(document_no="故政字〔2026〕1号")], actor_user_id=7)
    assert counts(session) == (1, 1)
    event = session.scalars(select(AuditEvent)).one()
    assert (event.action, event.subject_id, event.actor_user_id) == ("delegation.added", str(rows[0].id), 7)
    assert rows[0].status == DelegationStatus.EFFECTIVE and rows[0].document_no == "故政字〔2026〕1号"
    assert verify_chain(session).ok


def test_unknown_item_code_is_named(session, clock, org):
    errors = refused(session, clock, [grant(code="NO-SUCH")])
    assert errors[0]["field"] == "item_code" and "NO-SUCH" in errors[0]["message"]


def test_unknown_township_is_named(session, clock, org):
    errors = refused(session, clock, [grant(town="不存在镇")])
    assert [e["field"] for e in errors] == ["township"] and "不存在镇" in errors[0]["message"]


def test_a_department_is_not_a_township(session, clock, org):
    errors = refused(session, clock, [grant(town="县城管局")])
    assert errors[0]["field"] == "township"


def test_mode_outside_the_catalogue_is_refused(session, clock, org):
    make_item(session, "CF-GRANT-ONLY", org["dept"], modes=["grant"])
    errors = refused(session, clock, [entrust(code="CF-GRANT-ONLY")])
    assert errors[0]["field"] == "mode" and "entrust" in errors[0]["message"]


def test_invalid_mode_status_and_cutover_values(session, clock, org):
    bad = DelegationDraft("CF-1", "甲镇", "gift", D2026, status="done", cutover_rule="never")
    fields = {e["field"] for e in refused(session, clock, [bad])}
    assert {"mode", "status", "cutover_rule"} <= fields


def test_end_before_start_is_refused(session, clock, org):
    errors = refused(session, clock, [grant(start=date(2026, 5, 1), end=date(2026, 4, 30))])
    assert errors[0]["field"] == "effective_to" and "2026-04-30" in errors[0]["message"]


def test_end_on_the_start_day_is_one_day_in_force(session, clock, org):
    add_delegations(session, clock, [grant(start=date(2026, 5, 1), end=date(2026, 5, 1))])
    assert who(session, "CF-1", "甲镇", date(2026, 5, 1)).mode == "grant"
    assert who(session, "CF-1", "甲镇", date(2026, 5, 2)).mode == "assist"


def test_malformed_date_is_refused_and_iso_string_accepted(session, clock, org):
    errors = refused(session, clock, [grant(start="2026-13-01")])
    assert errors[0]["field"] == "effective_from" and "2026-13-01" in errors[0]["message"]
    rows = add_delegations(session, clock, [grant(start="2026-02-01")])
    assert rows[0].effective_from == date(2026, 2, 1)


def test_entrustment_without_end_date_is_refused_art20(session, clock, org):
    """行政处罚法 第20条: the 委托书 states the term (期限) of the entrustment."""
    errors = refused(session, clock, [entrust(end=None)])
    assert errors[0]["field"] == "effective_to" and errors[0]["article"] == "行政处罚法 第20条"


@pytest.mark.parametrize("mode", ["grant", "entrust"])
def test_power_restricting_personal_liberty_never_goes_to_a_township_art18(session, clock, org, mode):
    """行政处罚法 第18条: only public security may restrict personal liberty."""
    make_item(session, "JL-1", org["dept"], liberty=True)
    errors = refused(session, clock, [DelegationDraft("JL-1", "甲镇", mode, D2026, END)])
    assert any(e["article"] == "行政处罚法 第18条" for e in errors if "article" in e)


def test_township_may_still_assist_on_a_liberty_power_art18(session, clock, org):
    """行政处罚法 第18条 forbids moving the power, not the township's assistance."""
    make_item(session, "JL-2", org["dept"], liberty=True)
    add_delegations(session, clock, [DelegationDraft("JL-2", "甲镇", "assist", D2026)])
    assert who(session, "JL-2", "甲镇", D2026).enforcement_subject.id == org["dept"].id


def test_stationed_agency_cannot_entrust_onward_art20(session, clock, org):
    """行政处罚法 第20条 不得再委托: a stationed agency is not the original department."""
    make_item(session, "ZD-1", org["stationed"])
    errors = refused(session, clock, [entrust(code="ZD-1")])
    assert errors[0]["field"] == "item_code" and errors[0]["article"] == "行政处罚法 第20条"


def test_township_cannot_entrust_an_item_onward_art20(session, clock, org):
    """行政处罚法 第20条 不得再委托: an item held by a township cannot be entrusted again."""
    make_item(session, "XZ-1", org["other"])
    errors = refused(session, clock, [entrust(code="XZ-1")])
    assert any(e.get("article") == "行政处罚法 第20条" for e in errors)


def test_entrusted_township_needs_two_certified_officers_art21(session, clock, org):
    """行政处罚法 第21条: the entrusted body needs staff with 行政执法资格."""
    errors = refused(session, clock, [entrust(town="乙乡")])
    assert errors[0]["article"] == "行政处罚法 第21条" and "0" in errors[0]["message"]
    make_officers(session, org["other"], 1)
    assert "1" in refused(session, clock, [entrust(town="乙乡")])[0]["message"]
    make_officers(session, org["other"], 1, valid_until=date(2031, 1, 1))
    assert add_delegations(session, clock, [entrust(town="乙乡")])


def test_certificates_must_be_valid_on_the_first_day_art21(session, clock, org):
    """行政处罚法 第21条: expired, future or revoked certificates do not count."""
    make_officers(session, org["other"], 1, valid_until=date(2025, 12, 31))
    make_officers(session, org["other"], 1, issued_on=date(2026, 6, 1))
    user = make_officers(session, org["other"], 1, valid_until=date(2032, 1, 1))[0]
    make_officers(session, org["other"], 1, role=Role.TOWNSHIP_LEADER)
    user.certificates[0].revoked_on = date(2025, 6, 1)
    session.commit()
    refused(session, clock, [entrust(town="乙乡")])


def test_officers_of_the_township_enforcement_team_count_art21(session, clock, org):
    """行政处罚法 第21条: officers may sit in the township's 综合行政执法队."""
    team = make_org(session, "乙乡综合行政执法队", OrgKind.TOWNSHIP_ORGAN, township_id=org["other"].id,
                    parent_id=org["other"].id)
    make_officers(session, team, 2)
    assert add_delegations(session, clock, [entrust(town="乙乡")])


def test_overlap_with_a_delegation_in_force_is_refused(session, clock, org):
    add_delegations(session, clock, [entrust(document_no="故城管委〔2026〕1号")])
    errors = refused(session, clock, [grant(start=date(2027, 6, 1))])
    assert errors[0]["field"] == "effective_from" and "2027-12-31" in errors[0]["message"]


def test_overlap_within_one_batch_is_refused(session, clock, org):
    errors = refused(session, clock, [entrust(), grant(start=date(2027, 1, 1))])
    assert errors == [e for e in errors if e["index"] == 1] and "#1 of this batch" in errors[0]["message"]


def test_adjacent_periods_do_not_overlap(session, clock, org):
    rows = add_delegations(session, clock, [
        entrust(start=date(2024, 1, 1), end=date(2025, 12, 31), status="expired"), entrust()])
    assert len(rows) == 2


def test_proposals_do_not_block_but_cannot_come_into_force_over_a_row(session, clock, org):
    proposal = add_delegations(session, clock, [grant(status="proposed")])[0]
    add_delegations(session, clock, [entrust()])
    with pytest.raises(Conflict):
        set_delegation_status(session, clock, proposal.id, "effective")
    assert session.get(Delegation, proposal.id).status == DelegationStatus.PROPOSED


def test_every_problem_of_every_draft_is_reported_at_once(session, clock, org):
    drafts = [grant(code="NOPE"), entrust(end=None, town="乙乡"), grant(start="bad")]
    errors = refused(session, clock, drafts)
    assert {e["index"] for e in errors} == {0, 1, 2}
    assert {e.get("article") for e in errors if e["index"] == 1} >= {"行政处罚法 第20条", "行政处罚法 第21条"}


def test_revocation_closes_the_period_and_keeps_history(session, clock, org):
    row = add_delegations(session, clock, [grant()])[0]
    revoke_delegation(session, clock, row.id, on=date(2026, 7, 1), reason="评估后回收 / withdrawn")
    row = session.get(Delegation, row.id)
    assert (row.status, row.effective_to) == (DelegationStatus.REVOKED, date(2026, 6, 30))
    assert who(session, "CF-1", "甲镇", date(2026, 6, 30)).mode == "grant"
    assert who(session, "CF-1", "甲镇", date(2026, 7, 1)).mode == "assist"
    assert counts(session) == (1, 2) and verify_chain(session).ok
    refused(session, clock, [grant(start=date(2026, 6, 1))])  # history still blocks overlaps


def test_revocation_needs_a_reason_and_writes_nothing_without_it(session, clock, org):
    row = add_delegations(session, clock, [grant()])[0]
    before = counts(session)
    with pytest.raises(ValidationFailed):
        revoke_delegation(session, clock, row.id, on=date(2026, 7, 1), reason="  ")
    assert counts(session) == before and session.get(Delegation, row.id).effective_to is None


def test_revocation_of_unknown_or_finished_rows(session, clock, org):
    with pytest.raises(NotFound):
        revoke_delegation(session, clock, 999, on=D2026, reason="x")
    row = add_delegations(session, clock, [entrust()])[0]
    with pytest.raises(Conflict):
        revoke_delegation(session, clock, row.id, on=date(2028, 3, 1), reason="too late")
    revoke_delegation(session, clock, row.id, on=date(2026, 3, 1), reason="x")
    with pytest.raises(Conflict):
        revoke_delegation(session, clock, row.id, on=date(2026, 2, 1), reason="again")


def test_status_lifecycle_and_bad_transitions(session, clock, org):
    row = add_delegations(session, clock, [grant(status="proposed")])[0]
    for status in ("in_review", "approved", "published", "effective", "suspended", "effective"):
        set_delegation_status(session, clock, row.id, status)
    assert counts(session) == (1, 7)
    with pytest.raises(Conflict):
        set_delegation_status(session, clock, row.id, "proposed")
    with pytest.raises(Conflict):
        set_delegation_status(session, clock, row.id, "revoked")
    with pytest.raises(ValidationFailed):
        set_delegation_status(session, clock, row.id, "bogus")
    assert counts(session) == (1, 7)


def test_suspended_delegation_is_not_in_force(session, clock, org):
    row = add_delegations(session, clock, [grant()])[0]
    set_delegation_status(session, clock, row.id, "suspended")
    assert who(session, "CF-1", "甲镇", date(2026, 3, 1)).mode == "assist"


def test_entrustment_cannot_come_into_force_after_officers_lapse_art21(session, clock, org):
    """行政处罚法 第21条 is checked again when a proposal comes into force."""
    make_officers(session, org["other"], 2, valid_until=date(2026, 12, 31))
    row = add_delegations(session, clock, [entrust(town="乙乡", status="approved")])[0]
    row.effective_from = date(2027, 1, 1)  # the start moved after the certificates lapse
    session.commit()
    with pytest.raises(LegalRuleViolation) as caught:
        set_delegation_status(session, clock, row.id, "effective")
    assert caught.value.article == "行政处罚法 第21条"
    assert session.get(Delegation, row.id).status == DelegationStatus.APPROVED


def test_a_withdrawn_proposal_never_counts_as_in_force(session, clock, org):
    """A withdrawn proposal keeps no inverted period: revoked, no end, counted on no day."""
    proposal = add_delegations(session, clock, [grant(status="proposed")])[0]
    revoke_delegation(session, clock, proposal.id, on=date(2026, 6, 1), reason="撤回提议 / withdrawn")
    row = session.get(Delegation, proposal.id)
    assert (row.status, row.effective_to) == (DelegationStatus.REVOKED, None)
    assert who(session, "CF-1", "甲镇", date(2026, 3, 1)).mode == "assist"
    assert add_delegations(session, clock, [grant(start=date(2025, 6, 1))])  # no false overlap


def test_revoked_before_it_began_stores_no_inverted_period_art20(session, clock, org):
    """Issue 12 point 1 (第20条 期限): revoked from its first day, the row ends before it began
    without storing effective_to < effective_from; it counts on no day."""
    row = add_delegations(session, clock, [grant(start=date(2026, 9, 1))])[0]
    revoke_delegation(session, clock, row.id, on=date(2026, 9, 1), reason="未实施即回收 / withdrawn")
    stored = session.get(Delegation, row.id)
    assert stored.effective_to is None and stored.status == DelegationStatus.REVOKED
    assert who(session, "CF-1", "甲镇", date(2026, 9, 1)).mode == "assist"
    assert who(session, "CF-1", "甲镇", date(2035, 1, 1)).mode == "assist"
    assert add_delegations(session, clock, [grant(start=date(2026, 10, 1))])  # no false overlap
    assert who(session, "CF-1", "甲镇", date(2026, 9, 1)).mode == "assist"
