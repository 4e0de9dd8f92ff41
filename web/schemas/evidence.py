"""The facts sent with an evidence file (证据): when, where, by whom and what it proves."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, post_load, validate

from web.schemas.common import MAX_ID, BaseSchema, required_msgs
from workflows.core.clock import SHANGHAI

LENGTH_200 = "必填，200 字以内 / required, at most 200 characters"
LENGTH_2000 = "必填，2000 字以内 / required, at most 2000 characters"


class EvidenceFacts(BaseSchema):
    """取证时间 (Beijing time, or with an offset), 取证地点, 证明对象, 取证人 (a case officer)."""

    class Meta:
        unknown = EXCLUDE  # the page form also carries its CSRF token

    collected_at = fields.DateTime(required=True, error_messages=required_msgs()
                                   | {"invalid": "应为日期时间，如 2026-03-01T10:30 / must be a date-time"})
    collected_place = fields.String(required=True, validate=validate.Length(min=1, max=200, error=LENGTH_200),
                                    error_messages=required_msgs())
    proves = fields.String(required=True, validate=validate.Length(min=1, max=2000, error=LENGTH_2000), error_messages=required_msgs())
    collected_by_user_id = fields.Integer(load_default=None, allow_none=True,
                                          validate=validate.Range(min=1, max=MAX_ID))

    @post_load
    def legal_time(self, data, **_kwargs):
        """A time typed without an offset is Beijing time (the page's datetime-local input)."""
        if data["collected_at"].tzinfo is None:
            data["collected_at"] = data["collected_at"].replace(tzinfo=SHANGHAI)
        return data


class EvidenceOut(Schema):
    """One item of evidence as listed."""

    id = fields.Integer()
    case_id = fields.Integer()
    kind = fields.String()
    mime = fields.String()
    filename = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    collected_at = fields.DateTime()
    collected_place = fields.String()
    collected_by_user_id = fields.Integer()
    proves = fields.String()
    uploaded_by_user_id = fields.Integer()
    uploaded_at = fields.DateTime()
