"""Schemas for administration forms and API bodies."""

from __future__ import annotations

from marshmallow import fields, validate

from models import OrgKind, Role
from web.schemas.common import BaseSchema, id_field, required_msgs

ENUM_MSG = {"unknown": "取值无效 / not an allowed value", "required": "必填 / required",
            "null": "必填 / required", "invalid": "取值无效 / not an allowed value"}
DATE_MSG = {"invalid": "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD", "required": "必填 / required",
            "null": "必填 / required"}
BOOL_MSG = {"invalid": "应为是/否 / must be true or false", "null": "必填 / required"}
LOCALES = ("zh_CN", "en")


class UserCreate(BaseSchema):
    """A new account."""

    username = fields.String(required=True, error_messages=required_msgs(), validate=validate.Regexp(
        r"^[A-Za-z0-9_.-]{2,60}$", error="2–60位字母、数字、_.- / 2–60 letters, digits, _.-"))
    display_name = fields.String(required=True, error_messages=required_msgs(),
                                 validate=validate.Length(min=1, max=120))
    password = fields.String(required=True, load_only=True, error_messages=required_msgs(),
                             validate=validate.Length(min=8, max=200, error="密码8–200位 / 8–200 characters"))
    locale = fields.String(load_default="zh_CN", validate=validate.OneOf(LOCALES))


class UserUpdate(BaseSchema):
    """Changes to an account; every field optional."""

    display_name = fields.String(validate=validate.Length(min=1, max=120), error_messages=required_msgs())
    is_active = fields.Boolean(error_messages=BOOL_MSG)
    password = fields.String(load_only=True, error_messages=required_msgs(),
                             validate=validate.Length(min=8, max=200, error="密码8–200位 / 8–200 characters"))
    locale = fields.String(validate=validate.OneOf(LOCALES))


class MembershipCreate(BaseSchema):
    """A role in an organization."""

    organization_id = id_field(required=True)
    role = fields.Enum(Role, by_value=True, required=True, error_messages=ENUM_MSG)


class CertificateCreate(BaseSchema):
    """An enforcement certificate (执法证, 第42条)."""

    number = fields.String(required=True, error_messages=required_msgs(), validate=validate.Length(min=1, max=60))
    valid_until = fields.Date(required=True, error_messages=DATE_MSG)
    issued_by = fields.String(load_default=None, validate=validate.Length(max=120))
    issued_on = fields.Date(load_default=None, error_messages=DATE_MSG)


class CertificateRevoke(BaseSchema):
    """The date a certificate stops being valid."""

    revoked_on = fields.Date(required=True, error_messages=DATE_MSG)


class OrganizationCreate(BaseSchema):
    """A new organization."""

    name = fields.String(required=True, error_messages=required_msgs(), validate=validate.Length(min=1, max=120))
    kind = fields.Enum(OrgKind, by_value=True, required=True, error_messages=ENUM_MSG)
    short_name = fields.String(load_default=None, validate=validate.Length(max=60))
    name_en = fields.String(load_default=None, validate=validate.Length(max=200))
    parent_id = id_field(load_default=None)


class TokenCreate(BaseSchema):
    """A new API token for oneself (or, for an admin, for user_id)."""

    name = fields.String(required=True, error_messages=required_msgs(), validate=validate.Length(min=1, max=80))
    user_id = id_field(load_default=None)
    expires_at = fields.AwareDateTime(load_default=None, error_messages={
        "invalid": "时间格式应为 ISO 8601 / ISO 8601 instant", "invalid_awareness": "须带时区 / needs a timezone"})
