"""What the OpenAPI document says beyond marshmallow's defaults, so clients can send only what we accept."""

from __future__ import annotations

from marshmallow import fields

from web.schemas.common import EARLIEST, LATEST

# Text never contains NUL (PostgreSQL refuses it; the input check answers 422 naming the field).
NO_NUL = "^[^\\u0000]*$"
# Dates and instants lie in EARLIEST..LATEST (1900..2199): a year prefix says so in the schema.
YEARS = "^(19|20|21)[0-9]{2}-"
assert (EARLIEST.year, LATEST.year) == (1900, 2199), "YEARS must follow EARLIEST..LATEST"


def field_limits(self, field, ret, **_kwargs) -> dict:
    """apispec attribute function: the NUL-free pattern on text, the year range on dates."""
    if isinstance(field, fields.Date | fields.DateTime):
        return {"pattern": YEARS}
    if isinstance(field, fields.String) and "pattern" not in ret and "enum" not in ret:
        return {"pattern": NO_NUL}
    return {}


def init_spec(api) -> None:
    """Register the attribute function on the API's marshmallow converter."""
    api.ma_plugin.converter.add_attribute_function(field_limits)
