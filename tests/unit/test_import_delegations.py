"""Importing a county's existing delegations: documents and dates kept, all rows or none."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from models import AuditEvent, CutoverRule, Delegation, DelegationMode, DelegationStatus
from tests.support.cli import cli_state
from tests.support.sheets import write_csv, write_xlsx
from web.cli.catalogue import import_delegations_cmd
from workflows.core.errors import ValidationFailed
from workflows.registry.importing.delegations import import_delegations
from workflows.registry.powers import who

HEADER = ["事项编码", "乡镇", "下放方式", "生效日期", "终止日期", "状态", "文号", "文件名称", "经费",
          "编制", "在办案件处理", "备注"]
GRANT = ["ILLUS-CF-CGZF-01", "郑口镇", "赋权", "2020-06-01", "", "生效", "故政字〔2020〕12号",
         "故城县人民政府关于向乡镇赋予部分县级行政执法权的决定", "50,000", "2", "30日后失效", "首批赋权"]
OLD_ENTRUST = ["ILLUS-CF-NYNC-02", "青罕镇", "委托", "2021-01-01", "2023-12-31", "已失效",
               "故农委〔2021〕1号", "行政执法委托书", "", "", "", ""]
NEW_ENTRUST = ["ILLUS-CF-NYNC-02", "青罕镇", "entrust", "2024-01-01", "2026-12-31", "effective",
               "故农委〔2024〕2号", "行政执法委托书", "", "", "原机关办结", ""]


@pytest.fixture
def database_template():
    """A copy of Gucheng without its delegations (tests/support/templates.py)."""
    return "gucheng_without_delegations"


@pytest.fixture
def county(session):
    """Gucheng with its catalogue but no delegations; 郑口镇 and 青罕镇 have certified officers."""
    return session


def _counts(session) -> tuple[int, int]:
    return (session.scalar(select(func.count(Delegation.id))),
            session.scalar(select(func.count(AuditEvent.id))))


def test_existing_delegations_import_with_documents_and_dates(county, clock, tmp_path):
    path = write_csv(tmp_path / "d.csv", [HEADER, GRANT, OLD_ENTRUST, NEW_ENTRUST], "gb18030")
    report = import_delegations(county, clock, path)
    assert report.summary()["created"] == 3
    rows = county.scalars(select(Delegation).order_by(Delegation.id)).all()
    grant = rows[0]
    assert grant.mode == DelegationMode.GRANT and grant.status == DelegationStatus.EFFECTIVE
    assert grant.township.short_name == "郑口镇" and grant.effective_to is None
    assert grant.document_no == "故政字〔2020〕12号" and grant.funding_yuan == Decimal("50000")
    assert grant.staffing_posts == 2 and grant.note == "首批赋权"
    assert (grant.cutover_rule, grant.cutover_days) == (CutoverRule.LAPSE_AFTER_DAYS, 30)
    assert rows[1].status == DelegationStatus.EXPIRED and rows[1].effective_to == date(2023, 12, 31)
    assert rows[2].cutover_rule == CutoverRule.FILED_CASES_STAY
    assert {r.source for r in rows} == {"import"}
    actions = county.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions[-4:] == ["delegation.added"] * 3 + ["delegations.imported"]


def test_xlsx_with_date_cells_imports(county, clock, tmp_path):
    row = list(GRANT)
    row[3] = date(2020, 6, 1)
    import_delegations(county, clock, write_xlsx(tmp_path / "d.xlsx", [HEADER, row]))
    assert county.scalars(select(Delegation.effective_from)).one() == date(2020, 6, 1)


def test_xlsx_missing_a_required_column_is_refused_naming_it(county, clock, tmp_path):
    rows = [[c for i, c in enumerate(r) if i != 3] for r in (HEADER, GRANT)]  # no 生效日期
    before = _counts(county)
    with pytest.raises(ValidationFailed) as err:
        import_delegations(county, clock, write_xlsx(tmp_path / "d.xlsx", rows))
    assert [(e["row"], e["field"]) for e in err.value.errors] == [(1, "effective_from")]
    assert _counts(county) == before


def _bad_rows() -> list[list[object]]:
    def variant(**changes):
        row = dict(zip(HEADER, GRANT, strict=True))
        row.update(changes)
        return [row[h] for h in HEADER]
    return [
        HEADER,
        GRANT,                                                               # 2 fine alone
        variant(事项编码="NO-SUCH"),                                          # 3 unknown item
        variant(事项编码="ILLUS-CF-CGZF-02", 乡镇="不存在镇"),                  # 4 unknown township
        variant(事项编码="ILLUS-CF-CGZF-03", 生效日期="2020-02-30"),           # 5 malformed date
        variant(事项编码="ILLUS-CF-CGZF-04", 下放方式="下放"),                 # 6 bad mode
        variant(生效日期="2022-01-01"),                                       # 7 overlaps row 2
        variant(事项编码="ILLUS-CF-NYNC-02", 下放方式="委托"),                 # 8 entrust, no end
        variant(事项编码="ILLUS-CF-GA-01"),                                   # 9 liberty grant
        variant(事项编码="ILLUS-CF-CGZF-05", 终止日期="2019-01-01"),           # 10 end < start
        variant(事项编码="ILLUS-CF-SL-02", 乡镇="三朗镇", 下放方式="委托",
                终止日期="2025-12-31"),                                       # 11 no officers
    ]


def test_every_bad_row_is_reported_by_row_number_and_nothing_written(county, clock, tmp_path):
    """Unknown code/township, bad date/mode, overlap, 第18条, 第20条 term, 第21条 officers."""
    before = _counts(county)
    with pytest.raises(ValidationFailed) as err:
        import_delegations(county, clock, write_csv(tmp_path / "bad.csv", _bad_rows()))
    found = {(e["row"], e["field"]) for e in err.value.errors}
    assert {(3, "item_code"), (4, "township"), (5, "effective_from"), (6, "mode"),
            (7, "effective_from"), (8, "effective_to"), (9, "mode"), (10, "effective_to"),
            (11, "township")} <= found
    assert 2 not in {e["row"] for e in err.value.errors}
    articles = {(e["row"], e["article"]) for e in err.value.errors if e.get("article")}
    assert {(8, "行政处罚法 第20条"), (9, "行政处罚法 第18条"), (11, "行政处罚法 第21条")} <= articles
    assert _counts(county) == before


def test_grant_of_power_restricting_liberty_is_refused_行政处罚法第18条(county, clock, tmp_path):
    """行政处罚法 第18条: detention stays with public security, never granted to a township."""
    rows = _bad_rows()
    before = _counts(county)
    with pytest.raises(ValidationFailed) as err:
        import_delegations(county, clock, write_csv(tmp_path / "ga.csv", [HEADER, rows[8]]))
    assert any(e["row"] == 2 and e.get("article") == "行政处罚法 第18条" for e in err.value.errors)
    assert _counts(county) == before


def test_entrustment_without_end_date_is_refused_行政处罚法第20条(county, clock, tmp_path):
    """行政处罚法 第20条: the entrustment letter states its term."""
    rows = _bad_rows()
    with pytest.raises(ValidationFailed) as err:
        import_delegations(county, clock, write_csv(tmp_path / "e.csv", [HEADER, rows[7]]))
    assert err.value.errors[0]["row"] == 2 and err.value.errors[0]["article"] == "行政处罚法 第20条"


def test_bad_status_amount_and_cutover_rule_name_their_fields(county, clock, tmp_path):
    row = dict(zip(HEADER, GRANT, strict=True))
    row.update(状态="作废", 经费="五万", 在办案件处理="看情况")
    before = _counts(county)
    with pytest.raises(ValidationFailed) as err:
        import_delegations(county, clock, write_csv(tmp_path / "s.csv",
                                                    [HEADER, [row[h] for h in HEADER]]))
    assert {e["field"] for e in err.value.errors} == {"status", "funding_yuan", "cutover_rule"}
    assert _counts(county) == before


def test_progress_callback_is_called(county, clock, tmp_path):
    seen = []
    import_delegations(county, clock, write_csv(tmp_path / "d.csv", [HEADER, GRANT, NEW_ENTRUST]),
                       progress=lambda *a: seen.append(a))
    assert seen == [("validate", 1, 2), ("validate", 2, 2), ("write", 2, 2)]


def test_cli_lists_bad_rows_with_their_article_and_exits_2(county, engine, clock, tmp_path):
    runner, state = CliRunner(), cli_state(engine, clock)
    path = write_csv(tmp_path / "bad.csv", _bad_rows())
    result = runner.invoke(import_delegations_cmd, [str(path)], obj=state)
    assert result.exit_code == 2
    assert "第3行 / row 3: item_code: 未知事项编码：NO-SUCH" in result.stderr
    assert "（行政处罚法 第18条）" in result.stderr
    good = write_csv(tmp_path / "good.csv", [HEADER, GRANT, NEW_ENTRUST])
    result = runner.invoke(import_delegations_cmd, ["--json", str(good)], obj=state)
    assert result.exit_code == 0 and '"created": 2' in result.stdout


# Issue 12: the registry names the right organ; each unlawful row is refused with its article.

def _refused(county, clock, path) -> list[dict]:
    """Import expecting refusal; nothing written; the problems."""
    before = _counts(county)
    with pytest.raises(ValidationFailed) as err:
        import_delegations(county, clock, path)
    assert _counts(county) == before
    return err.value.errors


def test_revoked_row_with_a_term_running_to_2035_is_refused_art20(county, clock, tmp_path):
    """Point 1 (行政处罚法 第20条 期限): 已撤销 with a term to 2035 must not answer 'entrusted' then."""
    row = list(NEW_ENTRUST)
    row[4], row[5] = "2035-12-31", "已撤销"
    errors = _refused(county, clock, write_csv(tmp_path / "r.csv", [HEADER, row]))
    assert [(e["row"], e["field"], e.get("article")) for e in errors] == [
        (2, "effective_to", "行政处罚法 第20条")]
    assert "2035-12-31" in errors[0]["message"]


def test_revoked_row_without_an_end_date_is_refused_art20(county, clock, tmp_path):
    """Point 1: a revoked grant must say its last day; else it would count for ever."""
    row = list(GRANT)
    row[5] = "已撤销"
    errors = _refused(county, clock, write_csv(tmp_path / "r.csv", [HEADER, row]))
    assert [(e["field"], e.get("article")) for e in errors] == [("effective_to", "行政处罚法 第20条")]


def test_revoked_row_counts_only_up_to_its_stated_end_art20(county, clock, tmp_path):
    """Point 1: a lawful history row (已撤销, ended 2025-06-30) answers until then, never after."""
    row = list(NEW_ENTRUST)
    row[3], row[4], row[5] = "2024-01-01", "2025-06-30", "已撤销"
    import_delegations(county, clock, write_csv(tmp_path / "r.csv", [HEADER, row]))
    assert who(county, "ILLUS-CF-NYNC-02", "青罕镇", date(2025, 6, 30)).mode == "entrust"
    assert who(county, "ILLUS-CF-NYNC-02", "青罕镇", date(2025, 7, 1)).mode == "assist"


ENTRUSTING = [*HEADER, "委托机关"]


def test_township_named_as_entrusting_organ_is_refused_art20(county, clock, tmp_path):
    """Point 2 (第20条 不得再委托): a township may not appear as 委托机关."""
    errors = _refused(county, clock, write_csv(tmp_path / "o.csv", [ENTRUSTING, [*NEW_ENTRUST, "郑口镇"]]))
    assert [(e["field"], e.get("article")) for e in errors] == [("entrusting_org", "行政处罚法 第20条")]
    assert "不得再委托" in errors[0]["message"]


def test_department_not_holding_the_item_cannot_entrust_it_art20(county, clock, tmp_path):
    """Point 2 (第20条 在其法定权限内): the 城管局 does not hold the 农业农村局's item."""
    row = [*NEW_ENTRUST, "故城县城市管理综合行政执法局"]
    errors = _refused(county, clock, write_csv(tmp_path / "o.csv", [ENTRUSTING, row]))
    assert [(e["field"], e.get("article")) for e in errors] == [("entrusting_org", "行政处罚法 第20条")]
    assert "故城县农业农村局" in errors[0]["message"]


