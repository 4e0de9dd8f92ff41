"""Official documents (公文) produced by the procedures, stored byte-for-byte with their hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.organizations import Organization


class Document(Base):
    """One rendering (.docx or HTML) of an entrustment letter or a grant decision."""

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_instance", "instance_id"),
        Index("ix_documents_number", "document_no"),
        # One 发文字号 names one document: its .docx and its HTML, never two letters.
        Index("uq_documents_number_mime", "document_no", "mime", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # entrustment_letter (行政执法委托书) | grant_decision (赋权决定)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    # 发文字号, e.g. 故城管委〔2026〕1号; the .docx and the HTML of one document share it.
    document_no: Mapped[str] = mapped_column(String(80))
    mime: Mapped[str] = mapped_column(String(120))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int]
    # The issuing organ (发文机关).
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    instance_id: Mapped[int | None]
    created_at: Mapped[datetime]

    organization: Mapped[Organization] = relationship()
