"""Where a person or organization field of a task form gets its choices: named pickers, computed per task.

A field declares a picker by name (`Field(..., "person", source="hearing_chairs")`); the procedure
that owns the field declares the picker. The task page lists what the picker offers, and the engine
refuses any other value, so a form never takes an id the user could not have chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from workflows.core.errors import QuanzeError

PICK_TYPES = ("person", "organization")


@dataclass(frozen=True)
class Option:
    """One choice: the id the form stores and the names people read (never the id)."""

    id: int
    name: str  # a person's display name, an organization's Chinese name
    name_en: str | None = None  # an organization's English name; people's names stay as written
    org: Option | None = None  # the organization a person is chosen in

    def to_dict(self) -> dict:
        """JSON form, for the API's task description."""
        return {"id": self.id, "name": self.name, "name_en": self.name_en,
                "org": self.org.to_dict() if self.org is not None else None}


def org_option(org) -> Option:
    """An organization row as a choice."""
    return Option(org.id, org.name, org.name_en)


def person_option(user, org) -> Option:
    """A user row as a choice, with the organization they are chosen in."""
    return Option(user.id, user.display_name, None, org_option(org) if org is not None else None)


@dataclass(frozen=True)
class PickContext:
    """What a picker reads: the data the task sees and the organization the task belongs to."""

    session: Session
    data: Mapping
    organization_id: int | None


@dataclass(frozen=True)
class Picker:
    """A named source of choices; `explain` names the rule a value it does not offer breaks, if one does."""

    name: str
    options: Callable[[PickContext], list[Option]]
    explain: Callable[[PickContext, int], QuanzeError | None] | None = None


@dataclass
class Picks:
    """The choices of one task's pick fields, each computed once and only when asked for."""

    context: PickContext
    pickers: Mapping[str, Picker]  # field name → its picker
    _found: dict[str, list[Option]] = field(default_factory=dict)

    def options(self, name: str) -> list[Option]:
        """What the field offers for this task."""
        if name not in self._found:
            self._found[name] = list(self.pickers[name].options(self.context))
        return self._found[name]

    def offers(self, name: str, value: int) -> bool:
        """Whether the value is among the field's choices."""
        return any(o.id == value for o in self.options(name))

    def explain(self, name: str, value: int) -> QuanzeError | None:
        """The rule the refused value breaks (with its article), or None for a plain 'not a choice'."""
        picker = self.pickers[name]
        return picker.explain(self.context, value) if picker.explain is not None else None
