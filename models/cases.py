"""Enforcement cases (行政处罚案件), their officers and their legal reviews (法制审核)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.catalogue import PowerItem
from models.enums import DelegationMode
from models.organizations import Organization, _enum


class CaseStatus(StrEnum):
    """Where a case stands (立案 → 调查 → 审核 → 决定 → 公示 → 结案)."""

    FILED = "filed"  # 立案
    INVESTIGATING = "investigating"  # 调查取证
    REVIEWING = "reviewing"  # 法制审核
    DECIDED = "decided"  # 作出决定
    PUBLISHED = "published"  # 公示
    TRANSFERRED = "transferred"  # 移送 (another organ or public security)
    CLOSED = "closed"  # 结案
    WITHDRAWN = "withdrawn"  # 撤销立案


class PartyKind(StrEnum):
    """The party (当事人): fine thresholds for a major decision differ by kind."""

    CITIZEN = "citizen"  # 公民
    ORGANIZATION = "organization"  # 法人或者其他组织


class DecisionKind(StrEnum):
    """What the organ decided at the end of the investigation (行政处罚法 第57条)."""

    PENALTY = "penalty"  # 给予行政处罚
    NO_PENALTY = "no_penalty"  # 不予行政处罚
    TRANSFER = "transfer"  # 移送 (违法行为涉嫌犯罪 → 司法机关)


class ReviewResult(StrEnum):
    """Outcome of one legal review (法制审核意见)."""

    PASS = "pass"  # 同意
    RETURN = "return"  # 退回补充
    FAIL = "fail"  # 不同意


class Case(Base):
    """One case on one catalogue item, handled by one organ in one township."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_handling_status", "handling_org_id", "status"),
        Index("ix_cases_township_filed", "township_id", "filed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(80), unique=True)  # 案号
    item_id: Mapped[int] = mapped_column(ForeignKey("power_items.id"), index=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # The organ acting (办案机关): a township for granted items, else the department.
    handling_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # Whose name the decision carries (执法主体): the entrusting department for 委托 (第20条).
    enforcement_subject_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # Who answers for the case (责任主体): same as the subject except where the plan says so.
    responsible_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id"))
    mode_at_filing: Mapped[DelegationMode | None] = mapped_column(_enum(DelegationMode))
    filed_on: Mapped[date]  # Asia/Shanghai legal date of 立案
    party_name: Mapped[str] = mapped_column(String(200))
    party_kind: Mapped[PartyKind] = mapped_column(_enum(PartyKind))
    facts_summary: Mapped[str] = mapped_column(Text)
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus), default=CaseStatus.FILED)
    decision_kind: Mapped[DecisionKind | None] = mapped_column(_enum(DecisionKind))
    fine_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    decided_on: Mapped[date | None]
    # Written reason for a decision outside the discretion benchmark (自由裁量权基准).
    outside_benchmark_reason: Mapped[str | None] = mapped_column(Text)
    published_on: Mapped[date | None]
    publication_withdrawn_on: Mapped[date | None]
    instance_id: Mapped[int | None] = mapped_column(index=True)
    violation_on: Mapped[date]  # date the act was committed, 第36条
    # 第36条: a continuing or repeated act is counted from the day it ended.
    act_ended_on: Mapped[date | None]
    # 第36条: the period runs to the day the act was discovered (发现); None on old rows.
    discovered_on: Mapped[date | None]
    # 第36条: 5 years instead of 2 when the act harms life, health or financial safety.
    harm_to_life_health_finance: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]

    item: Mapped[PowerItem] = relationship()
    township: Mapped[Organization] = relationship(foreign_keys=[township_id])
    handling_org: Mapped[Organization] = relationship(foreign_keys=[handling_org_id])
    enforcement_subject_org: Mapped[Organization] = relationship(
        foreign_keys=[enforcement_subject_org_id]
    )
    officers: Mapped[list[CaseOfficer]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )
    reviews: Mapped[list[CaseReview]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseReview.id"
    )


class CaseOfficer(Base):
    """An enforcement officer acting on a case with the certificate used (第42条)."""

    __tablename__ = "case_officers"
    __table_args__ = (UniqueConstraint("case_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    certificate_number: Mapped[str] = mapped_column(String(60))

    case: Mapped[Case] = relationship(back_populates="officers")


class CaseReview(Base):
    """One legal review opinion on a case (法制审核, 第58条)."""

    __tablename__ = "case_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    reviewer_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    reviewer_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opinion: Mapped[str] = mapped_column(Text)
    result: Mapped[ReviewResult] = mapped_column(_enum(ReviewResult))
    reviewed_at: Mapped[datetime]

    case: Mapped[Case] = relationship(back_populates="reviews")
    reviewer_org: Mapped[Organization] = relationship()
