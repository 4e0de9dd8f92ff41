"""The power registry answers every case of domain.md §0 (grant, entrust, statutory, assist)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from models import Delegation, DelegationMode, DelegationStatus, ItemCategory
from tests.support.registry_helpers import county, make_item
from workflows.core.db import unit_of_work
from workflows.core.errors import LegalRuleViolation, NotFound
from workflows.registry.delegations import DelegationDraft, add_delegations, revoke_delegation
from workflows.registry.powers import department_may_act, power_list, responsibility_list, who

ON = date(2026, 3, 2)


@pytest.fixture
def org(session):
    """A department, townships 甲镇 (certified officers) and 乙乡, and four items."""
    c = county(session)
    c["inspect"] = make_item(session, "JC-1", c["dept"], category=ItemCategory.INSPECTION)
    c["coerce"] = make_item(session, "QZ-1", c["dept"], category=ItemCategory.COERCION)
    c["penalty"] = make_item(session, "CF-1", c["dept"], related=[c["inspect"], c["coerce"]])
    c["other_item"] = make_item(session, "CF-2", c["dept"])
    return c


def add(session, clock, code, mode, start=date(2026, 1, 1), end=None, town="甲镇", **kw):
    return add_delegations(session, clock, [DelegationDraft(code, town, mode, start, end, **kw)])[0]


def test_grant_makes_the_township_subject_responsible_and_actor_art24(session, clock, org):
    """行政处罚法 第24条: a granted power is exercised in the township's own name."""
    row = add(session, clock, "CF-1", "grant", document_no="故政字〔2020〕18号")
    c = who(session, "CF-1", "甲镇", ON)
    town = org["town"].id
    assert (c.enforcement_subject.id, c.responsible_subject.id, c.acting_org.id) == (town, town, town)
    assert c.assisting_org is None and c.delegation_id == row.id
    assert c.document_no == "故政字〔2020〕18号" and "第24条" in c.basis


def test_entrustment_township_acts_in_the_departments_name_art20(session, clock, org):
    """行政处罚法 第20条: the township acts in the entrusting department's name; it answers."""
    add(session, clock, "CF-1", "entrust", end=date(2027, 12, 31), document_no="故城管委〔2026〕1号")
    c = who(session, "CF-1", "甲镇", ON)
    assert c.acting_org.id == org["town"].id
    assert c.enforcement_subject.id == c.responsible_subject.id == org["dept"].id
    assert c.mode == "entrust" and "第20" in c.basis


def test_statutory_township_power_belongs_to_the_township(session, clock, org):
    """乡镇法定职权 (e.g. 城乡规划法 第65条): the township, by law, without any delegation."""
    add(session, clock, "CF-1", "statutory")
    c = who(session, "CF-1", "甲镇", ON)
    assert c.enforcement_subject.id == c.responsible_subject.id == c.acting_org.id == org["town"].id


def test_nothing_delegated_department_acts_township_assists_art22(session, clock, org):
    """行政处罚法 第22、23条: without a delegation the county department keeps jurisdiction."""
    c = who(session, "CF-2", "甲镇", ON)
    assert c.mode == "assist" and c.delegation_id is None
    assert c.enforcement_subject.id == c.acting_org.id == org["dept"].id
    assert c.assisting_org.id == org["town"].id


def test_assist_row_keeps_the_department_in_charge(session, clock, org):
    row = add(session, clock, "CF-2", "assist", document_no="协助1号")
    c = who(session, "CF-2", "甲镇", ON)
    assert (c.mode, c.delegation_id, c.acting_org.id, c.assisting_org.id) == (
        "assist", row.id, org["dept"].id, org["town"].id)


def test_a_delegation_covers_only_its_township(session, clock, org):
    add(session, clock, "CF-1", "grant")
    assert who(session, "CF-1", "乙乡", ON).mode == "assist"


def test_effective_to_is_the_inclusive_last_day(session, clock, org):
    add(session, clock, "CF-1", "entrust", start=date(2024, 1, 1), end=date(2025, 12, 31),
        status="expired", document_no="故城管委〔2024〕1号")
    add(session, clock, "CF-1", "entrust", start=date(2026, 1, 1), end=date(2027, 12, 31),
        document_no="故城管委〔2026〕1号")
    assert who(session, "CF-1", "甲镇", date(2023, 12, 31)).mode == "assist"
    assert who(session, "CF-1", "甲镇", date(2025, 12, 31)).document_no == "故城管委〔2024〕1号"
    assert who(session, "CF-1", "甲镇", date(2026, 1, 1)).document_no == "故城管委〔2026〕1号"
    assert who(session, "CF-1", "甲镇", date(2027, 12, 31)).mode == "entrust"
    assert who(session, "CF-1", "甲镇", date(2028, 1, 1)).mode == "assist"


