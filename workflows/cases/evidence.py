"""Evidence of a case (证据, 行政处罚法 第46–47条): checked, stored by sha256, chained into the audit log."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, CaseOfficer, CaseStatus, Evidence, Membership, Role, User
from workflows.cases.rules import _org_and_organs
from workflows.cases.sniff import KNOWN, FileType, extension, sniff
from workflows.cases.storage import BlobStore
from workflows.core import audit
from workflows.core.clock import SystemClock
from workflows.core.db import unit_of_work
from workflows.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

ART_46 = "行政处罚法 第46条"  # 证据: 书证、物证、视听资料、电子数据 …
ART_47 = "行政处罚法 第47条"  # 全过程记录，归档保存
MIB = 1024 * 1024
# Per-kind ceilings a county may change through configuration (EVIDENCE_LIMITS).
SIZE_LIMITS = {"photo": 20 * MIB, "audio": 100 * MIB, "video": 500 * MIB, "document": 50 * MIB}
ACTION_ADDED = "evidence.added"
_ACCEPTED = "、".join(sorted({ext for t in KNOWN for ext in t.extensions}))


@dataclass(frozen=True)
class EvidenceUpload:
    """One file as uploaded, with who collected it, when, where and what it proves."""

    filename: str
    content: bytes
    collected_at: datetime | None
    collected_place: str
    proves: str
    collected_by_user_id: int | None = None


def _check_file(upload: EvidenceUpload, limits: dict[str, int], errors: dict) -> FileType | None:
    """Type by content sniffing, extension agreeing with the content, size within the kind's ceiling."""
    found = sniff(upload.content)
    ext = extension(upload.filename)
    if not upload.content:
        errors["file"] = ["文件为空 / the file is empty"]
    elif found is None:
        errors["file"] = [f"文件内容不是可接受的照片、录音、录像或 PDF（{_ACCEPTED}），依{ART_46}须为视听资料或书证 / "
                          f"the content is not an accepted photo, audio, video or PDF format"]
    elif ext not in found.extensions:
        errors["file"] = [f"文件内容为 {found.mime}，与扩展名 .{ext or '（无）'} 不符 / the content is {found.mime}, "
                          f"which does not match the extension .{ext or '(none)'}"]
    elif len(upload.content) > limits[found.kind]:
        errors["file"] = [f"文件 {len(upload.content)} 字节，超过{found.kind}上限 {limits[found.kind]} 字节 / "
                          f"{len(upload.content)} bytes exceed the {found.kind} limit of {limits[found.kind]}"]
    return found


def check_upload(upload: EvidenceUpload, now: datetime, limits: dict[str, int] | None = None) -> FileType:
    """Every problem with the upload at once (ValidationFailed), or the sniffed type."""
    errors: dict[str, list[str]] = {}
    found = _check_file(upload, {**SIZE_LIMITS, **(limits or {})}, errors)
    name = (upload.filename or "").strip()
    if not name or len(name) > 200 or any(c in name for c in "/\\\x00"):
        errors["filename"] = ["文件名须为 1–200 个字符且不含路径 / a file name of 1–200 characters, no path"]
    if upload.collected_at is None or upload.collected_at.tzinfo is None:
        errors["collected_at"] = ["须填写取证时间 / when the evidence was collected is required"]
    elif upload.collected_at > now:
        errors["collected_at"] = ["取证时间晚于当前时间 / collected in the future"]
    if not (upload.collected_place or "").strip() or len(upload.collected_place) > 200:
        errors["collected_place"] = ["须填写取证地点（200 字以内）/ where it was collected is required"]
    if not (upload.proves or "").strip() or len(upload.proves) > 2000:
        errors["proves"] = ["须说明证明对象（2000 字以内）/ what it proves is required"]
    if errors:
        raise ValidationFailed(errors, message=f"证据不予接收（{ART_46}）/ evidence refused")
    return found


