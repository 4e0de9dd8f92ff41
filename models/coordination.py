"""County–township coordination records: case transfers, joint enforcement, mutual notification,
work orders and duty access (domain.md §3a, §4, §7)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.organizations import _enum


class TransferStatus(StrEnum):
    """Where a case transfer (案件移送) stands."""

    SENT = "sent"  # 已移送，待接收
    ACCEPTED = "accepted"  # 接收机关已接收
    OBJECTED = "objected"  # 接收机关有异议，报请县政府指定管辖
    DESIGNATED = "designated"  # 县政府已指定管辖 (行政处罚法 第25条)


class CaseTransfer(Base):
    """One transfer of a case from one organ to another, with the materials that travel with it."""

    __tablename__ = "case_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    sender_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    receiver_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    materials: Mapped[list] = mapped_column(JSON, default=list)  # [{"title", "pages"}]
    competence_basis: Mapped[str] = mapped_column(Text)  # the registry's answer at sending
    status: Mapped[TransferStatus] = mapped_column(_enum(TransferStatus), default=TransferStatus.SENT)
    objection_reason: Mapped[str | None] = mapped_column(Text)
    designated_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    designation_note: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    designated_at: Mapped[datetime | None]
    sender_key: Mapped[str] = mapped_column(String(80), unique=True)
    receiver_key: Mapped[str] = mapped_column(String(80), unique=True)
    answer_deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))
    designation_deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))
    # The competent organ's case-handling instance started after acceptance or designation;
    # set once by a conditional UPDATE, so a case is never handed over twice.
    handling_instance_id: Mapped[int | None] = mapped_column(index=True)


class JointOperation(Base):
    """A joint enforcement operation (联合执法, 浙江省综合行政执法条例 第13–14条)."""

    __tablename__ = "joint_operations"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiator_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    title: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str] = mapped_column(Text)  # 执法方案
    planned_on: Mapped[str] = mapped_column(String(10))  # ISO legal date of the operation
    status: Mapped[str] = mapped_column(String(20), default="inviting")
    result_summary: Mapped[str | None] = mapped_column(Text)
    published_on: Mapped[str | None] = mapped_column(String(10))
    publication_channel: Mapped[str | None] = mapped_column(String(200))
    instance_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[datetime]

    participants: Mapped[list[JointParticipant]] = relationship(
        back_populates="operation", cascade="all, delete-orphan", order_by="JointParticipant.id")
    findings: Mapped[list[JointFinding]] = relationship(
        back_populates="operation", cascade="all, delete-orphan", order_by="JointFinding.id")


class JointParticipant(Base):
    """An organ invited to a joint operation and its answer."""

    __tablename__ = "joint_participants"
    __table_args__ = (UniqueConstraint("operation_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("joint_operations.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    confirmed: Mapped[bool | None]
    response_note: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))

    operation: Mapped[JointOperation] = relationship(back_populates="participants")


class JointFinding(Base):
    """What one participant found on one item, and the organ the registry routes the case to."""

    __tablename__ = "joint_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("joint_operations.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    item_code: Mapped[str | None] = mapped_column(String(60))
    finding: Mapped[str] = mapped_column(Text)
    routed_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    routed_mode: Mapped[str | None] = mapped_column(String(20))
    routed_basis: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime]
    # The case the competent organ filed on this finding (one finding, at most one case).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), unique=True)

    operation: Mapped[JointOperation] = relationship(back_populates="findings")


class MutualNotification(Base):
    """A notice between a department and a township (相互告知); named apart from in-app notifications."""

    __tablename__ = "notifications_mutual"
    __table_args__ = (Index("ix_notifications_mutual_recipient", "recipient_org_id", "acknowledged_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    recipient_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    kind: Mapped[str] = mapped_column(String(20))  # licence / penalty / inspection
    major: Mapped[bool] = mapped_column(default=False)
    subject: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    sent_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledgement_note: Mapped[str | None] = mapped_column(Text)
    instance_id: Mapped[int | None] = mapped_column(index=True)
    deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))


class WorkOrder(Base):
    """A ticket of the township command centre (综合指挥中心工单)."""

    __tablename__ = "work_orders"
    __table_args__ = (Index("ix_work_orders_township_received", "township_id", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # 首接负责制: the first receiver stays answerable whoever handles the ticket.
    first_receiver_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    source: Mapped[str] = mapped_column(String(20))  # complaint / hazard
    urgency: Mapped[str] = mapped_column(String(20))  # general / emergency
    item_code: Mapped[str | None] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    assigned_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    level: Mapped[str | None] = mapped_column(String(20))  # township / county
    dispatched_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    objections: Mapped[list] = mapped_column(JSON, default=list)  # [{"org_id", "reason", "at"}]
    feedback_at: Mapped[datetime | None]
    feedback: Mapped[str | None] = mapped_column(Text)
    resolved: Mapped[bool | None]
    satisfaction: Mapped[str | None] = mapped_column(String(20))
    closed_at: Mapped[datetime | None]
    instance_id: Mapped[int | None] = mapped_column(index=True)
    dispatch_deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))
    feedback_deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))


class DutyAccessRequest(Base):
    """A county department's request to push a task onto townships (职责准入)."""

    __tablename__ = "duty_access_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    township_ids: Mapped[list] = mapped_column(JSON)
    staff: Mapped[int] = mapped_column(default=0)  # 人随事转
    funding_yuan: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))  # 费随事转
    resources_required: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(20), default="consulting")
    approved_targets: Mapped[str | None] = mapped_column(Text)
    approved_staff: Mapped[int | None]
    approved_funding_yuan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    instance_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[datetime]

    opinions: Mapped[list[DutyAccessOpinion]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="DutyAccessOpinion.id")


class DutyAccessOpinion(Base):
    """One township's opinion on a duty-access request."""

    __tablename__ = "duty_access_opinions"
    __table_args__ = (UniqueConstraint("request_id", "township_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("duty_access_requests.id", ondelete="CASCADE"))
    township_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    agrees: Mapped[bool]
    opinion: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime]

    request: Mapped[DutyAccessRequest] = relationship(back_populates="opinions")
