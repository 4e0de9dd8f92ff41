"""Form declarations for user tasks and their validator; the web renders forms from these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from workflows.core.errors import QuanzeError, ValidationFailed
from workflows.core.pickers import PICK_TYPES, PickContext, Picker, Picks

# person / organization hold an id (int) picked from what the field's `source` offers the task.
FIELD_TYPES = ("str", "int", "decimal", "date", "bool", "choice", "item_codes", "text", *PICK_TYPES)


@dataclass(frozen=True)
class Field:
    """One input of a user-task form; values stay JSON-native (dates as ISO strings)."""

    name: str
    type: str
    required: bool = False
    choices: tuple[str, ...] = ()
    min: int | float | str | None = None
    max: int | float | str | None = None
    max_length: int | None = None
    label_zh: str = ""
    label_en: str = ""
    source: str | None = None  # the picker of a person or organization field (workflows.core.pickers)

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"unknown field type {self.type!r} for {self.name}")
        if self.type == "choice" and not self.choices:
            raise ValueError(f"choice field {self.name} needs choices")
        if (self.type in PICK_TYPES) != bool(self.source):
            raise ValueError(f"field {self.name}: a person or organization field, and only one, names its source")
        object.__setattr__(self, "choices", tuple(self.choices))

    def to_dict(self) -> dict:
        """JSON description for the web's form renderer."""
        return {
            "name": self.name, "type": self.type, "required": self.required,
            "choices": list(self.choices), "min": self.min, "max": self.max,
            "max_length": self.max_length, "label_zh": self.label_zh, "label_en": self.label_en,
            "source": self.source,
        }


@dataclass(frozen=True)
class Form:
    """The fields of one user task."""

    fields: list[Field] = field(default_factory=list)
    # The task's due expression (as a BPMN `due` property would give it, e.g. "rule_due('key')") for
    # tasks whose file names none, so every step with a period shows on 期限提醒; the file's wins.
    due: str | None = None

    def to_dict(self) -> dict:
        """JSON description of every field."""
        return {"fields": [f.to_dict() for f in self.fields]}


EMPTY_FORM = Form([])


class FormRegistry:
    """(process id, BPMN task id) → form; the composition root builds it from the procedure list."""

    def __init__(self) -> None:
        self._forms: dict[tuple[str, str], Form] = {}
        self._pickers: dict[str, Picker] = {}

    def register(self, process_id: str, task_name: str, form: Form) -> Form:
        """Declare the form of a user task (process id, BPMN task id)."""
        self._forms[(process_id, task_name)] = form
        return form

    def has(self, process_id: str, task_name: str) -> bool:
        """True when the task has a declared form (an empty, form-less one counts)."""
        return (process_id, task_name) in self._forms

    def form_for(self, process_id: str, task_name: str, form_key: str | None = None) -> Form:
        """The registered form; a `formKey` 'process.task' overrides the lookup; none → empty form."""
        if form_key:
            process_id, _, task_name = form_key.rpartition(".")
        return self._forms.get((process_id, task_name), EMPTY_FORM)

    def register_picker(self, picker: Picker) -> None:
        """Declare a named source of choices; one name, one picker."""
        existing = self._pickers.get(picker.name)
        if existing is not None and existing is not picker:
            raise ValueError(f"picker {picker.name!r} is declared twice")
        self._pickers[picker.name] = picker

    def unknown_sources(self) -> list[str]:
        """'process.task.field' of every pick field whose source no picker declares (the check lists them)."""
        return [f"{process}.{task}.{f.name}" for (process, task), form in self._forms.items()
                for f in form.fields if f.source and f.source not in self._pickers]

    def picks(self, form: Form, context: PickContext) -> Picks:
        """The choices of the form's pick fields for one task (computed when first asked for)."""
        return Picks(context, {f.name: self._pickers[f.source] for f in form.fields if f.source})


def _check_range(f: Field, value, errors: list[str]) -> None:
    if f.min is not None and value < type(value)(f.min):
        errors.append(f"不得小于 {f.min} / must be at least {f.min}")
    if f.max is not None and value > type(value)(f.max):
        errors.append(f"不得大于 {f.max} / must be at most {f.max}")


def _clean_text(f: Field, raw, errors: list[str]):
    if not isinstance(raw, str):
        errors.append("应为文本 / must be text")
        return None
    value = raw.strip()
    if f.max_length is not None and len(value) > f.max_length:
        errors.append(f"长度不得超过 {f.max_length} / at most {f.max_length} characters")
    return value


