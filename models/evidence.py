"""Evidence attached to a case (证据, 行政处罚法 第46–47条): content kept by sha256, facts in rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.cases import Case
from models.organizations import Organization, User


class Evidence(Base):
    """One photo, recording, video or scanned record of a case, with who, when, where and what it proves."""

    __tablename__ = "case_evidence"
    __table_args__ = (
        UniqueConstraint("case_id", "sha256", name="uq_case_evidence_case_sha256"),
        Index("ix_case_evidence_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No ON DELETE CASCADE: evidence is archived with the case (第47条 归档保存), never dropped with a row.
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # photo | audio | video | document (by content)
    mime: Mapped[str] = mapped_column(String(80))  # sniffed from the bytes, not taken from the client
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    collected_at: Mapped[datetime]  # 取证时间
    collected_place: Mapped[str] = mapped_column(String(200))  # 取证地点
    collected_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # 取证人
    proves: Mapped[str] = mapped_column(Text)  # 证明对象 (what the item shows)
    uploaded_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_by_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    uploaded_at: Mapped[datetime]

    case: Mapped[Case] = relationship()
    collected_by: Mapped[User] = relationship(foreign_keys=[collected_by_user_id])
    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_user_id])
    uploaded_by_org: Mapped[Organization] = relationship()
