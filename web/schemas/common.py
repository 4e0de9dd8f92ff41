"""Schemas shared by pages and the API: pagination, dates, form loading."""

from __future__ import annotations

from datetime import date, datetime

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from workflows.registry.browse import MAX_PAGE_SIZE

MAX_ID = 2**31 - 1  # ids are 32-bit on every backend; larger numbers cannot name a row
MSG_REQUIRED = "必填 / required"
MSG_INVALID = "格式不正确 / invalid value"
# Dates outside these years name no legal act of ours and overflow date arithmetic (a period
# added to 9999-12-31, an instant at -14:00 converted to UTC).
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)
MSG_DATE_RANGE = f"日期须在{EARLIEST.year}年至{LATEST.year}年之间 / date must lie between {EARLIEST} and {LATEST}"


class BaseSchema(Schema):
    """Chinese-first messages; unknown keys are refused (API) unless a schema says otherwise."""

    class Meta:
        ordered = True

    error_messages = {"unknown": "未知字段 / unknown field", "type": "应为对象 / must be an object"}

    @pre_load
    def refuse_nul(self, data, **_kwargs):
        """A NUL character is never valid text (PostgreSQL refuses it); name every field that has one."""
        if hasattr(data, "items"):
            bad = {key: ["含有非法字符 / contains a NUL character"] for key, value in data.items()
                   if _has_nul(value)}
            if bad:
                raise ValidationError(bad)
        return data


    @validates_schema(skip_on_field_errors=False)
    def dates_in_range(self, data, **_kwargs):
        """Every loaded date and instant lies in a sane range, named by its field."""
        bad = {key: [message] for key, value in (data or {}).items() if (message := _date_problem(value))}
        if bad:
            raise ValidationError(bad)


def _date_problem(value) -> str | None:
    if isinstance(value, list | tuple):
        return next((m for v in value if (m := _date_problem(v))), None)
    if isinstance(value, datetime):
        value = value.date()  # the local date: converting 9999-12-31T23:59-14:00 to UTC overflows
    if isinstance(value, date) and not EARLIEST <= value <= LATEST:
        return MSG_DATE_RANGE
    return None


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def required_msgs() -> dict:
    """Messages for a required field."""
    return {"required": MSG_REQUIRED, "null": MSG_REQUIRED, "invalid": MSG_INVALID}


class PageArgs(BaseSchema):
    """?page=&page_size= (1-based)."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000),
                          error_messages={"invalid": "应为整数 / must be an integer"})
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
                               error_messages={"invalid": "应为整数 / must be an integer"})


class PageMeta(Schema):
    """Pagination facts returned with every list."""

    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


def form_dict(form, multi: tuple[str, ...] = ()) -> dict:
    """A submitted HTML form as a dict without the CSRF token; blank fields are left out."""
    data = {}
    for key in form:
        if key == "csrf_token":
            continue
        if key in multi:
            data[key] = [v for v in form.getlist(key) if v.strip()]
        elif form.get(key, "").strip() != "":
            data[key] = form.get(key).strip()
    return data


def load(schema: Schema, data: dict) -> tuple[dict | None, dict]:
    """(values, {}) when valid, (None, field errors) otherwise — every error at once."""
    try:
        return schema.load(data), {}
    except ValidationError as exc:
        return None, exc.messages


class ErrorSchema(Schema):
    """The one error body of every 4xx and 5xx answer: {status, error, message, errors, article?}."""

    class Meta:
        ordered = True

    status = fields.Integer(required=True, metadata={"description": "HTTP status, as an integer"})
    error = fields.String(required=True, metadata={"description": "machine-readable code, e.g. not_found"})
    message = fields.String(required=True, metadata={"description": "the refusal in the caller's language (Accept-Language "
                                                     "zh or en); without that header both, '中文 / English'"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True,
                         metadata={"description": "messages per field (dotted path), in the message's "
                                                  "language; empty when none"})
    article = fields.String(metadata={"description": "the article of law the refusal rests on"})
    details = fields.Dict(metadata={"description": "what the refusal names: ids (case_id, task_id, ...); "
                                                   "for a delegation rule, `problems`, each with its field, "
                                                   "article and the `clash` (document_no, item_code, township, "
                                                   "effective_from, effective_to, status) it overlaps"})


def id_field(**kwargs) -> fields.Integer:
    """A row id: a positive 32-bit integer, with bilingual messages."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID, error="无效编号 / not a valid id"),
                          error_messages={"invalid": "应为整数 / must be an integer",
                                          "required": MSG_REQUIRED, "null": MSG_REQUIRED}, **kwargs)
