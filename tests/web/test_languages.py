"""Chinese first, and only Chinese; English complete (issue 10 §5): labels and a crawl of every role's pages."""

from __future__ import annotations

import re
from html import unescape

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.support.webapp import login
from tests.web.test_procedures_web import _start
from web.labels import LABELS, label
from workflows.sample.gucheng import DEMO_USERS

PO = "web/translations/en/LC_MESSAGES/messages.po"
LINK_RE = re.compile(r'href="(/[^"#?]*)"')
SKIP = ("/logout", "/static/", "/api/", "/documents/", "/language/", ".csv", ".xlsx", "/public/documents/")
CJK = re.compile(r"[\u4e00-\u9fff]")
# The crawls check what templates and labels print, which no storage backend changes (the crawler
# passes over pages that do not answer 200), so a PostgreSQL run checked nothing more: SQLite only.
TEMPLATES_ONLY = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


def _catalogue() -> dict[str, str]:
    with open(PO, encoding="utf-8") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def _visible(html: str) -> str:
    """The page's text as a reader sees it: no tags, scripts, styles or code samples."""
    html = re.sub(r"<(script|style|code|svg)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _crawl(client, limit: int = 40) -> dict[str, str]:
    """Pages reachable by links from the home page (GET only), breadth first."""
    seen, queue, pages = set(), ["/"], {}
    while queue and len(pages) < limit:
        path = queue.pop(0)
        if path in seen or any(s in path for s in SKIP):
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        pages[path] = response.get_data(as_text=True)
        queue += [p for p in LINK_RE.findall(pages[path]) if p not in seen]
    return pages


def _labels(app, lang: str) -> dict[str, str]:
    """Every label as a page in that language shows it."""
    with app.test_request_context(f"/?lang={lang}"):
        return {key: label(key) for key in LABELS}


def test_every_label_has_a_chinese_and_an_english_text(app):
    """Each enum, unit, role, lane, status, choice and procedure label exists in both languages."""
    chinese, english = _labels(app, "zh_CN"), _labels(app, "en")
    assert [k for k, v in chinese.items() if not CJK.search(v)] == [], "Chinese labels without Chinese"
    assert [k for k, v in english.items() if CJK.search(v) or not v.strip()] == [], "labels without English"


@TEMPLATES_ONLY
def test_chinese_pages_show_no_raw_codes_or_english_labels(client, session_factory):
    """Crawl every demo role's pages in Chinese: no enum value, unit code or English label text."""
    _start(client, session_factory)  # an open entrustment, so inbox, task and instance pages exist
    raw = {k for k in LABELS if "_" in k or "." in k or re.search(r"[a-z][A-Z]", k)}
    english = {v for v in _labels(client.application, "en").values() if len(v.split()) >= 2}
    problems = []
    for username, *_ in DEMO_USERS:
        login(client, username)
        for path, html in _crawl(client).items():
            text = _visible(html)
            words = set(re.findall(r"[A-Za-z_.]+", text))
            problems += [f"{username} {path}: raw {w}" for w in raw & words]
            problems += [f"{username} {path}: English {e!r}" for e in english if e in text]
    assert problems == [], "\n".join(sorted(set(problems))[:60])


@TEMPLATES_ONLY
def test_english_pages_show_no_chinese_interface_text(client, session_factory):
    """Crawl in English: every interface string of four or more characters is translated."""
    _start(client, session_factory)
    interface = {k for k, v in _catalogue().items() if v and len(k) >= 4 and CJK.search(k) and "%" not in k}
    problems = []
    for username in ("nyj_officer", "zk_leader", "reviewer", "approver"):
        login(client, username)
        client.get("/lang/en?next=/")
        for path, html in _crawl(client, 25).items():
            assert 'lang="en"' in html, path
            text = _visible(re.sub(r'<select\b.*?</select>', " ", html, flags=re.S))
            # Whole runs of Chinese only: a label inside an organization's or item's Chinese name is data.
            runs = set(re.findall(r"[\u4e00-\u9fff（）、，。：；]+", text))
            problems += [f"{username} {path}: {s!r}" for s in interface if s in runs]
    assert problems == [], "\n".join(sorted(set(problems))[:60])


def test_every_interface_string_in_the_code_has_an_english_translation():
    """Every _() / _l() text in web/ (templates and Python), however short, is in the English catalogue."""
    method_map = [("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
    found = {message for _file, _line, message, _comments, _context in extract_from_dir(
        ".", method_map, keywords={"_": None, "_l": None, "gettext": None}) if isinstance(message, str)}
    catalogue = _catalogue()
    assert len(found) > 300
    assert sorted(m for m in found if CJK.search(m) and not catalogue.get(m)) == []
