"""Importing the catalogue (事项清单) from CSV and XLSX: all rows checked, all or nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select

from models import AuditEvent, CatalogueBatch, ItemCategory, PowerItem
from tests.support.cli import cli_state
from tests.support.sheets import write_csv, write_xlsx
from web.cli.catalogue import import_items_cmd
from workflows.core.errors import ValidationFailed
from workflows.registry.importing.items import ImportOptions, import_items

SAMPLE_CSV = Path(__file__).resolve().parents[2] / "workflows" / "data" / "sample_items.csv"
GUCHENG = ImportOptions(county_name="故城县", city_name="衡水市")
ZH_HEADER = ["事项编码", "事项名称", "类别", "实施主体", "设定依据", "处罚依据", "处罚标准", "裁量基准",
             "下放方式", "行使范围", "限制人身自由", "是否在省指导清单", "关联检查强制事项",
             "重大执法决定标准", "批次文号", "批次生效日期"]


@pytest.fixture
def database_template():
    """A copy of Gucheng without its catalogue (tests/support/templates.py)."""
    return "gucheng_without_catalogue"


@pytest.fixture
def county(session):
    """Gucheng's organizations and users, with an empty catalogue."""
    return session


def _counts(session) -> tuple[int, int, int]:
    return (session.scalar(select(func.count(PowerItem.id))),
            session.scalar(select(func.count(CatalogueBatch.id))),
            session.scalar(select(func.count(AuditEvent.id))))


def _item(session, code: str) -> PowerItem:
    return session.scalars(select(PowerItem).where(PowerItem.code == code)).one()


def _zh_rows() -> list[list[object]]:
    return [
        ZH_HEADER,
        ["T-JC-01", "对烟花爆竹燃放的检查", "检查", "故城县城市管理综合行政执法局", "《某条例》第三条",
         "", "", "", "赋权、委托", "", "否", "是", "", "", "冀故政〔2021〕3号", "2021-05-01"],
        ["T-CF-01", "对违法燃放的处罚", "处罚", "县城市管理综合行政执法局", "《某条例》第十条",
         "《某条例》第十条", "警告或罚款一百元以上五百元以下", "故城管裁〔2021〕1号", "赋权",
         "限城镇建成区", "否", "是", "T-JC-01", "听证;罚款≥10000", "冀故政〔2021〕3号",
         "2021年5月1日"],
    ]


def test_sample_list_imports_as_is_with_county_and_city_names(county, clock):
    """The shared sample (××县 placeholders) imports with --county-name/--city-name."""
    report = import_items(county, clock, SAMPLE_CSV, options=GUCHENG)
    assert len(report.created) == 32 and report.updated == []
    items = county.scalars(select(PowerItem)).all()
    assert sum(i.modes_allowed == ["grant"] for i in items) == 21
    assert sum(i.modes_allowed == ["entrust"] for i in items) == 11
    assert all(i.category == ItemCategory.PENALTY for i in items)
    assert _item(county, "ILLUS-CF-STHJ-01").department.name == "衡水市生态环境局故城县分局"
    forestry = _item(county, "ILLUS-CF-ZRZY-02")
    assert forestry.department.name == "故城县自然资源和规划局"  # （林业） maps to the parent bureau
    assert forestry.scope_limit == "林业"
    audit = county.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert audit.action == "catalogue.items_imported" and audit.details["created"] == 32


def test_placeholder_names_without_county_option_are_refused_and_nothing_written(county, clock):
    before = _counts(county)
    with pytest.raises(ValidationFailed) as err:
        import_items(county, clock, SAMPLE_CSV)
    assert {e["row"] for e in err.value.errors} == set(range(2, 34))
    assert all("××" in e["message"] for e in err.value.errors)
    assert _counts(county) == before