def test_the_items_own_department_may_be_named_as_entrusting_organ_art20(county, clock, tmp_path):
    """Point 2: the column is read and checked; the holder itself passes."""
    report = import_delegations(county, clock, write_csv(
        tmp_path / "o.csv", [ENTRUSTING, [*NEW_ENTRUST, "故城县农业农村局"]]))
    assert report.summary()["created"] == 1


def test_unknown_entrusting_organ_is_named(county, clock, tmp_path):
    errors = _refused(county, clock, write_csv(tmp_path / "o.csv", [ENTRUSTING, [*NEW_ENTRUST, "某某局"]]))
    assert errors[0]["field"] == "entrusting_org" and "某某局" in errors[0]["message"]


def test_a_column_the_import_does_not_read_is_refused_never_dropped(county, clock, tmp_path):
    """Point 2: a column present in the file is never silently dropped."""
    errors = _refused(county, clock, write_csv(tmp_path / "u.csv", [[*HEADER, "授权机关"],
                                                                    [*GRANT, "故城县人民政府"]]))
    assert [(e["row"], e["field"]) for e in errors] == [(1, "file")] and "授权机关" in errors[0]["message"]


def test_public_security_item_refusal_is_not_called_re_entrustment_art18(county, clock, tmp_path):
    """Point 2: the bureau entrusting its own item is not a re-entrustment; 第18条 is the reason."""
    row = ["ILLUS-CF-GA-01", "郑口镇", "委托", "2026-04-01", "2026-12-31", "", "", "", "", "", "", ""]
    errors = _refused(county, clock, write_csv(tmp_path / "ga.csv", [HEADER, row]))
    assert "行政处罚法 第18条" in {e.get("article") for e in errors}
    assert not any("再委托" in e["message"] or "re-entrust" in e["message"] for e in errors)


