"""Uniform enforcement documents (统一执法文书) as data: Jinja2 paragraphs a county may adjust, rendered in a sandbox."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from workflows.core.errors import ValidationFailed
from workflows.documents.render import OfficialText

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


@dataclass(frozen=True)
class DocumentTemplate:
    """One document: its title, number code, the article asking for it and the facts it cannot go without."""

    kind: str
    title: str
    code: str  # 文书代字 in the number, e.g. 罚决 → 故郑口罚决〔2026〕1号
    article: str
    requires: tuple[str, ...]
    addressee: str
    paragraphs: tuple[str, ...]
    closing: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()  # facts a paragraph may test for; absent ones read as empty


def _template(kind: str, raw: dict) -> DocumentTemplate:
    return DocumentTemplate(kind=kind, title=raw["title"], code=raw["code"], article=raw["article"],
                            requires=tuple(raw.get("requires", ())), addressee=raw["addressee"],
                            paragraphs=tuple(raw["paragraphs"]), closing=tuple(raw.get("closing", ())),
                            optional=tuple(raw.get("optional", ())))


def load_templates(override: str | Path | None = None) -> dict[str, DocumentTemplate]:
    """The shipped templates, each replaced whole by the county's override file where it has one."""
    raw = json.loads(resources.files("workflows.data").joinpath("case_documents.json").read_text("utf-8"))
    if override is not None:
        raw |= json.loads(Path(override).read_text(encoding="utf-8"))
    return {kind: _template(kind, body) for kind, body in raw.items() if not kind.startswith("_")}


def missing_facts(template: DocumentTemplate, context: dict) -> list[str]:
    """The required facts absent or blank in the context."""
    return [key for key in template.requires if context.get(key) in (None, "", [], {})]


def _render(source: str, context: dict, kind: str) -> str:
    try:
        return _ENV.from_string(source).render(context).strip()
    except TemplateError as exc:  # a county template naming a fact we do not supply, or bad syntax
        raise ValidationFailed({"template": [f"文书模板 {kind} 有误：{exc} / template {kind} is broken: {exc}"]}) from exc


def render_text(template: DocumentTemplate, context: dict, *, issuer: str, document_no: str,
                issued_on: date, signatories: list[str]) -> OfficialText:
    """The document's text; refused naming the article when a required fact is missing."""
    missing = missing_facts(template, context)
    if missing:
        raise ValidationFailed(
            {key: [f"{template.title}须载明此项（{template.article}）/ required in the {template.kind}"] for key in missing},
            message=f"{template.title}缺少必备内容（{template.article}）：{'、'.join(missing)} / "
                    f"the {template.kind} lacks required contents")
    context = dict.fromkeys(template.optional) | context
    paragraphs = [p for p in (_render(s, context, template.kind) for s in template.paragraphs) if p]
    closing = [p for p in (_render(s, context, template.kind) for s in template.closing) if p]
    return OfficialText(issuer=issuer, document_no=document_no, title=template.title,
                        addressee=_render(template.addressee, context, template.kind), paragraphs=paragraphs,
                        items=[], signatories=signatories, issued_on=issued_on, closing=closing, masthead=issuer)
