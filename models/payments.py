"""Service of a penalty decision and payment of its fine (行政处罚法 第61、67、72–73条)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class CaseService(Base):
    """送达: how and when the decision reached the party (第61条; electronic only with consent)."""

    __tablename__ = "case_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    method: Mapped[str] = mapped_column(String(20))  # hand | post | electronic
    served_on: Mapped[date]
    recipient: Mapped[str] = mapped_column(String(200))
    payment_due_on: Mapped[date]  # 第67条: 15 days from service
    recorded_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]


class CasePayment(Base):
    """缴纳罚款: one payment with the late fee it carried (第72条, reconsideration/litigation days not counted, 第73条)."""

    __tablename__ = "case_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    paid_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    late_fee: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    late_days: Mapped[int]
    # [{"from": "2026-04-01", "to": "2026-05-30", "kind": "reconsideration"}] — days not counted (第73条)
    excluded_periods: Mapped[list] = mapped_column(JSON, default=list)
    recorded_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