def _require_officer(session: Session, actor: User, case: Case) -> None:
    """Only officers of the handling organ (and its internal organs) add evidence to its case."""
    held = session.scalar(select(Membership.id).where(
        Membership.user_id == actor.id,
        Membership.organization_id.in_(_org_and_organs(session, case.handling_org)),
        Membership.role.in_((Role.TOWNSHIP_OFFICER, Role.COUNTY_OFFICER))).limit(1))
    if held is None:
        raise PermissionDenied(f"{actor.display_name} 不是{case.handling_org.name}的执法人员，不能提交证据 / "
                               f"{actor.username} is not an officer of {case.handling_org.name}",
                               user_id=actor.id, case_id=case.id)


def _collector(session: Session, case: Case, actor: User, user_id: int | None) -> int:
    """取证人: the uploader, or one of the officers named on the case (第42条)."""
    if user_id is None or user_id == actor.id:
        return actor.id
    named = session.scalar(select(CaseOfficer.id).where(CaseOfficer.case_id == case.id,
                                                        CaseOfficer.user_id == user_id))
    if named is None:
        raise ValidationFailed({"collected_by_user_id": [
            f"取证人须为本案执法人员：{user_id} / the collector must be an officer of the case"]})
    return user_id


def add_evidence(session: Session, clock: SystemClock, store: BlobStore, actor: User, case_id: int,
                 upload: EvidenceUpload, limits: dict[str, int] | None = None) -> Evidence:
    """Check, store by sha256 and record one item; nothing is stored or written when a check fails."""
    found = check_upload(upload, clock.now(), limits)
    with unit_of_work(session):
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(f"未找到案件：{case_id} / unknown case: {case_id}", case_id=case_id)
        _require_officer(session, actor, case)
        if case.status == CaseStatus.CLOSED:
            raise Conflict(f"案件 {case.case_number} 已结案归档，不得补充证据（{ART_47}）/ the case is closed and "
                           f"archived", article=ART_47, case_id=case.id)
        collector = _collector(session, case, actor, upload.collected_by_user_id)
        sha256 = hashlib.sha256(upload.content).hexdigest()
        if session.scalar(select(Evidence.id).where(Evidence.case_id == case.id, Evidence.sha256 == sha256)):
            raise Conflict(f"该文件已作为本案证据提交：{sha256[:12]}… / this file is already evidence of the case",
                           sha256=sha256)
        store.put(upload.content)  # last, after every check: a refused upload leaves no file behind
        row = Evidence(case_id=case.id, kind=found.kind, mime=found.mime, filename=upload.filename.strip(),
                       sha256=sha256, size=len(upload.content), collected_at=upload.collected_at,
                       collected_place=upload.collected_place.strip(), collected_by_user_id=collector,
                       proves=upload.proves.strip(), uploaded_by_user_id=actor.id,
                       uploaded_by_org_id=case.handling_org_id, uploaded_at=clock.now())
        session.add(row)
        session.flush()
        # 第47条 全过程记录: the content hash enters the keyed chain, so a swapped file is detectable.
        audit.record(session, at=clock.now(), action=ACTION_ADDED, subject_type="case", subject_id=case.id,
                     actor_user_id=actor.id, actor_org_id=case.handling_org_id, instance_id=case.instance_id,
                     details={"evidence_id": row.id, "sha256": sha256, "filename": row.filename,
                              "kind": row.kind, "size": row.size, "proves": row.proves,
                              "collected_at": row.collected_at.isoformat(), "place": row.collected_place})
    return row


def case_evidence(session: Session, case_id: int) -> list[Evidence]:
    """The evidence of a case in the order it was added."""
    return list(session.scalars(select(Evidence).where(Evidence.case_id == case_id).order_by(Evidence.id)))


def instance_evidence(session: Session, instance_id: int) -> list[Evidence] | None:
    """The evidence of the case a process instance handles (each of its task pages); None for no case."""
    case_id = session.scalar(select(Case.id).where(Case.instance_id == instance_id))
    return None if case_id is None else case_evidence(session, case_id)


def evidence_content(session: Session, store: BlobStore, case_id: int, evidence_id: int) -> tuple[Evidence, bytes]:
    """One item of a case with its bytes (the caller has checked the case is in scope)."""
    row = session.get(Evidence, evidence_id)
    if row is None or row.case_id != case_id:
        raise NotFound(f"未找到证据：{evidence_id} / unknown evidence: {evidence_id}", evidence_id=evidence_id)
    return row, store.get(row.sha256)
