"""The BPMN diagram is drawn from the file's DI data, with element states coloured."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.webapp import BPMN_DIR
from web.diagram import element_states, render_svg


def test_every_plane_of_the_entrustment_file_is_drawn():
    xml = (BPMN_DIR / "entrustment.bpmn").read_text(encoding="utf-8")
    svg = str(render_svg(xml, {"township_opinion": "active", "draft_letter": "completed"}))
    assert svg.count("<svg") == xml.count("<bpmndi:BPMNPlane")
    assert 'data-id="township_opinion"' in svg and "state-active" in svg
    assert "<script" not in svg


def test_states_come_from_history_and_open_tasks():
    now = datetime(2026, 3, 2, 1, tzinfo=UTC)
    tasks = [{"task": "a", "state": "completed", "due_at": None},
             {"task": "b", "state": "ready", "due_at": now - timedelta(hours=1)},
             {"task": "c", "state": "claimed", "due_at": now + timedelta(days=1)}]
    history = [{"task": "start"}, {"task": None}]
    assert element_states(tasks, history, now) == {"start": "completed", "a": "completed",
                                                   "b": "overdue", "c": "active"}


def test_names_are_escaped():
    xml = (BPMN_DIR / "grant.bpmn").read_text(encoding="utf-8").replace('name="', 'name="&lt;b&gt;', 1)
    assert "<b>" not in str(render_svg(xml, {}))
