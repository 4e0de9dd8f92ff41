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


# Declared field types (workflows.core.forms.FIELD_TYPES) as JSON Schema.
_JSON_TYPES = {
    "str": {"type": "string"}, "text": {"type": "string"}, "choice": {"type": "string"},
    "int": {"type": "integer"}, "decimal": {"type": "number"}, "bool": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "item_codes": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    "person": {"type": "integer"}, "organization": {"type": "integer"},
}


def form_json_schema(form_decl: dict) -> dict:
    """A task's form declaration as a JSON Schema (draft 2020-12) of the `data` to complete it with."""
    properties, required = {}, []
    for field in form_decl["fields"]:
        prop = dict(_JSON_TYPES[field["type"]])
        prop["title"] = f"{field['label_zh'] or field['name']} / {field['label_en'] or field['name']}"
        if field["choices"]:
            prop["enum"] = list(field["choices"])
        if "options" in field:  # an open task's people or organizations: only their ids are accepted
            prop["enum"] = [o["id"] for o in field["options"]]
        if field["max_length"]:
            prop["maxLength"] = field["max_length"]
        for bound, key in (("min", "minimum"), ("max", "maximum")):
            if field[bound] is not None and field["type"] in ("int", "decimal"):
                prop[key] = field[bound]
            elif field[bound] is not None and field["type"] == "date":
                prop[f"x-{key}"] = str(field[bound])  # ISO date bound (JSON Schema has none for dates)
        properties[field["name"]] = prop
        if field["required"]:
            required.append(field["name"])
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
            "properties": properties, "required": required, "additionalProperties": False}
