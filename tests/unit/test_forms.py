"""Form declarations: every field type cleans to JSON-native values; all errors at once."""

from __future__ import annotations

import json

import pytest

from workflows.core.errors import ValidationFailed
from workflows.core.forms import Field, Form, FormRegistry, validate

FORM = Form([
    Field("name", "str", required=True, max_length=5, label_zh="名称", label_en="Name"),
    Field("count", "int", min=1, max=10),
    Field("amount", "decimal", min=0),
    Field("on", "date", min="2026-01-01", max="2026-12-31"),
    Field("ok", "bool", required=True),
    Field("kind", "choice", choices=("grant", "entrust")),
    Field("codes", "item_codes"),
    Field("note", "text", max_length=10),
])


def test_valid_data_is_cleaned_to_json_native_values():
    """Decimals stay exact strings, dates ISO strings, text trimmed."""
    cleaned = validate(FORM, {"name": " 郑口 ", "count": "3", "amount": "12.50", "on": "2026-03-02",
                              "ok": False, "kind": "entrust", "codes": ["A1", " B2 "],
                              "note": "ok"})
    assert cleaned == {"name": "郑口", "count": 3, "amount": "12.50", "on": "2026-03-02",
                       "ok": False, "kind": "entrust", "codes": ["A1", "B2"], "note": "ok"}
    json.dumps(cleaned)


def test_every_field_error_is_reported_at_once():
    """Wrong type, range, length, choice and unknown fields in one ValidationFailed."""
    with pytest.raises(ValidationFailed) as err:
        validate(FORM, {"name": "太长的名称啊啊", "count": 11, "amount": "abc", "on": "2027-01-01",
                        "ok": "yes", "kind": "sell", "codes": "A1", "note": 5, "extra": 1})
    errors = err.value.errors
    assert set(errors) == {"name", "count", "amount", "on", "ok", "kind", "codes", "note",
                           "extra"}
    assert errors["name"] == ["长度不得超过 5 / at most 5 characters"]  # the page prints the label beside it


def test_required_fields_and_booleans():
    """Missing required fields are named; True is not an int."""
    with pytest.raises(ValidationFailed) as err:
        validate(FORM, {"count": True})
    assert set(err.value.errors) == {"name", "ok", "count"}


def test_duplicate_item_codes_and_bad_shapes():
    """Item-code lists hold distinct non-empty codes; the submission must be an object."""
    with pytest.raises(ValidationFailed) as err:
        validate(FORM, {"name": "a", "ok": True, "codes": ["A1", "A1", ""]})
    assert "codes" in err.value.errors
    with pytest.raises(ValidationFailed):
        validate(FORM, ["not", "a", "dict"])


def test_registry_lookup_and_form_key_override():
    """A form is found by (process id, task id) or by an explicit formKey."""
    forms = FormRegistry()
    forms.register("forms_test", "task_a", FORM)
    assert forms.form_for("forms_test", "task_a") is FORM
    assert forms.form_for("other", "x", form_key="forms_test.task_a") is FORM
    assert forms.form_for("forms_test", "missing").fields == []
    assert forms.has("forms_test", "task_a") and not forms.has("forms_test", "missing")
    assert FORM.to_dict()["fields"][0]["label_zh"] == "名称"


def test_bad_declarations_fail_early():
    """Unknown field types or choice fields without choices are programming errors."""
    with pytest.raises(ValueError):
        Field("x", "float")
    with pytest.raises(ValueError):
        Field("x", "choice")
