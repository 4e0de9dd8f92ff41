"""Diagram parts: one-language names, element states, the vendored viewer pinned with its licence."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lxml import etree

from tests.support.webapp import BPMN_DIR
from web.diagram import element_states, local_text, localized_bpmn, steps

VENDOR = Path(__file__).resolve().parents[2] / "web" / "static" / "vendor"
TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"


def test_bilingual_names_split_by_language(app):
    with app.test_request_context():
        assert local_text("征求乡镇意见 / township opinion", False) == "征求乡镇意见"
        assert local_text("征求乡镇意见 / township opinion", True) == "township opinion"
        assert local_text("须法制审核？/ review required?", False) == "须法制审核？"
        assert local_text("委托 Entrustment (行政处罚法 第20–21条)", False) == "委托 (行政处罚法 第20–21条)"
        assert local_text("委托 Entrustment (行政处罚法 第20–21条)", True) == "Entrustment (行政处罚法 第20–21条)"
        assert local_text("案件办理 Case handling: 立案 → 调查 (第36条)", True) == "Case handling (第36条)"
        assert local_text("CountyDepartment", False) == "县直部门"
        assert local_text("只有中文", True) == "只有中文"


def test_every_name_of_every_procedure_file_has_a_chinese_form(app):
    """No Latin letters left in a Chinese diagram except inside the legal-basis brackets."""
    with app.test_request_context():
        for path in BPMN_DIR.glob("*.bpmn"):
            xml = localized_bpmn(path.read_text(encoding="utf-8"), english=False).decode("utf-8")
            root = etree.fromstring(xml.encode("utf-8"))
            drawn = set(root.xpath("//*/@bpmnElement"))
            for name in (el.get("name") for el in root.iter() if el.get("id") in drawn and el.get("name")):
                outside_brackets = re.sub(r"[(（].*[)）]", "", name)
                assert not re.search(r"[A-Za-z]{2,}", outside_brackets), (path.name, name)


def test_hostile_names_stay_text(app):
    xml = (BPMN_DIR / "grant.bpmn").read_text(encoding="utf-8").replace('name="', 'name="&lt;script&gt;', 1)
    with app.test_request_context():
        out = localized_bpmn(xml, english=False).decode("utf-8")
    assert "<script" not in out and "&lt;script&gt;" in out


def test_steps_run_left_to_right_and_skip_gateways():
    xml = (BPMN_DIR / "entrustment.bpmn").read_text(encoding="utf-8")
    found = steps(xml, False)
    kinds = {s.kind for s in found}
    assert found[0].element_id == "start" and "exclusiveGateway" not in kinds and "userTask" in kinds
    assert steps("", False) == ()


def test_states_come_from_history_and_open_tasks():
    now = datetime(2026, 3, 2, 1, tzinfo=UTC)
    tasks = [{"task": "a", "state": "completed", "due_at": None},
             {"task": "b", "state": "ready", "due_at": now - timedelta(hours=1)},
             {"task": "c", "state": "claimed", "due_at": now + timedelta(days=1)},
             {"task": "d", "state": "ready", "due_at": None}]
    history = [{"task": "start"}, {"task": None}]
    assert element_states(tasks, history, now) == {"start": "completed", "a": "completed",
                                                   "b": "overdue", "c": "active", "d": "active"}


def test_vendored_viewer_is_the_pinned_version_with_licence_and_watermark():
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    pinned = re.search(r"version \*\*([\d.]+)\*\*", readme).group(1)
    bundle = (VENDOR / "bpmn-js" / "bpmn-navigated-viewer.production.min.js").read_text(encoding="utf-8")
    assert bundle.startswith(f"/*! bpmn-js - bpmn-navigated-viewer v{pinned} ")
    assert "bjs-powered-by" in bundle  # the bpmn.io watermark the licence requires
    assert "bpmn.io" in (VENDOR / "bpmn-js" / "LICENSE").read_text(encoding="utf-8")


def test_no_template_loads_anything_from_another_host():
    """County networks are closed: scripts and styles come from /static only."""
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', text), path.name