def _clean_int(f: Field, raw, errors: list[str]):
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        errors.append("应为整数 / must be an integer")
        return None
    try:
        value = int(raw)
    except ValueError:
        errors.append("应为整数 / must be an integer")
        return None
    _check_range(f, value, errors)
    return value


def _clean_decimal(f: Field, raw, errors: list[str]):
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        errors.append("应为数字 / must be a number")
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        errors.append("应为数字 / must be a number")
        return None
    if not value.is_finite():
        errors.append("应为数字 / must be a number")
        return None
    _check_range(f, value, errors)
    return str(value)  # Decimal is not JSON-native; keep the exact digits as a string


def _clean_date(f: Field, raw, errors: list[str]):
    try:
        value = date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        value = None
    if value is None:
        errors.append("应为日期 YYYY-MM-DD / must be a date (YYYY-MM-DD)")
        return None
    if f.min is not None and value < date.fromisoformat(str(f.min)):
        errors.append(f"不得早于 {f.min} / must not be before {f.min}")
    if f.max is not None and value > date.fromisoformat(str(f.max)):
        errors.append(f"不得晚于 {f.max} / must not be after {f.max}")
    return value.isoformat()


def _clean_bool(_f: Field, raw, errors: list[str]):
    if not isinstance(raw, bool):
        errors.append("应为是或否 / must be true or false")
        return None
    return raw


def _clean_choice(f: Field, raw, errors: list[str]):
    if raw not in f.choices:
        errors.append(f"应为 {', '.join(f.choices)} 之一 / must be one of {', '.join(f.choices)}")
        return None
    return raw


def _clean_item_codes(f: Field, raw, errors: list[str]):
    if not isinstance(raw, list) or not all(isinstance(c, str) and c.strip() for c in raw):
        errors.append("应为事项编码列表 / must be a list of item codes")
        return None
    codes = [c.strip() for c in raw]
    if len(set(codes)) != len(codes):
        errors.append("事项编码重复 / duplicate item codes")
    if f.required and not codes:
        errors.append("至少选择一项 / choose at least one item")
    return codes


_CLEANERS = {
    "str": _clean_text, "text": _clean_text, "int": _clean_int, "decimal": _clean_decimal,
    "date": _clean_date, "bool": _clean_bool, "choice": _clean_choice,
    "item_codes": _clean_item_codes, "person": _clean_int, "organization": _clean_int,
}
NOT_OFFERED = "不在可选范围内，请从列表中选择 / not one of the choices offered: pick from the list"


def _check_offered(f: Field, value: int, picks: Picks, errors: list[str], refusals: list[QuanzeError]) -> None:
    """A picked id must be one the task offers; a picker may name the rule a refused one breaks."""
    if picks.offers(f.name, value):
        return
    rule = picks.explain(f.name, value)
    if rule is not None:
        refusals.append(rule)
    else:
        errors.append(NOT_OFFERED)


def validate(form: Form, data: dict | None, picks: Picks | None = None) -> dict:
    """Clean submitted data; raise ValidationFailed listing every field's errors at once.

    With `picks`, a person or organization must be one the task offers; a refusal that breaks a
    rule of law (e.g. an investigator named as hearing chair) is raised, with its article, once
    every field is otherwise well formed.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationFailed({"_form": ["应为字段字典 / must be an object of fields"]})
    known = {f.name for f in form.fields}
    errors: dict[str, list[str]] = {
        name: ["未知字段 / unknown field"] for name in data if name not in known
    }
    cleaned: dict = {}
    refusals: list[QuanzeError] = []
    for f in form.fields:
        raw = data.get(f.name)
        if raw is None or (isinstance(raw, str) and not raw.strip() and f.type != "bool"):
            if f.required:
                errors[f.name] = ["必填 / required"]
            continue
        field_errors: list[str] = []
        value = _CLEANERS[f.type](f, raw, field_errors)
        if f.source and picks is not None and not field_errors:
            _check_offered(f, value, picks, field_errors, refusals)
        if field_errors:
            # Keyed by the field, whose label the page prints beside it: each "中文 / English" half whole.
            errors[f.name] = field_errors
        else:
            cleaned[f.name] = value
    if errors:
        raise ValidationFailed(errors)
    if refusals:
        raise refusals[0]
    return cleaned
