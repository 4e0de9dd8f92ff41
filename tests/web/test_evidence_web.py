"""Evidence on the case page, the task pages and the API (证据, 行政处罚法 第46–47条), within scope."""

from __future__ import annotations

import hashlib
import io

from sqlalchemy import func, select

from models import Case, Evidence, HumanTask
from tests.support.webapp import audit_count, csrf_of, login
from tests.web.test_starts_web import _token, file_qh_case
from workflows.cases.documents import issue_case_document

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"stall" * 40
PDF = b"%PDF-1.7\nscan of the inspection record\n"
FACTS = {"collected_at": "2026-03-01T10:30", "collected_place": "青罕镇集贸市场东口", "proves": "占道经营的事实"}


def _case(client, session_factory) -> Case:
    file_qh_case(client, session_factory)
    with session_factory() as s:
        return s.scalars(select(Case).where(Case.case_number == "青罕罚〔2026〕1号")).one()


def _upload_page(client, case_id: int, content: bytes, name: str, **facts):
    path = f"/cases/{case_id}"
    data = {"csrf_token": csrf_of(client, path), **FACTS, **facts, "file": (io.BytesIO(content), name)}
    return client.post(f"{path}/evidence", data=data, content_type="multipart/form-data")


def _evidence_rows(session_factory) -> int:
    with session_factory() as s:
        return s.scalar(select(func.count()).select_from(Evidence))


def _stored(app) -> list:
    root = app.extensions["quanze"].evidence_store.root
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_officer_uploads_on_the_case_page_and_sees_it_on_case_and_task_pages(app, client, session_factory):
    """第47条: the photo is kept by sha256 under the instance folder, listed, and downloadable as stored."""
    case = _case(client, session_factory)
    response = _upload_page(client, case.id, JPEG, "现场照片.jpg")
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    digest = hashlib.sha256(JPEG).hexdigest()
    assert [p.name for p in _stored(app)] == [digest]
    assert str(_stored(app)[0]).startswith(app.instance_path)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "现场照片.jpg" in page and "青罕镇集贸市场东口" in page and digest[:12] in page
    with session_factory() as s:
        row = s.scalars(select(Evidence)).one()
        task_id = s.scalars(select(HumanTask.id).where(HumanTask.instance_id == case.instance_id)).first()
    assert "现场照片.jpg" in client.get(f"/tasks/{task_id}").get_data(as_text=True)
    got = client.get(f"/cases/{case.id}/evidence/{row.id}")
    assert got.status_code == 200 and got.data == JPEG and got.mimetype == "image/jpeg"
    assert got.headers["X-Content-Type-Options"] == "nosniff"


def test_page_refuses_a_renamed_file_and_writes_nothing(app, client, session_factory):
    """第46条: a PDF named .jpg is refused with the reason; no row, no audit event, no file."""
    case = _case(client, session_factory)
    before = audit_count(session_factory)
    response = _upload_page(client, case.id, PDF, "photo.jpg")
    assert response.status_code == 422 and "application/pdf" in response.get_data(as_text=True)
    assert _evidence_rows(session_factory) == 0 and audit_count(session_factory) == before and _stored(app) == []


def test_page_refuses_missing_facts_all_at_once(app, client, session_factory):
    """Where it was collected and what it proves are required; nothing is written."""
    case = _case(client, session_factory)
    response = _upload_page(client, case.id, JPEG, "a.jpg", collected_place="", proves="")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and body.count("必填") >= 2
    assert _evidence_rows(session_factory) == 0 and _stored(app) == []


def test_other_township_gets_404_for_the_evidence(app, client, session_factory):
    """Out of scope looks like missing: 郑口镇 neither sees nor adds evidence to 青罕镇's case."""
    case = _case(client, session_factory)
    _upload_page(client, case.id, JPEG, "a.jpg")
    with session_factory() as s:
        evidence_id = s.scalars(select(Evidence.id)).one()
    client.get("/logout")
    login(client, "zk_officer1")
    assert client.get(f"/cases/{case.id}/evidence/{evidence_id}").status_code == 404
    token = csrf_of(client, "/")
    response = client.post(f"/cases/{case.id}/evidence", content_type="multipart/form-data",
                           data={"csrf_token": token, **FACTS, "file": (io.BytesIO(PDF), "b.pdf")})
    assert response.status_code == 404 and _evidence_rows(session_factory) == 1


def test_api_upload_list_fetch_and_refusals(app, client, session_factory):
    """The API takes multipart uploads; too large and wrong type are 422 with nothing written; scope is 404."""
    case = _case(client, session_factory)
    client.get("/logout")
    headers = _token(client, "qh_officer2")
    url = f"/api/v1/cases/{case.id}/evidence"
    ok = client.post(url, headers=headers, content_type="multipart/form-data",
                     data={**FACTS, "file": (io.BytesIO(PDF), "询问笔录.pdf")})
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["mime"] == "application/pdf" and ok.get_json()["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert [e["filename"] for e in client.get(url, headers=headers).get_json()] == ["询问笔录.pdf"]
    content = client.get(f"{url}/{ok.get_json()['id']}/content", headers=headers)
    assert content.status_code == 200 and content.data == PDF
    before = audit_count(session_factory)
    app.config["EVIDENCE_LIMITS"] = {"photo": 10}
    big = client.post(url, headers=headers, content_type="multipart/form-data",
                      data={**FACTS, "file": (io.BytesIO(JPEG), "big.jpg")})
    assert big.status_code == 422 and "10" in big.get_json()["errors"]["file"][0]
    exe = client.post(url, headers=headers, content_type="multipart/form-data",
                      data={**FACTS, "file": (io.BytesIO(b"MZ\x90\x00" * 10), "x.pdf")})
    assert exe.status_code == 422 and "第46条" in exe.get_json()["errors"]["file"][0]
    assert _evidence_rows(session_factory) == 1 and audit_count(session_factory) == before
    assert len(_stored(app)) == 1
    client.get("/logout")
    zk = _token(client, "zk_officer1")
    assert client.get(url, headers=zk).status_code == 404
    assert client.post(url, headers=zk, content_type="multipart/form-data",
                       data={**FACTS, "file": (io.BytesIO(JPEG), "a.jpg")}).status_code == 404


def test_case_page_lists_its_enforcement_documents(app, client, session_factory):
    """统一执法文书: a document issued for the case is listed on the case page with its number and hash."""
    case = _case(client, session_factory)
    with session_factory() as s:
        summary = issue_case_document(s, app.extensions["quanze"].clock, case.id, "closing_report",
                                      {"outcome": "不予处罚", "execution": "无"})
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert summary["document_no"] in page and "结案报告" in page and summary["docx_sha256"][:12] in page


def test_cases_page_counts_cases_by_stage_per_township(client, session_factory):
    """Figures: where each township's cases stand, within the user's scope only."""
    _case(client, session_factory)
    page = client.get("/cases/").get_data(as_text=True)
    stages = page.split('id="stages"')[1]
    assert "青罕镇" in stages and "调查中" in stages and ">1<" in stages
    client.get("/logout")
    login(client, "zk_officer1")
    assert "青罕镇" not in client.get("/cases/").get_data(as_text=True).split('id="stages"')[1]
