"""Organization and item names in the page's language, and Chinese data marked as Chinese (issue 10 §5).

One place decides how a name is printed: English pages show `name_en` and fall back to the Chinese
name only when there is none; whatever stays Chinese on an English page (people's names, document
and case numbers, typed text, the text of laws) is wrapped in `lang="zh-CN"` so screen readers read
it as Chinese. Chinese pages print exactly what they printed before.
"""

from __future__ import annotations

import re

from flask import Flask, g, has_request_context
from markupsafe import Markup, escape
from sqlalchemy import select

from models import Organization, PowerItem
from web.i18n import is_english

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# A run of Chinese with the digits, spaces and dashes inside it: 故城罚〔2026〕1号 is one run.
CJK_RUN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef](?:[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef0-9\s.·–-]*"
                     r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])?")
# Chinese marks between interface words and data, as an English page writes them.
PUNCTUATION = {"：": ": ", "（": " (", "）": ")", "；": "; ", "、": ", ", "，": ", ", "。": ". "}


def _english_names() -> dict:
    """Every English name by organization id and Chinese name, and by item code, read once per request."""
    found = g.get("_quanze_english_names") if has_request_context() else None
    if found is None:
        from web.requests import db  # a request's session; names are looked up only while serving

        session = db()
        found = {("org", k): en for i, zh, en in session.execute(select(
            Organization.id, Organization.name, Organization.name_en).where(Organization.name_en.is_not(None)))
            for k in (i, zh)}
        found.update({("item", code): en for code, en in session.execute(select(
            PowerItem.code, PowerItem.name_en).where(PowerItem.name_en.is_not(None)))})
        if has_request_context():
            g._quanze_english_names = found
    return found


def _chinese_org(org, short: bool) -> str:
    if isinstance(org, str):
        return org
    return (short and getattr(org, "short_name", None)) or getattr(org, "name", "") or ""


def org_name(org, fallback: str | None = None, *, short: bool = False) -> str:
    """An organization (row, registry organ, id or Chinese name) in the page's language, as plain text."""
    if org is None or org == "":
        return fallback or ""
    chinese = fallback if isinstance(org, int) else _chinese_org(org, short)
    if not is_english():
        return chinese or ""
    english = getattr(org, "name_en", None)
    if english is None and not hasattr(org, "name_en"):
        key = org if isinstance(org, int | str) else getattr(org, "id", None)
        english = _english_names().get(("org", key))
    return english or chinese or ""


def item_name(item, fallback: str | None = None) -> str:
    """A catalogue item (row, registry answer or code) in the page's language, as plain text."""
    if item is None:
        return fallback or ""
    chinese = fallback if isinstance(item, str) else (
        getattr(item, "name_zh", None) or getattr(item, "item_name", None) or fallback)
    if not is_english():
        return chinese or ""
    english = getattr(item, "name_en", None)
    if english is None and not hasattr(item, "name_en"):
        code = item if isinstance(item, str) else getattr(item, "item_code", None) or getattr(item, "code", None)
        english = _english_names().get(("item", code))
    return english or chinese or ""


def is_chinese_data(text) -> bool:
    """True on an English page when the text holds Chinese (data with no English form)."""
    return bool(text) and is_english() and bool(CJK.search(str(text)))


def data(text) -> Markup:
    """Text as data: on an English page each run of Chinese is wrapped in <span lang="zh-CN">."""
    if text is None:
        return Markup("")
    if not is_chinese_data(text):
        return escape(text)
    out, at, text = [], 0, str(text)
    for run in CJK_RUN.finditer(text):
        out += [escape(text[at:run.start()]), Markup('<span lang="zh-CN">%s</span>') % run.group(0)]
        at = run.end()
    return Markup("").join([*out, escape(text[at:])])


def data_lang(text) -> Markup:
    """The lang attribute for an element (an <option>) whose whole text is Chinese data on an English page."""
    return Markup(' lang="zh-CN"') if is_chinese_data(text) else Markup("")


def punct(mark: str) -> str:
    """A Chinese punctuation mark between words, or its English form on an English page."""
    return PUNCTUATION.get(mark, mark) if is_english() else mark


def init_app(app: Flask) -> None:
    """Template helpers: org_name()/item_name() (marked up), data, data_lang and punct."""
    app.jinja_env.globals.update(
        org_name=lambda org, fallback=None, short=False: data(org_name(org, fallback, short=short)),
        item_name=lambda item, fallback=None: data(item_name(item, fallback)),
        org_text=org_name, item_text=item_name, data_lang=data_lang, punct=punct)
    app.jinja_env.filters["data"] = data