def test_second_import_updates_changed_rows_and_reports_the_rest_unchanged(county, clock, tmp_path):
    import_items(county, clock, SAMPLE_CSV, options=GUCHENG)
    rows = [["code", "name_zh", "original_department_zh", "legal_basis_zh", "mode"],
            ["ILLUS-CF-NYNC-01", "新名称", "故城县农业农村局", "《中华人民共和国土地管理法》第七十八条", "grant"],
            ["ILLUS-CF-NYNC-02", "对农药使用者使用禁用农药或者不按照标签标注的使用范围、方法和剂量使用农药的处罚",
             "故城县农业农村局", "《农药管理条例》第六十条", "entrust"]]
    report = import_items(county, clock, write_csv(tmp_path / "u.csv", rows))
    assert report.updated == ["ILLUS-CF-NYNC-01"] and report.unchanged == ["ILLUS-CF-NYNC-02"]
    assert _item(county, "ILLUS-CF-NYNC-01").name_zh == "新名称"
    assert county.scalar(select(func.count(PowerItem.id))) == 32


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_chinese_headers_in_gb18030_and_utf8_with_or_without_bom(county, clock, tmp_path, encoding):
    path = write_csv(tmp_path / "list.csv", _zh_rows(), encoding=encoding)
    report = import_items(county, clock, path)
    assert sorted(report.created) == ["T-CF-01", "T-JC-01"]
    penalty, inspection = _item(county, "T-CF-01"), _item(county, "T-JC-01")
    assert inspection.category == ItemCategory.INSPECTION
    assert inspection.modes_allowed == ["grant", "entrust"]
    assert penalty.related == [inspection]
    assert penalty.major_decision_rule == {"hearing": True, "fine_citizen_gte": 10000,
                                           "fine_org_gte": 10000}
    assert penalty.scope_limit == "限城镇建成区" and penalty.discretion_benchmark_ref == "故城管裁〔2021〕1号"
    assert penalty.batch.document_no == "冀故政〔2021〕3号"
    assert penalty.batch.effective_on == date(2021, 5, 1)


def test_xlsx_with_date_cells_imports(county, clock, tmp_path):
    rows = _zh_rows()
    rows[1][-1] = rows[2][-1] = date(2021, 5, 1)
    report = import_items(county, clock, write_xlsx(tmp_path / "list.xlsx", rows))
    assert len(report.created) == 2
    assert _item(county, "T-CF-01").batch.effective_on == date(2021, 5, 1)


def test_xlsx_missing_a_required_column_is_refused_naming_it(county, clock, tmp_path):
    rows = [[c for c in r[:4]] + r[5:] for r in _zh_rows()]  # drop 设定依据
    before = _counts(county)
    with pytest.raises(ValidationFailed) as err:
        import_items(county, clock, write_xlsx(tmp_path / "list.xlsx", rows))
    assert err.value.errors == [{"row": 1, "field": "legal_basis_zh", "message":
                                 "缺少必需列：设定依据（legal_basis_zh） / missing required column: legal_basis_zh"}]
    assert _counts(county) == before


def test_every_bad_row_is_reported_with_its_number_and_nothing_written(county, clock, tmp_path):
    header = ["code", "name_zh", "category", "original_department_zh", "legal_basis_zh", "mode",
              "related_codes", "batch_document_no", "batch_effective_on"]
    good = ["B-01", "好事项", "处罚", "故城县水利局", "《水法》第六十五条", "grant", "", "", ""]
    rows = [header, good,
            ["B-02", "x", "处罚", "故城县不存在局", "依据", "grant", "", "", ""],   # 3 unknown department
            ["B-03", "", "处罚", "故城县水利局", "依据", "grant", "", "", ""],       # 4 missing name
            ["B-04", "x", "许可", "故城县水利局", "依据", "grant", "", "", ""],      # 5 bad category
            ["B-05", "x", "处罚", "故城县水利局", "依据", "下放", "", "", ""],       # 6 bad mode
            ["B-01", "x", "处罚", "故城县水利局", "依据", "grant", "", "", ""],      # 7 duplicate code
            ["B-07", "x", "处罚", "故城县水利局", "依据", "grant", "", "文1号", "2021-13-01"],  # 8 date
            ["B-08", "x", "处罚", "故城县水利局", "依据", "grant", "NO-SUCH", "", ""]]          # 9
    before = _counts(county)
    with pytest.raises(ValidationFailed) as err:
        import_items(county, clock, write_csv(tmp_path / "bad.csv", rows))
    found = {(e["row"], e["field"]) for e in err.value.errors}
    assert found == {(3, "original_department_zh"), (4, "name_zh"), (5, "category"),
                     (6, "modes_allowed"), (7, "code"), (8, "batch_effective_on"),
                     (9, "related_codes")}
    assert "7 bad row(s)" in err.value.message
    assert "NO-SUCH" in err.value.errors[-1]["message"]
    assert _counts(county) == before


def test_item_restricting_personal_liberty_cannot_be_granted_行政处罚法第18条(county, clock, tmp_path):
    """行政处罚法 第18条: only public security may restrict personal liberty; assist only."""
    rows = [["code", "name_zh", "original_department_zh", "legal_basis_zh", "mode", "限制人身自由"],
            ["GA-1", "行政拘留", "故城县公安局", "《治安管理处罚法》", "赋权", "是"],
            ["GA-2", "行政拘留", "故城县公安局", "《治安管理处罚法》", "配合", "是"]]
    before = _counts(county)
    with pytest.raises(ValidationFailed) as err:
        import_items(county, clock, write_csv(tmp_path / "ga.csv", rows))
    assert [(e["row"], e["article"]) for e in err.value.errors] == [(2, "行政处罚法 第18条")]
    assert _counts(county) == before
    import_items(county, clock, write_csv(tmp_path / "ga2.csv", [rows[0], rows[2]]))
    assert _item(county, "GA-2").restricts_personal_liberty is True


