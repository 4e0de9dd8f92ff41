"""What a task page shows above its form: the subject, earlier decisions, deadlines; and its widgets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Case,
    Deadline,
    DeadlineStatus,
    Organization,
    PowerItem,
    User,
)
from web.names import org_name, punct
from workflows.core.clock import SHANGHAI
from workflows.core.pickers import Option

# Keys of instance data that form a delegation draft (委托书 / 赋权方案, 行政处罚法 第20、24条).
RUNNING = (DeadlineStatus.PENDING, DeadlineStatus.WARNED, DeadlineStatus.OVERDUE, DeadlineStatus.PAUSED)
DRAFT_KEYS = ("authority", "term_start", "term_end", "responsibilities", "supervision", "note")


def _codes_in(data: dict) -> list[str]:
    """Every item code the instance's data names (item_codes, keep_codes, evaluated codes …)."""
    codes: list[str] = []
    for key, value in data.items():
        if "code" in key and isinstance(value, list):
            codes += [v for v in value if isinstance(v, str) and v not in codes]
        elif key == "item_code" and isinstance(value, str) and value not in codes:
            codes.append(value)
    return codes


def subject(session: Session, view: dict, data: dict) -> dict:
    """The decided subject: draft terms with items and parties, or the case with its item's benchmark."""
    codes = _codes_in(data)
    items = list(session.scalars(select(PowerItem).where(PowerItem.code.in_(codes)).order_by(PowerItem.code))) \
        if codes else []
    orgs = {o.id: o for o in session.scalars(select(Organization).where(
        Organization.id.in_({view.get("township_id"), view.get("department_id")} - {None} or {-1})))}
    case = None
    if data.get("case_id"):
        case = session.get(Case, data["case_id"])
    elif view.get("id"):
        case = session.scalars(select(Case).where(Case.instance_id == view["id"])).first()
    return {"powers": [i for i in items if i.code in set(data.get("item_codes", codes))],
            "draft": {k: data[k] for k in DRAFT_KEYS if data.get(k)},
            "township": orgs.get(view.get("township_id")), "department": orgs.get(view.get("department_id")),
            "case": case, "proposed": {k: data[k] for k in ("proposed_decision", "proposed_fine") if data.get(k)}}


def _named(submitted: dict, fields: dict, users: dict, orgs: dict) -> dict:
    """Submitted values with picked people and organizations named, as people read them (never the id)."""
    kinds = {name: f["type"] for name, f in fields.items()}
    return {k: users.get(v, v) if kinds.get(k) == "person" else orgs.get(v, v) if kinds.get(k) == "organization"
            else v for k, v in submitted.items()}


def earlier_decisions(session: Session, view: dict, current_id: int) -> list[dict]:
    """Completed tasks of the instance with what was submitted and by whom, oldest first."""
    done = [t for t in view["tasks"] if t["state"] == "completed" and t["id"] != current_id]
    fields = {t["id"]: {f["name"]: f for f in (t.get("form") or {}).get("fields", [])} for t in done}
    given = [(fields[t["id"]].get(k, {}).get("type"), v) for t in done
             for k, v in (t.get("submitted") or {}).items() if isinstance(v, int)]
    user_ids = {t["completed_by"] for t in done if t["completed_by"]} | {v for kind, v in given if kind == "person"}
    users = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids or {-1}))).all())
    orgs = {o.id: org_name(o) for o in session.scalars(select(Organization).where(
        Organization.id.in_({v for kind, v in given if kind == "organization"} or {-1})))}
    return [{"title": t["title"], "at": t["completed_at"], "by": users.get(t["completed_by"], ""),
             "fields": fields[t["id"]], "submitted": _named(t.get("submitted") or {}, fields[t["id"]], users, orgs)}
            for t in done]


def open_deadlines(session: Session, instance_id: int) -> list[Deadline]:
    """The instance's running legal periods (rule, basis, due) for the deadline box."""
    return list(session.scalars(select(Deadline).where(
        Deadline.instance_id == instance_id, Deadline.status.in_(RUNNING))
        .order_by(Deadline.due_at)))


def days_left(due: datetime | None, now: datetime) -> int | None:
    """Calendar days from today to the due date in Gucheng (negative when overdue)."""
    if due is None:
        return None
    return (due.astimezone(SHANGHAI).date() - now.astimezone(SHANGHAI).date()).days


def prefill(form: dict, data: dict) -> dict:
    """Form values from the instance's current data, so a revision starts from what stands."""
    values: dict = {}
    for f in form["fields"]:
        value = data.get(f["name"])
        if value is None:
            continue
        if f["type"] == "item_codes":
            values[f["name"]] = list(value) if isinstance(value, list) else [value]
        elif f["type"] == "bool":
            values[f["name"]] = "true" if value else "false"
        else:
            values[f["name"]] = str(value)
    return values


def item_options(session: Session, view: dict, data: dict) -> list[PowerItem]:
    """Items a task may pick: those the instance names, plus the instance department's items."""
    codes = _codes_in(data)
    query = select(PowerItem).order_by(PowerItem.code)
    if view.get("department_id"):
        query = query.where((PowerItem.department_id == view["department_id"]) | PowerItem.code.in_(codes))
    elif codes:
        query = query.where(PowerItem.code.in_(codes))
    else:
        return []
    return list(session.scalars(query))


def option_text(option: Option) -> str:
    """A choice as a select shows it: an organization's name, or a person's name with their organization."""
    if option.org is None:
        return org_name(option)
    return f"{option.name}{punct('（')}{org_name(option.org)}{punct('）')}"
