"""Exporting a township's power and responsibility lists (权力清单/责任清单)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from tests.support.cli import cli_state
from web.cli.catalogue import export_powers_cmd
from workflows.core.errors import NotFound, ValidationFailed
from workflows.registry.importing.export import export_powers

ON = date(2026, 3, 2)


@pytest.fixture
def database_template():
    """A copy of the Gucheng sample (tests/support/templates.py)."""
    return "gucheng_sample"


@pytest.fixture
def county(session):
    """The Gucheng sample: a 2020 grant to every township, entrustments to 郑口镇 and 青罕镇."""
    return session


def _csv_rows(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM, so Excel reads the Chinese
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_power_list_names_who_decides_and_who_answers(county):
    """Grant: the township decides and answers (第24条); entrust: the department (第20条)."""
    rows = {r["事项编码"]: r for r in _csv_rows(export_powers(county, "郑口镇", ON, "csv"))}
    assert len(rows) == 39
    granted, entrusted = rows["ILLUS-CF-CGZF-01"], rows["ILLUS-CF-NYNC-02"]
    assert granted["下放方式"] == "赋权"
    assert granted["执法主体（决定署名）"] == granted["责任主体"] == "故城县郑口镇人民政府"
    assert entrusted["下放方式"] == "委托"
    assert entrusted["执法主体（决定署名）"] == entrusted["责任主体"] == "故城县农业农村局"
    assert entrusted["实施机构"] == "故城县郑口镇人民政府"
    detention = rows["ILLUS-CF-GA-01"]
    assert detention["下放方式"] == "未下放（乡镇配合）" and detention["协助机构"] == "故城县郑口镇人民政府"


def test_list_as_of_a_date_before_the_grant_shows_nothing_delegated(county):
    rows = _csv_rows(export_powers(county, "郑口镇", date(2019, 1, 1), "csv"))
    assert {r["下放方式"] for r in rows} == {"未下放（乡镇配合）"}


def test_xlsx_has_two_sheets_with_chinese_headers_frozen_and_sized(county):
    book = load_workbook(io.BytesIO(export_powers(county, "郑口镇", ON, "xlsx")))
    assert book.sheetnames == ["权力清单", "责任清单"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.max_row == 40 and sheet["A1"].value == "事项编码"
        assert sheet["A1"].font.bold
        assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width
    duties = book["责任清单"]
    headers = [c.value for c in duties[1]]
    assert {"乡镇职责", "部门职责", "监督机构"} <= set(headers)


def test_json_has_both_lists(county):
    data = json.loads(export_powers(county, "青罕镇", ON, "json"))
    assert data["on"] == "2026-03-02" and data["township"] == "故城县青罕镇人民政府"
    assert len(data["powers"]) == len(data["responsibilities"]) == 39


def test_bad_format_and_unknown_township_are_refused(county):
    with pytest.raises(ValidationFailed) as err:
        export_powers(county, "郑口镇", ON, "pdf")
    assert "format" in err.value.errors
    with pytest.raises(NotFound):
        export_powers(county, "不存在镇", ON, "csv")


def test_cli_exports_csv_to_stdout_json_to_a_file_and_xlsx_needs_output(county, engine, clock,
                                                                        tmp_path):
    runner, state = CliRunner(), cli_state(engine, clock)
    result = runner.invoke(export_powers_cmd, ["--township", "郑口镇", "--format", "csv"], obj=state)
    assert result.exit_code == 0 and result.stdout.startswith("事项编码,")
    out = tmp_path / "p.json"
    result = runner.invoke(export_powers_cmd, ["--township", "郑口镇", "--on", "2019-01-01",
                                               "--format", "json", "--output", str(out)], obj=state)
    assert result.exit_code == 0 and json.loads(out.read_text("utf-8"))["on"] == "2019-01-01"
    result = runner.invoke(export_powers_cmd, ["--township", "郑口镇", "--format", "xlsx"], obj=state)
    assert result.exit_code == 2 and "--output" in result.stderr
    result = runner.invoke(export_powers_cmd, ["--township", "不存在镇", "--format", "csv"], obj=state)
    assert result.exit_code == 2 and "不存在镇" in result.stderr


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"点击\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.fixture
def hostile_names(county):
    """Organization names that a spreadsheet would run as formulas (OWASP CSV injection)."""
    from sqlalchemy import select

    from models import Organization
    towns = county.scalars(select(Organization).where(Organization.name == "故城县郑口镇人民政府")).all()
    depts = county.scalars(select(Organization).where(Organization.name == "故城县农业农村局")).all()
    assert towns and depts
    towns[0].name, depts[0].name = FORMULAS[0], FORMULAS[1]
    county.flush()
    return county


def test_csv_cells_that_start_like_formulas_are_written_as_text(hostile_names):
    rows = _csv_rows(export_powers(hostile_names, "郑口镇", ON, "csv"))
    cells = [v for row in rows for v in row.values()]
    assert "'" + FORMULAS[0] in cells and "'" + FORMULAS[1] in cells
    assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in cells)


def test_xlsx_cells_that_start_like_formulas_are_strings_not_formulas(hostile_names):
    book = load_workbook(io.BytesIO(export_powers(hostile_names, "郑口镇", ON, "xlsx")))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    hostile = [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+"))]
    assert {c.value for c in hostile} >= {FORMULAS[0], FORMULAS[1]}
    assert all(c.data_type == "s" and c.quotePrefix for c in hostile)
    assert not any(c.data_type == "f" for c in cells)


@pytest.mark.parametrize("value", FORMULAS)
def test_every_owasp_trigger_character_is_neutralised(value):
    from workflows.registry.importing.export import as_text

    assert as_text(value) == "'" + value
    assert as_text("普通文本") == "普通文本" and as_text(12) == 12