def test_related_code_must_be_an_inspection_or_coercion_item(county, clock, tmp_path):
    rows = [["code", "name_zh", "original_department_zh", "legal_basis_zh", "mode", "related_codes"],
            ["P-1", "处罚一", "故城县水利局", "依据", "grant", "P-2"],
            ["P-2", "处罚二", "故城县水利局", "依据", "grant", ""]]
    with pytest.raises(ValidationFailed) as err:
        import_items(county, clock, write_csv(tmp_path / "r.csv", rows))
    assert err.value.errors[0]["row"] == 2 and "P-2" in err.value.errors[0]["message"]


def test_major_rule_terms_json_and_unknown_terms(county, clock, tmp_path):
    header = ["code", "name_zh", "original_department_zh", "legal_basis_zh", "mode",
              "major_decision_rule"]
    rows = [header, ["M-1", "x", "故城县水利局", "依据", "grant", '{"hearing": true, "fine_org_gte": 50000}'],
            ["M-2", "x", "故城县水利局", "依据", "grant", "个人罚款≥1万元；单位罚款≥10万"],
            ["M-3", "x", "故城县水利局", "依据", "grant", "吊销执照"]]
    with pytest.raises(ValidationFailed) as err:
        import_items(county, clock, write_csv(tmp_path / "m.csv", rows))
    assert [(e["row"], e["field"]) for e in err.value.errors] == [(4, "major_decision_rule")]
    import_items(county, clock, write_csv(tmp_path / "m2.csv", rows[:3]))
    assert _item(county, "M-1").major_decision_rule == {"hearing": True, "fine_org_gte": 50000}
    assert _item(county, "M-2").major_decision_rule == {"fine_citizen_gte": 10000,
                                                        "fine_org_gte": 100000}


def test_one_batch_number_with_two_dates_is_refused(county, clock, tmp_path):
    rows = [["code", "name_zh", "original_department_zh", "legal_basis_zh", "mode", "批次文号",
             "批次生效日期"],
            ["D-1", "x", "故城县水利局", "依据", "grant", "文1号", "2021-01-01"],
            ["D-2", "x", "故城县水利局", "依据", "grant", "文1号", "2021-02-01"]]
    with pytest.raises(ValidationFailed) as err:
        import_items(county, clock, write_csv(tmp_path / "b.csv", rows))
    assert [(e["row"], e["field"]) for e in err.value.errors] == [(3, "batch_effective_on")]


def test_unsupported_type_and_unreadable_encoding_are_refused(county, clock, tmp_path):
    (tmp_path / "list.ods").write_bytes(b"x")
    with pytest.raises(ValidationFailed) as err:
        import_items(county, clock, tmp_path / "list.ods")
    assert "CSV 或 XLSX" in err.value.errors[0]["message"]
    (tmp_path / "bin.csv").write_bytes(b"code,name\xff\xff\n")
    with pytest.raises(ValidationFailed) as err:
        import_items(county, clock, tmp_path / "bin.csv")
    assert "GB18030" in err.value.errors[0]["message"]


def test_progress_callback_sees_both_stages(county, clock):
    seen: list[tuple[str, int, int]] = []
    import_items(county, clock, SAMPLE_CSV, options=ImportOptions(
        county_name="故城县", city_name="衡水市", progress=lambda *a: seen.append(a)))
    assert seen[0] == ("validate", 1, 32) and ("validate", 32, 32) in seen
    assert seen[-1] == ("write", 32, 32)


def test_cli_lists_every_bad_row_and_exits_2_then_imports(county, engine, clock):
    runner, state = CliRunner(), cli_state(engine, clock)
    before = _counts(county)
    result = runner.invoke(import_items_cmd, [str(SAMPLE_CSV)], obj=state)
    assert result.exit_code == 2
    assert "第2行 / row 2: original_department_zh" in result.stderr
    assert "第33行 / row 33:" in result.stderr
    county.expire_all()
    assert _counts(county) == before
    result = runner.invoke(import_items_cmd, ["--county-name", "故城县", "--city-name", "衡水市",
                                              "--no-progress", str(SAMPLE_CSV)], obj=state)
    assert result.exit_code == 0 and "32 new" in result.stdout


