"""Official documents: 行政执法委托书 and 赋权决定 as GB/T 9704-style .docx and HTML, stored unchanged."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date

import docx
import pytest
from docx.oxml.ns import qn
from sqlalchemy import select

from models import Document, Organization, OrgKind, PowerItem
from tests.support.procedure_world import in_transaction
from workflows.core.errors import NotFound, ValidationFailed
from workflows.documents.issue import (
    documents_of_instance,
    get_document,
    issue_entrustment_letter,
    issue_grant_decision,
)
from workflows.documents.render import ItemRow, OfficialText, chinese_date, render_docx, render_html

TEXT = OfficialText(
    issuer="故城县城市管理综合行政执法局", document_no="故城管委〔2026〕1号", title="行政执法委托书",
    addressee="故城县郑口镇人民政府", paragraphs=["根据《中华人民共和国行政处罚法》第二十条……"],
    items=[ItemRow("CGJ-01", "对违法建设的处罚", "《城乡规划法》第六十五条")],
    signatories=["故城县城市管理综合行政执法局", "故城县郑口镇人民政府"], issued_on=date(2026, 3, 2))


@pytest.fixture
def orgs(session):
    """A department, a township, the county government and one item."""
    with session.begin():
        dept = Organization(name="故城县城市管理综合行政执法局", kind=OrgKind.COUNTY_DEPARTMENT)
        town = Organization(name="故城县郑口镇人民政府", kind=OrgKind.TOWNSHIP, short_name="郑口镇")
        county = Organization(name="故城县人民政府", kind=OrgKind.COUNTY_GOVERNMENT)
        session.add_all([dept, town, county])
        session.flush()
        item = PowerItem(code="CGJ-01", name_zh="对未取得乡村建设规划许可证进行建设的处罚",
                         department_id=dept.id, legal_basis="《中华人民共和国城乡规划法》第六十五条",
                         modes_allowed=["entrust"])
        session.add(item)
        session.flush()
        return {"dept": dept.id, "town": town.id, "county": county.id, "item": item.id}


def _letter(orgs, **changes) -> dict:
    return {"department_id": orgs["dept"], "township_id": orgs["town"], "item_ids": [orgs["item"]],
            "authority": "立案、调查取证、作出行政处罚决定", "term_start": "2026-04-01",
            "term_end": "2026-12-31", "responsibilities": "以委托机关名义实施。",
            "supervision": "每季度评查案卷。", **changes}


def test_rendering_is_deterministic_byte_for_byte():
    """Same text → same bytes: fixed core-property dates and zip entry dates."""
    assert render_docx(TEXT) == render_docx(TEXT)
    assert render_html(TEXT) == render_html(TEXT)
    with zipfile.ZipFile(io.BytesIO(render_docx(TEXT))) as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert package.namelist()[0] == "[Content_Types].xml"


def test_the_docx_follows_the_official_document_layout():
    """GB/T 9704: red masthead, centred number, red rule, bold title, 仿宋 三号 body, seal and date."""
    document = docx.Document(io.BytesIO(render_docx(TEXT)))
    paragraphs = document.paragraphs
    masthead = paragraphs[0]
    assert masthead.text == "故城县城市管理综合行政执法局文件"
    assert str(masthead.runs[0].font.color.rgb) == "E60012" and masthead.alignment == 1
    number = next(p for p in paragraphs if p.text == "故城管委〔2026〕1号")
    assert number.alignment == 1
    rule = paragraphs[paragraphs.index(number) + 1]
    assert rule._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:color")) == "E60012"
    title = next(p for p in paragraphs if p.text == "行政执法委托书")
    assert title.runs[0].font.bold and title.alignment == 1
    body = next(p for p in paragraphs if p.text.startswith("根据"))
    assert body.runs[0].font.size.pt == 16  # 三号
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    table = document.tables[0]
    assert [cell.text for cell in table.rows[0].cells] == ["序号", "事项编码", "事项名称", "实施依据"]
    assert [cell.text for cell in table.rows[1].cells][:2] == ["1", "CGJ-01"]
    tail = [p.text for p in paragraphs[-3:]]
    assert tail == ["故城县城市管理综合行政执法局（印章）", "故城县郑口镇人民政府（印章）", "二〇二六年三月二日"]
    assert document.sections[0].top_margin.mm == pytest.approx(37, abs=0.1)


def test_the_html_carries_the_same_document_escaped():
    """The HTML page has the masthead, number, items and date, with text escaped."""
    page = render_html(OfficialText(**{**TEXT.__dict__, "paragraphs": ["<script>x</script>"]})).decode()
    assert "故城管委〔2026〕1号" in page and "二〇二六年三月二日" in page and "CGJ-01" in page
    assert "<script>" not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize("day, text", [(date(2026, 3, 2), "二〇二六年三月二日"),
                                       (date(2026, 10, 10), "二〇二六年十月十日"),
                                       (date(2025, 12, 31), "二〇二五年十二月三十一日"),
                                       (date(2026, 1, 20), "二〇二六年一月二十日")])
def test_dates_are_written_in_chinese_numerals(day, text):
    """成文日期 uses Chinese numerals with 〇 for zero (GB/T 9704 §7.3.5)."""
    assert chinese_date(day) == text


def test_an_issued_letter_downloads_unchanged(session, clock, orgs, session_factory):
    """Stored bytes and hash are those issued; a new session reads the same bytes."""
    issued = in_transaction(session, issue_entrustment_letter, session, clock, _letter(orgs), 7)
    assert issued["document_no"] == "故城管委〔2026〕1号"
    with session_factory() as other:
        stored = get_document(other, issued["docx_id"])
        assert hashlib.sha256(stored.content).hexdigest() == stored.sha256 == issued["docx_sha256"]
        assert stored.size == len(stored.content) and stored.filename == "故城管委〔2026〕1号.docx"
        page = get_document(other, issued["html_id"]).content.decode()
        assert "委托期限：2026年4月1日至2026年12月31日" in page  # 第20条: 期限
        assert "立案、调查取证、作出行政处罚决定" in page and "不得再委托" in page
        assert [d.id for d in documents_of_instance(other, 7)] == [issued["docx_id"], issued["html_id"]]


def test_numbers_run_per_issuer_and_year(session, clock, orgs):
    """故城管委〔2026〕1号, 2号 …; the county's grant decisions have their own series."""
    first = in_transaction(session, issue_entrustment_letter, session, clock, _letter(orgs))
    second = in_transaction(session, issue_entrustment_letter, session, clock, _letter(orgs))
    decision = in_transaction(session, issue_grant_decision, session, clock, {
        "county_id": orgs["county"], "township_ids": [orgs["town"]], "item_ids": [orgs["item"]],
        "effective_on": "2026-04-01"})
    assert [first["document_no"], second["document_no"], decision["document_no"]] == [
        "故城管委〔2026〕1号", "故城管委〔2026〕2号", "故政赋〔2026〕1号"]
    page = get_document(session, decision["html_id"]).content.decode()
    assert "第二十四条" in page and "2026年4月1日" in page


def test_a_letter_without_a_term_is_not_issued_article_20(session, clock, orgs):
    """第20条: no 期限, no 委托书 — and nothing is stored."""
    with pytest.raises(ValidationFailed):
        in_transaction(session, issue_entrustment_letter, session, clock, _letter(orgs, term_end=None))
    assert session.scalars(select(Document)).all() == []


def test_unknown_documents_and_items_are_clear_errors(session, clock, orgs):
    """A missing document or item is NotFound, and a failed issue stores nothing."""
    with pytest.raises(NotFound):
        get_document(session, 999)
    with pytest.raises(NotFound):
        in_transaction(session, issue_entrustment_letter, session, clock, _letter(orgs, item_ids=[999]))
    assert session.scalars(select(Document)).all() == []