def test_direct_entrustment_of_a_coercion_item_is_refused_行政强制法第17条(county, clock, tmp_path):
    """Point 3 (行政强制法 第17条): 行政强制措施权不得委托."""
    row = ["ILLUS-QZ-NYNC-01", "郑口镇", "委托", "2026-04-01", "2026-12-31", "", "", "", "", "", "", ""]
    errors = _refused(county, clock, write_csv(tmp_path / "qz.csv", [HEADER, row]))
    assert (2, "mode", "行政强制法 第17条") in {(e["row"], e["field"], e.get("article")) for e in errors}


def test_grant_before_2021_07_15_cites_the_2017_text_not_article_24(county, clock, tmp_path):
    """Point 4: the revised 行政处罚法 took effect 2021-07-15; an earlier grant rests on its
    decision and 2017 text 第16条, a later one on 第24条."""
    late = ["ILLUS-CF-CGZF-02", "郑口镇", "赋权", "2022-01-01", "", "", "故政字〔2021〕9号", "", "", "", "", ""]
    import_delegations(county, clock, write_csv(tmp_path / "g.csv", [HEADER, GRANT, late]))
    early = who(county, "ILLUS-CF-CGZF-01", "郑口镇", date(2021, 1, 1))
    assert "第16条" in early.basis and "故政字〔2020〕12号" in early.basis
    assert "第24条" not in early.basis
    assert "第24条" in who(county, "ILLUS-CF-CGZF-02", "郑口镇", date(2022, 1, 1)).basis