def test_xlsx_finds_the_list_after_a_cover_sheet_and_a_title_row(county, clock, tmp_path):
    book = Workbook()
    book.active.title = "说明"
    book.active.append(["本表为故城县乡镇赋权事项清单"])
    sheet = book.create_sheet("清单")
    sheet.append(["故城县乡镇赋权事项清单（2021年）"])
    for row in _zh_rows():
        sheet.append(row)
    book.save(tmp_path / "list.xlsx")
    report = import_items(county, clock, tmp_path / "list.xlsx")
    assert len(report.created) == 2
    bad = _zh_rows()
    bad[2][8] = "下放"
    sheet = book["清单"]
    sheet.delete_rows(1, sheet.max_row)
    for row in [["标题"], *bad]:
        sheet.append(row)
    book.save(tmp_path / "bad.xlsx")
    with pytest.raises(ValidationFailed) as err:
        import_items(county, clock, tmp_path / "bad.xlsx")
    assert [(e["row"], e["field"]) for e in err.value.errors] == [(4, "modes_allowed")]


def test_utf16_tab_separated_text_from_excel_imports(county, clock, tmp_path):
    text = "\n".join("\t".join(str(c) for c in row) for row in _zh_rows())
    (tmp_path / "list.txt").write_bytes(text.encode("utf-16"))
    assert len(import_items(county, clock, tmp_path / "list.txt").created) == 2


def test_columns_absent_from_a_later_file_keep_their_stored_values(county, clock, tmp_path):
    import_items(county, clock, write_csv(tmp_path / "full.csv", _zh_rows()))
    rows = [["code", "name_zh", "original_department_zh", "legal_basis_zh", "mode"],
            ["T-JC-01", "对烟花爆竹燃放的检查（修订）", "故城县城市管理综合行政执法局", "《某条例》第三条", "赋权"]]
    report = import_items(county, clock, write_csv(tmp_path / "partial.csv", rows))
    assert report.updated == ["T-JC-01"]
    item = _item(county, "T-JC-01")
    assert item.category == ItemCategory.INSPECTION and item.batch is not None
    assert item.modes_allowed == ["grant"] and [p.code for p in _item(county, "T-CF-01").related] == ["T-JC-01"]


def test_a_blank_required_cell_is_named_in_chinese_and_english(county, clock, tmp_path):
    rows = [["事项编码", "事项名称", "实施主体", "设定依据", "下放方式"],
            ["E-1", "", "故城县水利局", "依据", "赋权"]]
    with pytest.raises(ValidationFailed) as err:
        import_items(county, clock, write_csv(tmp_path / "e.csv", rows))
    assert err.value.errors == [{"row": 2, "field": "name_zh",
                                 "message": "事项名称（name_zh） 不能为空 / name_zh is required"}]


@pytest.fixture
def delegated(session):
    """The full sample: every township holds the 2020 grants, two hold 2026–2027 entrustments."""
    return session


def _one_item_file(tmp_path, code: str, mode: str, liberty: str = "否") -> Path:
    rows = [["code", "name_zh", "original_department_zh", "legal_basis_zh", "mode", "限制人身自由"],
            [code, "改名", "故城县城市管理综合行政执法局", "依据", mode, liberty]]
    return write_csv(tmp_path / f"{code}.csv", rows)


@pytest.mark.database("gucheng_sample")
def test_catalogue_cannot_drop_a_mode_still_delegated(delegated, clock, tmp_path):
    before = _counts(delegated)
    with pytest.raises(ValidationFailed) as err:
        import_items(delegated, clock, _one_item_file(tmp_path, "ILLUS-CF-CGZF-01", "委托"))
    assert [(e["row"], e["field"]) for e in err.value.errors] == [(2, "modes_allowed")]
    assert "共 13 处" in err.value.errors[0]["message"]
    assert _counts(delegated) == before


@pytest.mark.database("gucheng_sample")
def test_granted_item_cannot_become_liberty_restricting_行政处罚法第18条(delegated, clock, tmp_path):
    """行政处罚法 第18条: an item out with townships cannot be marked as restricting liberty."""
    with pytest.raises(ValidationFailed) as err:
        import_items(delegated, clock, _one_item_file(tmp_path, "ILLUS-CF-CGZF-01", "配合", "是"))
    assert [(e["field"], e.get("article")) for e in err.value.errors] == [
        ("modes_allowed", None), ("restricts_personal_liberty", "行政处罚法 第18条")]
    assert _item(delegated, "ILLUS-CF-CGZF-01").restricts_personal_liberty is False


@pytest.mark.database("gucheng_sample")
def test_a_mode_whose_delegations_have_ended_may_be_dropped(delegated, clock, tmp_path):
    clock.set(datetime(2028, 1, 2, 1, tzinfo=UTC))  # the sample entrustments ended 2027-12-31
    path = write_csv(tmp_path / "n.csv", [
        ["code", "name_zh", "original_department_zh", "legal_basis_zh", "mode"],
        ["ILLUS-CF-NYNC-02", "对农药使用者违法使用农药的处罚", "故城县农业农村局", "《农药管理条例》第六十条", "配合"]])
    assert import_items(delegated, clock, path).updated == ["ILLUS-CF-NYNC-02"]
