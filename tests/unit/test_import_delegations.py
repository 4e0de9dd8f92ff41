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
from workflows.sample import gucheng as sample

HEADER = ["事项编码", "乡镇", "下放方式", "生效日期", "终止日期", "状态", "文号", "文件名称", "经费",
          "编制", "在办案件处理", "备注"]
GRANT = ["ILLUS-CF-CGZF-01", "郑口镇", "赋权", "2020-06-01", "", "生效", "故政字〔2020〕12号",
         "故城县人民政府关于向乡镇赋予部分县级行政执法权的决定", "50,000", "2", "30日后失效", "首批赋权"]
OLD_ENTRUST = ["ILLUS-CF-NYNC-02", "青罕镇", "委托", "2021-01-01", "2023-12-31", "已失效",
               "故农委〔2021〕1号", "行政执法委托书", "", "", "", ""]
NEW_ENTRUST = ["ILLUS-CF-NYNC-02", "青罕镇", "entrust", "2024-01-01", "2026-12-31", "effective",
               "故农委〔2024〕2号", "行政执法委托书", "", "", "原机关办结", ""]


@pytest.fixture
def county(session, clock, monkeypatch):
    """Gucheng with its catalogue but no delegations; 郑口镇 and 青罕镇 have certified officers."""
    monkeypatch.setattr(sample, "load_sample_delegations", lambda _s, _c: {})
    sample.load_gucheng_sample(session, clock)
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
