"""Legal deadline rules, deadline records, extensions, notifications and webhook deliveries."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.organizations import _enum


class PeriodUnit(StrEnum):
    """How a legal period is counted (domain.md §6)."""

    WORKING_DAYS = "working_days"  # 行政处罚法 第85条, 国办发〔2018〕118号
    CALENDAR_DAYS = "calendar_days"  # 民事诉讼法 第85条 roll-forward
    HOURS = "hours"  # clock hours 24×7 (国务院令第310号 "24小时")


class ExpiryAction(StrEnum):
    """What happens when a deadline passes."""

    NOTIFY = "notify"  # tell the assignee and their leader
    ESCALATE = "escalate"  # also tell a named role above them
    INTERRUPT = "interrupt"  # the task is interrupted (the engine's timer path)


class DeadlineStatus(StrEnum):
    """Lifecycle of one deadline record (design.md §4)."""

    PENDING = "pending"
    WARNED = "warned"
    MET = "met"
    OVERDUE = "overdue"
    PAUSED = "paused"
    CANCELLED = "cancelled"


RUNNING_STATUSES = (DeadlineStatus.PENDING, DeadlineStatus.WARNED)
_UNITS = ", ".join(f"'{u.value}'" for u in PeriodUnit)


class DeadlineRule(Base):
    """A legal period as data; a row with `county_org_id` overrides the default for that county."""

    __tablename__ = "deadline_rules"
    __table_args__ = (
        # One default row per key, and at most one override per key and county.
        Index("uq_deadline_rules_key_default", "key", unique=True,
              sqlite_where=text("county_org_id IS NULL"),
              postgresql_where=text("county_org_id IS NULL")),
        Index("uq_deadline_rules_key_county", "key", "county_org_id", unique=True),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("warn_before_amount >= 0", name="warn_not_negative"),
        CheckConstraint(f"unit IN ({_UNITS})", name="unit_known"),
        CheckConstraint(f"warn_before_unit IN ({_UNITS})", name="warn_unit_known"),
        CheckConstraint("direction IN ('after', 'before')", name="direction_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), index=True)
    county_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str] = mapped_column(Text)
    # [S] confirmed against a source, [D] design recommendation, [M] to confirm (domain.md).
    source_label: Mapped[str] = mapped_column(String(1), default="S")
    amount: Mapped[int]
    unit: Mapped[str] = mapped_column(String(20))
    start_event: Mapped[str] = mapped_column(String(200))
    # "before": the period ends at the event and is counted backwards (倒算), e.g. the hearing
    # notice 7 days before the hearing (行政处罚法 第64条).
    direction: Mapped[str] = mapped_column(String(6), default="after")
    warn_before_amount: Mapped[int] = mapped_column(default=0)
    warn_before_unit: Mapped[str] = mapped_column(String(20), default=PeriodUnit.WORKING_DAYS.value)
    on_expiry: Mapped[ExpiryAction] = mapped_column(_enum(ExpiryAction), default=ExpiryAction.NOTIFY)
    escalate_to_role: Mapped[str | None] = mapped_column(String(32))
    # Extension a head may approve (e.g. +30 days, 市场监管行政处罚程序规定); None: no extension.
    extension_amount: Mapped[int | None]
    extension_role: Mapped[str | None] = mapped_column(String(32))
    # Whether the basis lets a collective decision extend further (市场监管 程序规定); else never.
    extension_collective: Mapped[bool] = mapped_column(default=False, server_default=false())
    # What the basis is: statute | sector_rule | local_practice | design_default (domain.md §9).
    basis_kind: Mapped[str | None] = mapped_column(String(20))
    # A sector rule binds only its sector's organs, e.g. market_regulation (市场监管部门).
    sector: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)


class Deadline(Base):
    """One running legal period tied to an instance, a task or a case."""

    __tablename__ = "deadlines"
    __table_args__ = (
        Index("ix_deadlines_status_due", "status", "due_at"),
        Index("ix_deadlines_status_warn", "status", "warn_at"),
        # Covers the dashboard's figures (deadlines due in a period, by organization, status and step kind),
        # so the one pass that serves the figures per group and per step kind reads the index alone.
        Index("ix_deadlines_figures", "due_at", "org_id", "status", "rule_key", "met_at", "started_at",
              "paused_seconds"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("deadline_rules.id"), index=True)
    rule_key: Mapped[str] = mapped_column(String(80), index=True)
    # The period is pinned at start: a later rule edit never moves a running deadline.
    amount: Mapped[int]
    unit: Mapped[str] = mapped_column(String(20))
    instance_id: Mapped[int | None] = mapped_column(index=True)
    task_id: Mapped[str | None] = mapped_column(String(64), index=True)
    case_ref: Mapped[str | None] = mapped_column(String(80), index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    assignee_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    warn_at: Mapped[datetime | None]
    status: Mapped[DeadlineStatus] = mapped_column(_enum(DeadlineStatus), default=DeadlineStatus.PENDING)
    provisional: Mapped[bool] = mapped_column(default=False)
    warned_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    met_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    pause_reason: Mapped[str | None] = mapped_column(String(200))
    # Wall-clock time spent paused, and the rule units the pauses added to the period.
    paused_seconds: Mapped[int] = mapped_column(default=0)
    excluded_amount: Mapped[int] = mapped_column(default=0)
    extension_count: Mapped[int] = mapped_column(default=0)

    rule: Mapped[DeadlineRule] = relationship()
    extensions: Mapped[list[DeadlineExtension]] = relationship(
        back_populates="deadline", order_by="DeadlineExtension.id"
    )


class DeadlineExtension(Base):
    """An approved extension (延期) with its reason and approver."""

    __tablename__ = "deadline_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    approver_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    collective: Mapped[bool] = mapped_column(default=False)  # 集体讨论决定
    old_due_at: Mapped[datetime]
    new_due_at: Mapped[datetime]
    created_at: Mapped[datetime]

    deadline: Mapped[Deadline] = relationship(back_populates="extensions")


class Notification(Base):
    """An in-app message to a user, or to an organization when no user is named."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"), index=True)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class WebhookDelivery(Base):
    """A JSON POST to the county's messaging system, retried with exponential back-off."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    payload: Mapped[dict] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending/delivered/failed
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
