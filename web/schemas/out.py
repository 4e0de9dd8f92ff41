"""Response schemas of the JSON API (what other systems receive)."""

from __future__ import annotations

from marshmallow import Schema, fields

from web.schemas.common import PageMeta


class OrgRef(Schema):
    """An organization, briefly."""

    id = fields.Integer()
    name = fields.String()
    short_name = fields.String(allow_none=True)
    name_en = fields.String(allow_none=True)
    kind = fields.Function(lambda o: o.kind.value)


class Organization(OrgRef):
    """An organization in full."""

    parent_id = fields.Integer(allow_none=True)
    township_id = fields.Integer(allow_none=True)
    is_stationed = fields.Boolean()
    population = fields.Integer(allow_none=True)
    is_active = fields.Boolean()


class Item(Schema):
    """A catalogue item."""

    id = fields.Integer()
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String(allow_none=True)
    category = fields.Function(lambda i: i.category.value)
    department = fields.Nested(OrgRef)
    legal_basis = fields.String()
    penalty_basis = fields.String(allow_none=True)
    penalty_range = fields.String(allow_none=True)
    discretion_benchmark_ref = fields.String(allow_none=True)
    modes_allowed = fields.List(fields.String())
    scope_limit = fields.String(allow_none=True)
    restricts_personal_liberty = fields.Boolean()
    in_provincial_guidance = fields.Boolean()
    related_codes = fields.Function(lambda i: [r.code for r in i.related])


class ItemPage(Schema):
    """A page of catalogue items."""

    items = fields.List(fields.Nested(Item))
    meta = fields.Nested(PageMeta)


class Delegation(Schema):
    """A delegation row."""

    id = fields.Integer()
    item_id = fields.Integer()
    item_code = fields.Function(lambda d: d.item.code)
    item_name = fields.Function(lambda d: d.item.name_zh)
    township = fields.Nested(OrgRef)
    mode = fields.Function(lambda d: d.mode.value)
    status = fields.Function(lambda d: d.status.value)
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    document_no = fields.String(allow_none=True)
    document_title = fields.String(allow_none=True)
    funding_yuan = fields.Decimal(as_string=True, allow_none=True)
    staffing_posts = fields.Integer(allow_none=True)
    cutover_rule = fields.Function(lambda d: d.cutover_rule.value)
    cutover_days = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    revoked_reason = fields.String(allow_none=True)


class DelegationPage(Schema):
    """A page of delegations."""

    items = fields.List(fields.Nested(Delegation))
    meta = fields.Nested(PageMeta)


class OrganRef(Schema):
    """An organ named in a registry answer."""

    id = fields.Integer()
    name = fields.String()


class Competence(Schema):
    """One line of a power list: who acts, in whose name, who answers (domain.md §0)."""

    item_code = fields.String()
    item_name = fields.String()
    township = fields.String()
    on = fields.Date()
    mode = fields.String()
    enforcement_subject = fields.Nested(OrganRef)
    responsible_subject = fields.Nested(OrganRef)
    acting_org = fields.Nested(OrganRef)
    assisting_org = fields.Nested(OrganRef, allow_none=True)
    department = fields.Nested(OrganRef, allow_none=True)
    document_no = fields.String(allow_none=True)
    delegation_id = fields.Integer(allow_none=True)
    effective_from = fields.Date(allow_none=True)
    effective_to = fields.Date(allow_none=True)
    basis = fields.String()
    note = fields.String(allow_none=True)
    via_item_code = fields.String(allow_none=True)


class Responsibility(Schema):
    """One line of a responsibility list."""

    item_code = fields.String()
    item_name = fields.String()
    township = fields.String()
    on = fields.String()
    mode = fields.String()
    enforcement_subject = fields.String()
    accountable_org = fields.String()
    accountable = fields.String()
    supervising_org = fields.String(allow_none=True)
    township_duties = fields.String()
    department_duties = fields.String()
    document_no = fields.String(allow_none=True)
    basis = fields.String()


class DocumentRef(Schema):
    """A published document, with the URL to fetch it."""

    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    document_no = fields.String()
    mime = fields.String()
    sha256 = fields.String()
    size = fields.Integer()


class PublicTownship(Schema):
    """Everything disclosed about one township (公示)."""

    township = fields.Nested(OrgRef)
    on = fields.Date()
    grants = fields.List(fields.Nested(Delegation))
    entrustments = fields.List(fields.Nested(Delegation))
    documents = fields.List(fields.Nested(DocumentRef))
    powers = fields.List(fields.Nested(Competence))


class GrantOut(Schema):
    """A role held in an organization."""

    role = fields.Function(lambda g: g.role.value)
    org_id = fields.Integer()
    org_name = fields.String()


class Me(Schema):
    """The caller."""

    user_id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    grants = fields.List(fields.Nested(GrantOut))


class Membership(Schema):
    """A user's role in an organization."""

    id = fields.Integer()
    organization = fields.Nested(OrgRef)
    role = fields.Function(lambda m: m.role.value)


class Certificate(Schema):
    """An enforcement certificate."""

    id = fields.Integer()
    number = fields.String()
    issued_by = fields.String(allow_none=True)
    issued_on = fields.Date(allow_none=True)
    valid_until = fields.Date()
    revoked_on = fields.Date(allow_none=True)


class User(Schema):
    """An account (never its password hash)."""

    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    is_active = fields.Boolean()
    locale = fields.String()
    created_at = fields.DateTime()
    memberships = fields.List(fields.Nested(Membership))
    certificates = fields.List(fields.Nested(Certificate))


class Token(Schema):
    """An API token (the secret only in the creation answer)."""

    id = fields.Integer()
    user_id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class NewToken(Token):
    """A token just created, with its secret shown once."""

    secret = fields.String()
