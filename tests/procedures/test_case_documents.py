"""Uniform enforcement documents (统一执法文书): each filled from the case, numbered, stored, reproducible."""

from __future__ import annotations

import hashlib
import io
import json

import docx
import pytest
from sqlalchemy import func, select

from models import Case, Document, NumberSequence
from tests.support.case_world import build_case_county, file
from tests.support.procedure_world import in_transaction
from workflows.cases.documents import document_text, issue_case_document
from workflows.core.errors import ValidationFailed
from workflows.documents.render import render_docx, render_html
from workflows.documents.templates import load_templates

DECISION_FACTS = {"party_address": "郑口镇解放街12号", "facts": "于2026年2月10日在解放街占道经营。",
                  "evidence": "现场照片、询问笔录", "penalty": "罚款3000元", "basis": "《城市市容和环境卫生管理条例》第三十六条",
                  "performance": "自收到本决定书之日起十五日内缴至指定银行。", "remedy_organ": "故城县人民政府",
                  "court": "故城县人民法院"}
FACTS = {
    "filing_approval": ({"approver": "郑口镇镇长", "opinion": "同意立案"}, ["立案审批表", "同意立案", "冀执zk1"]),
    "prior_notice": ({"facts": "占道经营。", "evidence": "现场照片", "basis": "《条例》第三十六条",
                      "proposed_penalty": "罚款3000元", "defence_until": "2026年3月9日", "hearing_right": True},
                     ["事先告知书", "陈述和申辩", "2026年3月9日", "不因你（单位）陈述、申辩而给予更重的处罚", "五个工作日内"]),
    "hearing_notice": ({"hearing_at": "2026年3月20日9时", "hearing_place": "郑口镇政府会议室", "chair": "李四",
                        "requested_on": "2026年3月5日", "public": True},
                       ["听证通知书", "2026年3月20日9时", "主持人非本案调查人员", "申请回避"]),
    "hearing_record": ({"hearing_at": "2026年3月20日9时", "hearing_place": "郑口镇政府会议室", "chair": "李四",
                        "investigators": "执法一、执法二", "party_statement": "初次违法",
                        "investigator_statement": "建议罚款3000元"}, ["听证笔录", "初次违法", "签字或者盖章"]),
    "collective_discussion": ({"discussed_at": "二〇二六年三月三日", "participants": "镇长、副镇长、队长", "record": "汇报案情",
                               "conclusion": "给予行政处罚", "opinion": "事实清楚。"},
                              ["集体讨论记录", "镇长、副镇长、队长", "第五十七条第二款", "给予行政处罚"]),
    "penalty_decision": (DECISION_FACTS, ["行政处罚决定书", "张三", "郑口镇解放街12号", "现场照片、询问笔录",
                                          "罚款3000元", "十五日内", "百分之三", "六十日内", "故城县人民政府",
                                          "六个月内", "故城县人民法院"]),
    "service_receipt": ({"served_document": "故郑口罚决〔2026〕1号行政处罚决定书", "served_on": "2026年3月3日",
                         "method": "直接送达", "recipient": "张三"}, ["送达回证", "直接送达", "签收人：张三"]),
    "payment_reminder": ({"decision_no": "故郑口罚决〔2026〕1号", "fine": "3000", "late_fee": "1500",
                          "pay_until": "2026年9月20日", "pay_to": "故城县农商银行"},
                         ["催告书", "加处罚款1500元", "陈述和申辩", "申请人民法院强制执行"]),
    "closing_report": ({"outcome": "罚款3000元", "execution": "已缴纳"}, ["结案报告", "已缴纳", "立卷归档"]),
}


@pytest.fixture
def c(session, clock, tmp_path):
    """The test county with case delegations, reviewers and the deadline rules."""
    return build_case_county(session, clock, tmp_path)


def _issue(session, c, case, kind, facts, templates=None):
    return in_transaction(session, issue_case_document, session, c.clock, case.id, kind, facts, templates)


def _docx_text(content: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)


@pytest.mark.parametrize("kind", list(FACTS))
def test_each_document_carries_its_required_contents(session, c, kind):
    """第44、54、59、61、64条 and 行政强制法 第35条: each document states what its article requires, in both renderings."""
    case = file(session, c)
    facts, expected = FACTS[kind]
    summary = _issue(session, c, case, kind, facts)
    docx_row, html_row = session.get(Document, summary["docx_id"]), session.get(Document, summary["html_id"])
    html, text = html_row.content.decode(), _docx_text(docx_row.content)
    for needle in expected + [summary["document_no"], "故城县郑口镇"]:
        assert needle in html and needle in text, (kind, needle)
    assert docx_row.sha256 == hashlib.sha256(docx_row.content).hexdigest()
    assert docx_row.instance_id == case.instance_id and docx_row.kind == kind


