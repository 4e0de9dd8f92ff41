"""The catalogue of power items (事项清单) and the batches that publish them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.enums import ItemCategory
from models.organizations import Organization, _enum

# Inspection and coercive powers that travel with a penalty power (domain.md §0).
item_relations = Table(
    "item_relations",
    Base.metadata,
    Column("item_id", ForeignKey("power_items.id", ondelete="CASCADE"), primary_key=True),
    Column("related_item_id", ForeignKey("power_items.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_item_relations_related", "related_item_id"),
)


class CatalogueBatch(Base):
    """A published batch of items ("成熟一批、下放一批") with its document number."""

    __tablename__ = "catalogue_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_no: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    effective_on: Mapped[date]


class PowerItem(Base):
    """One catalogue item with the fields domain.md §5 recommends."""

    __tablename__ = "power_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_zh: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(400))
    category: Mapped[ItemCategory] = mapped_column(_enum(ItemCategory), default=ItemCategory.PENALTY)
    department_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    legal_basis: Mapped[str] = mapped_column(Text)  # 设定依据
    penalty_basis: Mapped[str | None] = mapped_column(Text)  # 处罚依据
    penalty_range: Mapped[str | None] = mapped_column(Text)
    discretion_benchmark_ref: Mapped[str | None] = mapped_column(String(200))  # 裁量基准
    # Modes the catalogue allows for this item: subset of grant/entrust/statutory/assist.
    modes_allowed: Mapped[list] = mapped_column(JSON, default=list)
    scope_limit: Mapped[str | None] = mapped_column(Text)  # 行使范围; blank = the whole item
    # 行政处罚法 第18条: only public security may restrict personal liberty.
    restricts_personal_liberty: Mapped[bool] = mapped_column(default=False)
    # Listed in the provincial township guidance list; a grant outside it needs the
    # province's approval (逐级提请省政府批准).
    in_provincial_guidance: Mapped[bool] = mapped_column(default=True)
    # 第58条: what makes a decision on this item major, e.g.
    # {"hearing": true, "fine_citizen_gte": 10000, "fine_org_gte": 100000}.
    major_decision_rule: Mapped[dict] = mapped_column(JSON, default=dict)
    hearing_threshold: Mapped[str | None] = mapped_column(String(200))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("catalogue_batches.id"))
    effective_from: Mapped[date | None]
    effective_to: Mapped[date | None]

    department: Mapped[Organization] = relationship()
    batch: Mapped[CatalogueBatch | None] = relationship()
    related: Mapped[list[PowerItem]] = relationship(
        secondary=item_relations,
        primaryjoin=lambda: PowerItem.id == item_relations.c.item_id,
        secondaryjoin=lambda: PowerItem.id == item_relations.c.related_item_id,
    )
