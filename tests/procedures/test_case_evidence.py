"""Evidence of a case (证据, 行政处罚法 第46–47条): sniffed, limited, stored by sha256, audited, retained."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Case, CaseStatus, Evidence
from tests.support.case_world import build_case_county, file
from tests.support.procedure_world import in_transaction
from workflows.cases.evidence import (
    EvidenceUpload,
    add_evidence,
    case_evidence,
    evidence_content,
    instance_evidence,
)
from workflows.cases.sniff import sniff
from workflows.cases.storage import DiskBlobStore
from workflows.core.audit_verify import verify_chain
from workflows.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"photo-of-the-stall" * 10
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
PDF = b"%PDF-1.7\n%scan of the inspection record\n"
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 30
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 30
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00" + b"\x00" * 30
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00" + b"\x00" * 30
AMR = b"#!AMR\n" + b"\x00" * 20
SEEN = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)


@pytest.fixture
def c(session, clock, tmp_path):
    """The test county with case delegations, reviewers and the deadline rules."""
    return build_case_county(session, clock, tmp_path)


@pytest.fixture
def store(tmp_path):
    """Evidence on disk under a temporary instance folder."""
    return DiskBlobStore(tmp_path / "instance" / "evidence")


def _upload(filename="stall.jpg", content=JPEG, **kw) -> EvidenceUpload:
    args = {"collected_at": SEEN, "collected_place": "郑口镇解放街12号门前", "proves": "当事人占道摆摊的事实"} | kw
    return EvidenceUpload(filename=filename, content=content, **args)


def _add(session, c, store, case, user="zk_officer1", upload=None, **kw):
    return in_transaction(session, add_evidence, session, c.clock, store, c.users[user], case.id,
                          upload or _upload(), **kw)


def _files(store) -> list:
    return [p for p in store.root.rglob("*") if p.is_file()] if store.root.exists() else []


def _nothing_written(session, store, case) -> None:
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Evidence)) == 0
    assert session.scalar(select(func.count()).where(AuditEvent.action == "evidence.added")) == 0
    assert _files(store) == []


@pytest.mark.parametrize(("content", "kind", "mime"), [
    (JPEG, "photo", "image/jpeg"), (PNG, "photo", "image/png"), (PDF, "document", "application/pdf"),
    (MP3, "audio", "audio/mpeg"), (WAV, "audio", "audio/wav"), (AMR, "audio", "audio/amr"),
    (MP4, "video", "video/mp4"), (MOV, "video", "video/quicktime")])
def test_sniffing_reads_the_bytes(content, kind, mime):
    """第46条 视听资料、书证: photos, recordings, videos and PDFs are known by their first bytes."""
    found = sniff(content)
    assert (found.kind, found.mime) == (kind, mime)


def test_sniffing_refuses_other_content():
    """An executable, a zip or plain text is none of the evidence formats."""
    assert sniff(b"MZ\x90\x00" + b"\x00" * 40) is None
    assert sniff(b"PK\x03\x04" + b"\x00" * 40) is None
    assert sniff("现场情况说明".encode()) is None


def test_evidence_is_stored_by_sha256_with_who_when_where_and_what(session, c, store):
    """第46–47条: the file by its hash, the facts in a row, listed on the case and its task pages."""
    case = file(session, c)
    row = _add(session, c, store, case, upload=_upload(collected_by_user_id=c.users["zk_officer2"].id))
    digest = hashlib.sha256(JPEG).hexdigest()
    assert row.sha256 == digest and store.exists(digest)
    assert _files(store)[0].name == digest and _files(store)[0].read_bytes() == JPEG
    listed = case_evidence(session, case.id)
    assert [(e.kind, e.mime, e.filename, e.collected_place, e.proves) for e in listed] == [
        ("photo", "image/jpeg", "stall.jpg", "郑口镇解放街12号门前", "当事人占道摆摊的事实")]
    assert listed[0].collected_by_user_id == c.users["zk_officer2"].id
    assert listed[0].uploaded_by_user_id == c.users["zk_officer1"].id and listed[0].collected_at == SEEN
    assert [e.id for e in instance_evidence(session, case.instance_id)] == [row.id]
    got, content = evidence_content(session, store, case.id, row.id)
    assert got.id == row.id and content == JPEG


def test_evidence_hash_is_chained_into_the_audit_log(session, c, store):
    """第47条 全过程记录: the upload is an audit row carrying the content hash, and the chain verifies."""
    case = file(session, c)
    row = _add(session, c, store, case, upload=_upload("record.pdf", PDF))
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "evidence.added")).one()
    assert event.details["sha256"] == row.sha256 and event.instance_id == case.instance_id
    assert event.subject_id == str(case.id) and event.actor_user_id == c.users["zk_officer1"].id
    assert verify_chain(session).ok


def test_wrong_type_is_refused_and_nothing_written(session, c, store):
    """第46条: a file that is not a photo, recording, video or PDF is refused, whatever its name says."""
    case = file(session, c)
    with pytest.raises(ValidationFailed) as err:
        _add(session, c, store, case, upload=_upload("photo.jpg", b"MZ\x90\x00not really a photo"))
    assert "第46条" in err.value.errors["file"][0]
    _nothing_written(session, store, case)


def test_extension_that_lies_about_the_content_is_refused(session, c, store):
    """A PDF renamed .jpg is refused naming the real type; nothing is written."""
    case = file(session, c)
    with pytest.raises(ValidationFailed) as err:
        _add(session, c, store, case, upload=_upload("photo.jpg", PDF))
    assert "application/pdf" in err.value.errors["file"][0]
    _nothing_written(session, store, case)


def test_too_large_is_refused_and_nothing_written(session, c, store):
    """A photo above the configured photo ceiling is refused with the sizes; nothing is written."""
    case = file(session, c)
    with pytest.raises(ValidationFailed) as err:
        _add(session, c, store, case, limits={"photo": 100})
    assert str(len(JPEG)) in err.value.errors["file"][0] and "100" in err.value.errors["file"][0]
    _nothing_written(session, store, case)


def test_missing_facts_are_all_reported_at_once(session, c, store):
    """Who, when, where and what it proves are required; every missing one is named; nothing written."""
    case = file(session, c)
    bad = _upload("", JPEG, collected_at=None, collected_place=" ", proves="")
    with pytest.raises(ValidationFailed) as err:
        _add(session, c, store, case, upload=bad)
    assert {"filename", "collected_at", "collected_place", "proves"} <= set(err.value.errors)
    _nothing_written(session, store, case)


def test_collected_in_the_future_is_refused(session, c, store):
    """A collection time after now is refused."""
    case = file(session, c)
    with pytest.raises(ValidationFailed) as err:
        _add(session, c, store, case, upload=_upload(collected_at=datetime(2027, 1, 1, tzinfo=UTC)))
    assert "collected_at" in err.value.errors
    _nothing_written(session, store, case)


def test_collector_must_be_an_officer_of_the_case(session, c, store):
    """第42条: the collector named is one of the case's officers."""
    case = file(session, c)
    with pytest.raises(ValidationFailed):
        _add(session, c, store, case, upload=_upload(collected_by_user_id=c.users["qh_officer1"].id))
    _nothing_written(session, store, case)


