"""The case record (案件) by id, shared by the case procedures."""

from __future__ import annotations

from sqlalchemy.orm import Session

from models import Case
from workflows.core.errors import NotFound


def get_case(session: Session, case_id: int) -> Case:
    """A case by id, or NotFound naming it."""
    case = session.get(Case, case_id) if isinstance(case_id, int) else None
    if case is None:
        raise NotFound(f"未知案件：{case_id} / unknown case: {case_id}", case_id=case_id)
    return case
