"""Each township's power and responsibility lists (权力清单/责任清单) as of a date."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from marshmallow import EXCLUDE, fields

from web.auth import login_required, principal
from web.requests import db, today
from web.schemas.common import BaseSchema, load
from workflows.accounts.access import visible_township
from workflows.registry.browse import townships
from workflows.registry.importing.export import export_powers
from workflows.registry.powers import power_list, responsibility_list

bp = Blueprint("townships", __name__, url_prefix="/townships")


class OnDateArgs(BaseSchema):
    """?on=YYYY-MM-DD, the legal date of the list (default today in Shanghai)."""

    class Meta:
        unknown = EXCLUDE

    on = fields.Date(load_default=None, error_messages={"invalid": "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD"})


def on_date() -> tuple[object, dict]:
    """The validated ?on= date (or today) and any field errors."""
    raw = {k: v for k, v in request.args.items() if k == "on" and v.strip()}
    args, errors = load(OnDateArgs(), raw)
    return (today() if errors or args["on"] is None else args["on"]), errors


@bp.get("/")
@login_required
def index():
    """The townships the user may open."""
    return render_template("townships.html", townships=townships(db(), principal()))


@bp.get("/<int:township_id>/powers")
@login_required
def powers(township_id: int):
    """The township's power list on a date: who acts, in whose name, who answers."""
    town = visible_township(db(), principal(), township_id)
    on, errors = on_date()
    rows = power_list(db(), town.id, on)
    return render_template("powers.html", town=town, on=on, rows=rows, errors=errors), (422 if errors else 200)


@bp.get("/<int:township_id>/responsibilities")
@login_required
def responsibilities(township_id: int):
    """The township's responsibility list on a date."""
    town = visible_township(db(), principal(), township_id)
    on, errors = on_date()
    rows = responsibility_list(db(), town.id, on)
    return render_template("responsibilities.html", town=town, on=on, rows=rows, errors=errors), (
        422 if errors else 200)


MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def powers_file(town, on, fmt: str) -> Response:
    """The township's lists as a download (csv: power list; xlsx: both lists)."""
    content = export_powers(db(), town.id, on, fmt)
    filename = f"powers-{town.id}-{on.isoformat()}.{fmt}"
    return Response(content, mimetype=MIMETYPES[fmt],
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.get("/<int:township_id>/powers.<any(csv, xlsx):fmt>")
@login_required
def download_powers(township_id: int, fmt: str):
    """Download the township's lists as of ?on= (default today)."""
    town = visible_township(db(), principal(), township_id)
    on, errors = on_date()
    if errors:
        return render_template("error.html", status=422, error={"message": "输入有误 / invalid input",
                                                                "errors": errors}), 422
    return powers_file(town, on, fmt)