def test_approved_delegation_not_yet_in_force_blocks_an_overlap_and_is_named(county, clock, tmp_path):
    """Point 5: an approved (已批准) grant that is not yet in force blocks an overlapping one."""
    approved = ["ILLUS-CF-CGZF-02", "郑口镇", "赋权", "2026-07-01", "", "已批准", "故政赋〔2026〕5号",
                "", "", "", "", ""]
    first = import_delegations(county, clock, write_csv(tmp_path / "a.csv", [HEADER, approved]))
    clash = ["ILLUS-CF-CGZF-02", "郑口镇", "赋权", "2026-09-01", "", "", "", "", "", "", "", ""]
    errors = _refused(county, clock, write_csv(tmp_path / "b.csv", [HEADER, clash]))
    assert [(e["row"], e["field"]) for e in errors] == [(2, "effective_from")]
    assert errors[0]["clash"] == {"delegation_id": first.delegation_ids[0], "mode": "grant", "status": "approved",
                                  "document_no": "故政赋〔2026〕5号", "item_code": "ILLUS-CF-CGZF-02",
                                  "township": "故城县郑口镇人民政府", "effective_from": "2026-07-01",
                                  "effective_to": None}
    assert "故政赋〔2026〕5号" in errors[0]["message"] and "已批准" in errors[0]["message"]


def test_cli_refuses_an_unlawful_row_with_its_article(county, engine, clock, tmp_path):
    """`quanze import-delegations` prints the article and writes nothing (points 1–3)."""
    runner, state = CliRunner(), cli_state(engine, clock)
    before = _counts(county)
    path = write_csv(tmp_path / "o.csv", [ENTRUSTING, [*NEW_ENTRUST, "郑口镇"]])
    result = runner.invoke(import_delegations_cmd, [str(path)], obj=state)
    assert result.exit_code == 2 and "（行政处罚法 第20条）" in result.stderr
    county.expire_all()
    assert _counts(county) == before