def test_proposed_rows_are_not_in_force(session, clock, org):
    add(session, clock, "CF-1", "grant", status="approved")
    assert who(session, "CF-1", "甲镇", ON).mode == "assist"


def test_related_inspection_and_coercion_travel_with_the_penalty(session, clock, org):
    """Related 行政检查/行政强制 go with a granted penalty power (domain.md §0)."""
    row = add(session, clock, "CF-1", "grant")
    for code in ("JC-1", "QZ-1"):
        c = who(session, code, "甲镇", ON)
        assert (c.mode, c.delegation_id, c.via_item_code) == ("grant", row.id, "CF-1")
        assert c.enforcement_subject.id == org["town"].id and c.item_code == code


def test_related_power_with_its_own_delegation_answers_by_it(session, clock, org):
    add(session, clock, "CF-1", "entrust", end=date(2027, 12, 31))
    own = add(session, clock, "JC-1", "assist")
    c = who(session, "JC-1", "甲镇", ON)
    assert (c.mode, c.delegation_id, c.via_item_code) == ("assist", own.id, None)
    # 行政强制法 第17条: the coercion item does not follow an entrustment.
    assert who(session, "QZ-1", "甲镇", ON).via_item_code is None


def test_related_power_does_not_follow_a_parent_that_is_only_assisted(session, clock, org):
    add(session, clock, "CF-1", "assist")
    assert who(session, "JC-1", "甲镇", ON).delegation_id is None


def test_who_accepts_id_full_name_and_short_name(session, clock, org):
    add(session, clock, "CF-1", "grant")
    for ref in (org["town"].id, str(org["town"].id), "甲镇人民政府", "甲镇", " 甲镇 "):
        assert who(session, "CF-1", ref, ON).mode == "grant"


def test_who_names_an_unknown_item_or_township(session, org):
    with pytest.raises(NotFound, match="NO-SUCH"):
        who(session, "NO-SUCH", "甲镇", ON)
    with pytest.raises(NotFound, match="丙镇"):
        who(session, "CF-1", "丙镇", ON)
    with pytest.raises(NotFound):
        who(session, "CF-1", "县城管局", ON)  # a department is not a township


def test_power_list_answers_every_item_like_who(session, clock, org):
    add(session, clock, "CF-1", "grant", document_no="故政字〔2020〕18号")
    add(session, clock, "CF-2", "entrust", end=date(2027, 12, 31))
    listed = power_list(session, "甲镇", ON)
    assert [c.item_code for c in listed] == ["CF-1", "CF-2", "JC-1", "QZ-1"]
    assert listed == [who(session, c.item_code, "甲镇", ON) for c in listed]
    assert [c.mode for c in power_list(session, "乙乡", ON)] == ["assist"] * 4


def test_responsibility_list_names_the_accountable_organ(session, clock, org):
    """Grant: township answers (第24条); entrust: department supervises and answers (第20条)."""
    add(session, clock, "CF-1", "grant")
    add(session, clock, "CF-2", "entrust", end=date(2027, 12, 31))
    rows = {r["item_code"]: r for r in responsibility_list(session, "甲镇", ON)}
    dept, town = org["dept"].name, org["town"].name
    assert (rows["CF-1"]["accountable_org"], rows["CF-1"]["supervising_org"]) == (town, dept)
    assert (rows["CF-2"]["accountable_org"], rows["CF-2"]["supervising_org"]) == (dept, dept)
    assert rows["JC-1"]["accountable"] == "township"
    assert "不得再委托" in rows["CF-2"]["township_duties"]
    assert all(isinstance(v, str | None) for r in rows.values() for v in r.values())


def test_department_cannot_act_once_a_grant_is_effective_art24(session, clock, org):
    """行政处罚法 第24条: after a grant the township, not the department, is competent."""
    add(session, clock, "CF-1", "grant", document_no="故政字〔2020〕18号")
    with pytest.raises(LegalRuleViolation) as caught:
        department_may_act(session, "CF-1", "甲镇", ON)
    assert caught.value.article == "行政处罚法 第24条"
    assert caught.value.details["competent_org"] == org["town"].name
    assert org["town"].name in caught.value.message
    with pytest.raises(LegalRuleViolation):  # the related inspection goes with it
        department_may_act(session, "JC-1", "甲镇", ON)


def test_cases_filed_before_the_grant_stay_with_the_department_art24(session, clock, org):
    """行政处罚法 第24条 cut-over (filed_cases_stay): earlier cases are finished by the department."""
    add(session, clock, "CF-1", "grant")
    c = department_may_act(session, "CF-1", "甲镇", ON, case_filed_on=date(2025, 12, 31))
    assert c.mode == "grant"
    with pytest.raises(LegalRuleViolation):
        department_may_act(session, "CF-1", "甲镇", ON, case_filed_on=date(2026, 1, 1))


