"""Tables of the workflow engine: stored definitions, instances and human tasks (design.md §3)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

INSTANCE_STATUSES = ("running", "waiting", "completed", "cancelled", "error")
TASK_STATES = ("ready", "claimed", "completed", "cancelled")
OPEN_TASK_STATES = ("ready", "claimed")


class ProcessDefinition(Base):
    """One BPMN file version, stored once per content hash; instances pin to it."""

    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("process_id", "content_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(120), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    content_sha256: Mapped[str] = mapped_column(String(64))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    # Files its call activities reach (file name → XML), stored with it and covered by the hash.
    includes: Mapped[dict | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime]


class ProcessInstance(Base):
    """A running procedure: state-only blob plus the columns queries need."""

    __tablename__ = "process_instances"
    __table_args__ = (
        Index("ix_instance_status_process", "status", "process_id"),
        # An instance's township without its row: the row holds the engine's state (kilobytes, a page
        # or more each), so a department inbox's township list read thousands of pages (issue 10 §11).
        Index("ix_process_instances_township_of", "id", "township_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(120))
    business_key: Mapped[str | None] = mapped_column(String(120), index=True)
    township_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    # Serialized workflow state only; the spec comes from the pinned definition.
    state: Mapped[str] = mapped_column(Text)
    # Optimistic lock: every save is UPDATE … WHERE id=? AND version=?.
    version: Mapped[int] = mapped_column(default=1)
    next_wake_at: Mapped[datetime | None] = mapped_column(index=True)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class HumanTask(Base):
    """A user task waiting for a person; the inbox is one indexed query on this table."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        # due_at included: the inbox sorts a department's thousands of open tasks from the index alone;
        # instance_id too, so the inbox's township list joins instances without reading task rows.
        Index("ix_human_task_inbox", "organization_id", "role", "state", "due_at", "instance_id"),
        UniqueConstraint("spiff_task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), index=True
    )
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    task_spec_name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(32))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    state: Mapped[str] = mapped_column(String(16), default="ready")
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    needs_certificate: Mapped[bool] = mapped_column(default=False)
    form_key: Mapped[str | None] = mapped_column(String(160))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The cleaned form data the task was completed with (JSON-native).
    submitted: Mapped[dict | None] = mapped_column(JSON)
