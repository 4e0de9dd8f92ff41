"""Organizations, users, role memberships and enforcement certificates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.enums import OrgKind, PopulationClass, Role


def _enum(cls):
    """A string-valued enum column that stores the value, not the member name."""
    return Enum(cls, values_callable=lambda e: [m.value for m in e], native_enum=False, length=32)


class Organization(Base):
    """An organ: county government, department, legal office, township or township organ."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(60), index=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(_enum(OrgKind), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    # 派驻: a county agency stationed in townships (公安派出所, 税务分局, 市场监管分局).
    is_stationed: Mapped[bool] = mapped_column(default=False)
    # The township a stationed agency or a township organ serves.
    township_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    population: Mapped[int | None]
    population_class: Mapped[PopulationClass | None] = mapped_column(_enum(PopulationClass))
    # 加挂牌子: extra nameplates a township organ carries, e.g. ["财政所"].
    nameplates: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int | None]
    # Size of the comprehensive enforcement team (综合行政执法队); the plan wants at least 10.
    enforcement_team_size: Mapped[int | None]
    is_active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Organization | None] = relationship(
        remote_side=[id], foreign_keys=[parent_id]
    )


class User(Base):
    """A person who signs in; roles are held per organization."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    created_at: Mapped[datetime]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    certificates: Mapped[list[EnforcementCertificate]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )


class Membership(Base):
    """One role a user holds in one organization."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organization_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role))

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship()


class EnforcementCertificate(Base):
    """执法证: only certified officers may act in enforcement (行政处罚法 第42条)."""

    __tablename__ = "enforcement_certificates"
    __table_args__ = (Index("ix_cert_user_valid", "user_id", "valid_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(60), unique=True)
    issued_by: Mapped[str | None] = mapped_column(String(120))
    issued_on: Mapped[date | None]
    valid_until: Mapped[date]
    revoked_on: Mapped[date | None]

    user: Mapped[User] = relationship(back_populates="certificates")

    def is_valid_on(self, day: date) -> bool:
        """True when the certificate covers the given day."""
        if self.revoked_on is not None and day >= self.revoked_on:
            return False
        return (self.issued_on is None or self.issued_on <= day) and day <= self.valid_until