def test_immediate_cutover_moves_even_earlier_cases_art24(session, clock, org):
    add(session, clock, "CF-1", "grant", cutover_rule="immediate")
    with pytest.raises(LegalRuleViolation):
        department_may_act(session, "CF-1", "甲镇", ON, case_filed_on=date(2025, 6, 1))


def test_lapse_after_days_cutover_gives_the_department_n_days_art24(session, clock, org):
    add(session, clock, "CF-1", "grant", cutover_rule="lapse_after_days", cutover_days=30)
    old_case = date(2025, 11, 1)
    assert department_may_act(session, "CF-1", "甲镇", date(2026, 1, 30), case_filed_on=old_case)
    with pytest.raises(LegalRuleViolation):
        department_may_act(session, "CF-1", "甲镇", date(2026, 1, 31), case_filed_on=old_case)


def test_department_keeps_the_power_when_entrusting_art20(session, clock, org):
    """行政处罚法 第20条: the entrusting department keeps the power and supervises."""
    add(session, clock, "CF-1", "entrust", end=date(2027, 12, 31))
    assert department_may_act(session, "CF-1", "甲镇", ON).enforcement_subject.id == org["dept"].id
    assert department_may_act(session, "CF-2", "甲镇", ON).mode == "assist"


def test_department_acts_again_after_a_grant_is_revoked(session, clock, org):
    row = add(session, clock, "CF-1", "grant")
    revoke_delegation(session, clock, row.id, on=date(2026, 3, 1), reason="回收 / withdrawn")
    assert department_may_act(session, "CF-1", "甲镇", ON).mode == "assist"


def test_department_cannot_act_on_a_statutory_township_power(session, clock, org):
    add(session, clock, "CF-1", "statutory")
    with pytest.raises(LegalRuleViolation):
        department_may_act(session, "CF-1", "甲镇", ON)


def test_cli_who_and_list_on_the_gucheng_sample(session, engine, clock):
    """`quanze registry who|list` on the sample: Chinese names, --on, --json, clear errors."""
    from click.testing import CliRunner

    from web.cli.registry import registry_group
    from web.cli.state import CliState
    from workflows.sample.gucheng import load_gucheng_sample

    load_gucheng_sample(session, clock)
    state = CliState(database_url="unused", clock=clock)
    state.__dict__["engine"] = engine  # the test database, on SQLite or PostgreSQL
    run = CliRunner().invoke

    result = run(registry_group, ["who", "--item", "ILLUS-CF-NYNC-02", "--township", "郑口镇",
                                  "--json"], obj=state)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert (answer["mode"], answer["document_no"], answer["on"]) == (
        "entrust", "故农委〔2026〕2号", "2026-03-02")
    assert answer["enforcement_subject"]["name"] == "故城县农业农村局"

    result = run(registry_group, ["who", "--item", "ILLUS-CF-NYNC-02", "--township", "郑口镇",
                                  "--on", "2025-12-31"], obj=state)
    assert "故农委〔2024〕" in result.output and "委托 / entrust" in result.output

    result = run(registry_group, ["list", "--township", "里老乡", "--on", "2020-07-01", "--json"],
                 obj=state)
    rows = json.loads(result.output)
    granted = [r for r in rows if r["mode"] == "grant"]
    assert granted and all(r["document_no"] == "故政字〔2020〕18号" for r in granted)
    assert not [r for r in rows if r["mode"] == "entrust"]  # entrusted only to 郑口镇 and 青罕镇

    result = run(registry_group, ["who", "--item", "NO-SUCH", "--township", "郑口镇"], obj=state)
    assert result.exit_code == 2 and "NO-SUCH" in result.output


def test_who_reads_inside_the_callers_transaction(session, clock, org):
    """`who` runs on the session's connection: it sees uncommitted rows and forgets rolled-back ones."""
    with pytest.raises(RuntimeError), unit_of_work(session):
        add(session, clock, "CF-1", "grant")  # joins the outer unit of work, not committed yet
        assert who(session, "CF-1", "甲镇", ON).mode == "grant"
        raise RuntimeError("abandon the use case")
    assert who(session, "CF-1", "甲镇", ON).mode == "assist"


def test_who_sees_rows_pending_in_the_session(session, clock, org):
    """Like an ORM query, `who` flushes first, so an added but unflushed row counts."""
    session.add(Delegation(item_id=org["penalty"].id, township_id=org["town"].id,
                           mode=DelegationMode.GRANT, status=DelegationStatus.EFFECTIVE,
                           effective_from=date(2026, 1, 1), created_at=clock.now(),
                           updated_at=clock.now()))
    assert who(session, "CF-1", "甲镇", ON).mode == "grant"
    assert power_list(session, "甲镇", ON)[0].mode == "grant"
