"""Delegations: one item moved (or not) to one township, over a period of dates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.catalogue import PowerItem
from models.enums import CutoverRule, DelegationMode, DelegationStatus
from models.organizations import Organization, _enum

# Statuses whose date range counts in the registry; revocation and expiry keep their
# history because they close `effective_to` instead of deleting the row.
IN_FORCE_STATUSES = (
    DelegationStatus.PUBLISHED,
    DelegationStatus.EFFECTIVE,
    DelegationStatus.REVOKED,
    DelegationStatus.EXPIRED,
)


class Delegation(Base):
    """Item × township × mode with its dates, status, documents and what moves with it."""

    __tablename__ = "delegations"
    __table_args__ = (
        Index("ix_delegation_lookup", "item_id", "township_id", "effective_from"),
        Index("ix_delegation_township", "township_id", "effective_from"),
        # Never an inverted period: a row revoked before it began has no end and counts nowhere.
        CheckConstraint("effective_to IS NULL OR effective_to >= effective_from",
                        name="period_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("power_items.id"))
    township_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    mode: Mapped[DelegationMode] = mapped_column(_enum(DelegationMode))
    status: Mapped[DelegationStatus] = mapped_column(
        _enum(DelegationStatus), default=DelegationStatus.PROPOSED
    )
    effective_from: Mapped[date]
    # Last day in force (inclusive); required for an entrustment (委托书 states 期限, 第20条).
    effective_to: Mapped[date | None]
    document_no: Mapped[str | None] = mapped_column(String(80))  # e.g. 故政字〔2020〕12号
    document_title: Mapped[str | None] = mapped_column(String(300))
    # 权责对等、费随事转: funding and staffing that move with the power.
    funding_yuan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    staffing_posts: Mapped[int | None]
    cutover_rule: Mapped[CutoverRule] = mapped_column(
        _enum(CutoverRule), default=CutoverRule.FILED_CASES_STAY
    )
    cutover_days: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20), default="procedure")  # procedure | import
    instance_id: Mapped[int | None]  # the process instance that produced it, if any
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    item: Mapped[PowerItem] = relationship()
    township: Mapped[Organization] = relationship()

    def covers(self, day: date) -> bool:
        """True when the row's date range contains the day (status is checked elsewhere)."""
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)
