"""The instance diagram: bpmn-js is given the stored BPMN file (scoped like the page) and element states."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape

from lxml import etree
from sqlalchemy import select

from models import HumanTask
from tests.support.webapp import login
from tests.web.test_procedures_web import _start

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)


def _started(client, session_factory) -> int:
    response = _start(client, session_factory)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _viewer_data(page: str) -> dict:
    box = re.search(r'<div class="bpmn-viewer" id="bpmn-viewer" hidden\s+data-src="([^"]+)"\s+'
                    r'data-states="([^"]+)"', page)
    assert box, "no viewer box on the page"
    return {"src": box.group(1), "states": json.loads(unescape(box.group(2)))}


def test_instance_page_hands_the_viewer_its_file_and_states_without_inline_script(client, session_factory):
    iid = _started(client, session_factory)
    page = client.get(f"/instances/{iid}").get_data(as_text=True)
    data = _viewer_data(page)
    assert data["src"] == f"/instances/{iid}/diagram.bpmn"
    assert data["states"]["township_opinion"] == "active"
    # Service tasks and events the engine has run are marked too, from the stored state.
    assert data["states"]["start"] == data["states"]["validate_letter"] == "completed"
    assert "legal_review" not in data["states"]
    # Self-only CSP: every script is a static file, none inline, none from another host.
    scripts = SCRIPT.findall(page)
    assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    assert "/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in page
    assert "<svg" not in page  # the hand-written renderer is gone


def test_without_javascript_the_steps_are_a_plain_list_in_chinese(client, session_factory):
    iid = _started(client, session_factory)
    page = client.get(f"/instances/{iid}").get_data(as_text=True)
    steps = re.findall(r'<li class="step state-(\w+)" data-id="(\w+)">([^<]+)', page)
    ids = [step_id for _, step_id, _ in steps]
    assert ids[0] == "start" and "township_opinion" in ids and "sign_township" in ids
    assert not any(i.startswith("gw_") for i in ids)  # gateways are questions, not steps
    names = {step_id: name.strip() for _, step_id, name in steps}
    assert names["township_opinion"] == "征求乡镇意见"
    assert dict((i, s) for s, i, _ in steps)["township_opinion"] == "active"
    assert not any(re.search("[A-Za-z]", name) for name in names.values())


def test_overdue_task_is_marked_overdue(client, session_factory, clock):
    iid = _started(client, session_factory)
    with session_factory() as s:
        due = s.scalars(select(HumanTask.due_at).where(HumanTask.instance_id == iid,
                                                       HumanTask.task_spec_name == "township_opinion")).one()
    assert due is not None
    clock.advance(due - clock.now() + timedelta(minutes=1))
    page = client.get(f"/instances/{iid}").get_data(as_text=True)
    assert _viewer_data(page)["states"]["township_opinion"] == "overdue"
    assert '<li class="step state-overdue" data-id="township_opinion">' in page


def test_bpmn_file_names_are_in_the_page_language(client, session_factory):
    iid = _started(client, session_factory)
    response = client.get(f"/instances/{iid}/diagram.bpmn")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert response.headers["Cache-Control"] == "private, no-store"
    root = etree.fromstring(response.data)
    names = {el.get("id"): el.get("name") for el in root.iter() if isinstance(el.tag, str) and el.get("name")}
    assert names["township_opinion"] == "征求乡镇意见"
    assert "县直部门" in names.values()  # lane CountyDepartment
    assert any(n.startswith("委托 (行政处罚法") for n in names.values())  # the pool keeps its legal basis
    assert root.find(".//{http://www.omg.org/spec/BPMN/20100524/DI}BPMNDiagram") is not None
    client.get("/lang/en")
    english = etree.fromstring(client.get(f"/instances/{iid}/diagram.bpmn").data)
    names = {el.get("id"): el.get("name") for el in english.iter() if isinstance(el.tag, str) and el.get("name")}
    assert names["township_opinion"] == "township opinion"
    assert "County department" in names.values()


def test_bpmn_file_outside_scope_is_404_like_a_missing_one(client, session_factory):
    iid = _started(client, session_factory)
    login(client, "qh_officer1")  # another township
    assert client.get(f"/instances/{iid}/diagram.bpmn").status_code == 404
    assert client.get(f"/instances/{iid + 999}/diagram.bpmn").status_code == 404
    signed_out = client.application.test_client()
    assert signed_out.get(f"/instances/{iid}/diagram.bpmn").status_code in (302, 401)