def test_documents_are_numbered_from_the_organs_sequence(session, c):
    """Numbers come from the numbering sequence per organ and document, never reused."""
    case = file(session, c)
    first = _issue(session, c, case, "closing_report", FACTS["closing_report"][0])
    second = _issue(session, c, case, "closing_report", FACTS["closing_report"][0])
    notice = _issue(session, c, case, "prior_notice", FACTS["prior_notice"][0])
    assert first["document_no"].endswith("结〔2026〕1号") and second["document_no"].endswith("结〔2026〕2号")
    assert notice["document_no"].endswith("罚告〔2026〕1号")


def test_rendering_is_reproducible_byte_for_byte(session, c):
    """The same case, facts, number and date give the same bytes, so the stored sha256 can be re-derived."""
    case = file(session, c)
    summary = _issue(session, c, case, "penalty_decision", DECISION_FACTS)
    template = load_templates()["penalty_decision"]
    text = document_text(session, session.get(Case, case.id), template, DECISION_FACTS, summary["document_no"],
                         c.clock.today())
    assert hashlib.sha256(render_docx(text)).hexdigest() == summary["docx_sha256"]
    assert hashlib.sha256(render_html(text)).hexdigest() == summary["html_sha256"]


def test_decision_is_published_masked(session, c):
    """第48条 公示: the published copy of the decision masks a citizen's name and address, same number."""
    case = file(session, c)
    summary = _issue(session, c, case, "penalty_decision", DECISION_FACTS)
    public = session.get(Document, summary["public"]["html_id"]).content.decode()
    assert summary["public"]["document_no"] == summary["document_no"] + "（公示）"
    assert "张三" not in public and "张*" in public and "解放街12号" not in public and "罚款3000元" in public


def test_decision_without_its_required_contents_is_refused_and_nothing_written(session, c):
    """第59条: a decision without address, remedies or performance terms is refused naming them; no number taken."""
    case = file(session, c)
    bad = {k: v for k, v in DECISION_FACTS.items() if k not in ("party_address", "remedy_organ", "performance")}
    with pytest.raises(ValidationFailed) as err:
        _issue(session, c, case, "penalty_decision", bad)
    assert {"party_address", "remedy_organ", "performance"} <= set(err.value.errors)
    assert "第59条" in err.value.message
    assert session.scalar(select(func.count()).select_from(Document)) == 0
    assert session.scalar(select(func.count()).select_from(NumberSequence).where(
        NumberSequence.scope.like("casedoc:%"))) == 0


def test_county_adjusts_a_template_as_data(session, c, tmp_path):
    """Templates are data: a county override file replaces one document's wording without code."""
    override = tmp_path / "county_documents.json"
    body = json.loads(json.dumps({"closing_report": {
        "title": "结案报告", "code": "结", "article": "行政处罚法 第47条", "requires": ["outcome"],
        "addressee": "{{ subject }}", "paragraphs": ["本县格式：{{ case_number }} 处理结果 {{ outcome }}"]}}))
    override.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    case = file(session, c)
    summary = _issue(session, c, case, "closing_report", {"outcome": "不予处罚"}, load_templates(override))
    assert "本县格式：郑口罚〔2026〕1号 处理结果 不予处罚" in session.get(Document, summary["html_id"]).content.decode()


def test_a_broken_county_template_is_refused_with_its_name(session, c, tmp_path):
    """A template naming a fact the case does not have is refused clearly, and runs in a sandbox."""
    override = tmp_path / "bad.json"
    override.write_text(json.dumps({"closing_report": {
        "title": "结案报告", "code": "结", "article": "行政处罚法 第47条", "addressee": "x",
        "paragraphs": ["{{ no_such_fact }}"]}}), encoding="utf-8")
    case = file(session, c)
    with pytest.raises(ValidationFailed) as err:
        _issue(session, c, case, "closing_report", {}, load_templates(override))
    assert "closing_report" in err.value.errors["template"][0]
    assert session.scalar(select(func.count()).select_from(Document)) == 0


def test_closing_issues_the_closing_report_at_its_step(session, c):
    """第47条: a case closed by its procedure (here: no penalty) gets its 结案报告 with the outcome."""
    case = file(session, c)
    c.act(session, case.instance_id, "investigate", "zk_officer1",
          {"investigation_report": "情节轻微", "proposed_decision": "no_penalty"})
    c.act(session, case.instance_id, "decide", "zk_leader", {"decision_kind": "no_penalty"})
    report = session.scalars(select(Document).where(Document.kind == "closing_report",
                                                    Document.mime.like("text/html%"))).one().content.decode()
    assert "不予行政处罚" in report and "无须执行" in report and case.case_number in report
