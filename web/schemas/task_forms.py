"""Translate HTML form posts into the JSON-native data the task-form declarations validate."""

from __future__ import annotations

import re

BOOL_VALUES = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def html_to_task_data(form_decl: dict, posted) -> dict:
    """Posted strings → values by declared type; the service reports every field error at once."""
    data: dict = {}
    for field in form_decl["fields"]:
        name, kind = field["name"], field["type"]
        if kind == "item_codes":
            values = [v for raw in posted.getlist(name) for v in re.split(r"[\s,，、;；]+", raw) if v]
            if values:  # a blank list input means "not given", like any blank field
                data[name] = values
            continue
        raw = posted.get(name)
        if raw is None or raw.strip() == "":
            continue
        if kind == "bool":
            # An unrecognised word is passed on as text, so the validator names the field.
            data[name] = BOOL_VALUES.get(raw.strip().lower(), raw)
        else:
            data[name] = raw.strip()
    return data