def test_only_officers_of_the_handling_organ_add_evidence(session, c, store):
    """Another township's officer is refused; nothing written."""
    case = file(session, c)
    with pytest.raises(PermissionDenied):
        _add(session, c, store, case, user="qh_officer1")
    _nothing_written(session, store, case)


def test_closed_case_takes_no_more_evidence(session, c, store):
    """第47条 归档保存: a closed, archived case is not added to."""
    case = file(session, c)
    session.get(Case, case.id).status = CaseStatus.CLOSED
    session.commit()
    with pytest.raises(Conflict) as err:
        _add(session, c, store, case)
    assert err.value.details["article"] == "行政处罚法 第47条"
    _nothing_written(session, store, case)


def test_same_file_twice_on_one_case_is_refused(session, c, store):
    """One file is one item of evidence; the second upload is refused and the first kept."""
    case = file(session, c)
    _add(session, c, store, case)
    with pytest.raises(Conflict):
        _add(session, c, store, case, upload=_upload("again.jpg"))
    assert len(case_evidence(session, case.id)) == 1


def test_evidence_is_retained_with_the_case(session, c, store):
    """第47条 归档保存: a case with evidence cannot be deleted out from under it."""
    case = file(session, c)
    _add(session, c, store, case)
    session.execute(Evidence.__table__.select())  # the row is there
    with pytest.raises(Exception):  # noqa: B017 - either backend's foreign-key error
        session.execute(Case.__table__.delete().where(Case.__table__.c.id == case.id))
        session.flush()
    session.rollback()
    assert len(case_evidence(session, case.id)) == 1


def test_altered_file_is_never_served(session, c, store):
    """A stored file changed on disk no longer matches its name and is refused."""
    case = file(session, c)
    row = _add(session, c, store, case)
    _files(store)[0].write_bytes(JPEG + b"tampered")
    with pytest.raises(NotFound):
        evidence_content(session, store, case.id, row.id)
