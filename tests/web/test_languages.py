"""Chinese first, and only Chinese; English complete (issue 10 §5): labels and a crawl of every role's pages."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape
from html.parser import HTMLParser

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.support.webapp import csrf_of, login, one_user_per_role_and_place
from tests.web.test_oracles import _case_of
from tests.web.test_procedures_web import _start
from web.labels import LABELS, label
from workflows.sample.gucheng import DEMO_USERS

PO = "web/translations/en/LC_MESSAGES/messages.po"
LINK_RE = re.compile(r'href="(/[^"#?]*)"')
SKIP = ("/logout", "/static/", "/api/", "/documents/", "/language/", ".csv", ".xlsx", "/public/documents/")
CJK = re.compile(r"[\u4e00-\u9fff]")
# Chinese characters and the full-width marks that come with them (：（）、〔〕): none is English.
CJK_ANY = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
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


def _crawl(client, limit: int = 40, start: str = "/", per_shape: int | None = None) -> dict[str, str]:
    """Pages reachable by links from the start page (GET only), breadth first; at most `per_shape` pages
    of one route shape (/tasks/N …), so a modest crawl reaches every kind of page, not 20 delegations."""
    seen, queue, pages, shapes = set(), [start], {}, Counter()
    while queue and len(pages) < limit:
        path = queue.pop(0)
        shape = re.sub(r"\d+", "N", path)
        if path in seen or any(s in path for s in SKIP) or (per_shape and shapes[shape] >= per_shape):
            continue
        seen.add(path)
        shapes[shape] += 1
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        pages[path] = response.get_data(as_text=True)
        queue += [p for p in LINK_RE.findall(pages[path]) if p not in seen]
    return pages


CRAWLERS = one_user_per_role_and_place()


def _labels(app, lang: str) -> dict[str, str]:
    """Every label as a page in that language shows it."""
    with app.test_request_context(f"/?lang={lang}"):
        return {key: label(key) for key in LABELS}


def test_the_crawls_sign_in_as_every_role_at_every_kind_of_place():
    assert {"admin", "approver", "reviewer", "cgj_officer", "nyj_head", "cgj_reviewer", "ga_officer",
            "zk_team", "zk_leader", "zk_officer1", "zk_reviewer"} <= set(CRAWLERS)
    assert len(CRAWLERS) < len(DEMO_USERS) and {r for u in DEMO_USERS for r in u[3]} == {
        r for u in DEMO_USERS if u[0] in CRAWLERS for r in u[3]}


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
    for username in CRAWLERS:
        login(client, username)
        for path, html in _crawl(client).items():
            text = _visible(html)
            words = set(re.findall(r"[A-Za-z_.]+", text))
            problems += [f"{username} {path}: raw {w}" for w in raw & words]
            problems += [f"{username} {path}: English {e!r}" for e in english if e in text]
    assert problems == [], "\n".join(sorted(set(problems))[:60])


class ChineseOutsideMarkup(HTMLParser):
    """Chinese in what a reader sees or hears (text, titles, labels) outside an element marked lang="zh-CN"."""

    QUIET = {"script", "style", "svg"}  # not read as text; the diagram's SVG is drawn from the BPMN file
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    READ = ("title", "placeholder", "aria-label", "alt", "data-label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, bool]] = []  # (tag, quiet: skipped or marked Chinese)
        self.found: list[str] = []

    def _quiet(self) -> bool:
        return any(quiet for _tag, quiet in self.open)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        quiet = tag in self.QUIET or (attrs.get("lang") or "").startswith("zh")
        if not (quiet or self._quiet()):
            self.found += [f"<{tag} {k}> {v!r}" for k, v in attrs.items() if k in self.READ and v and CJK_ANY.search(v)]
        if tag not in self.VOID:
            self.open.append((tag, quiet))

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):  # an unclosed child ends with its parent
            if self.open[i][0] == tag:
                del self.open[i:]
                return

    def handle_data(self, data):
        if CJK_ANY.search(data) and not self._quiet():
            self.found.append(f"<{self.open[-1][0] if self.open else ''}> {data.strip()[:60]!r}")


def chinese_outside_markup(html: str) -> list[str]:
    """Every piece of Chinese an English page shows without lang="zh-CN" around it."""
    parser = ChineseOutsideMarkup()
    parser.feed(html)
    return parser.found


def test_the_checker_finds_unmarked_chinese_and_passes_marked_data():
    page = ('<html lang="en"><title>Case</title><p>Party: <span lang="zh-CN">某商户</span>（x）</p>'
            '<td data-label="乡镇">1</td><select><option lang="zh-CN">郑口镇 陈队员</option><option>郑口镇</option></select>'
            '<script>var s = "中文";</script></html>')
    assert chinese_outside_markup(page) == ["<p> '（x）'", "<td data-label> '乡镇'", "<option> '郑口镇'"]


@TEMPLATES_ONLY
def test_english_pages_show_no_chinese_outside_data_marked_as_chinese(app, client, session_factory):
    """Crawl in English as every demo role and as the public, with an open entrustment and a case:
    no Chinese character anywhere but in data marked lang="zh-CN" (names of people, numbers, typed text)."""
    _start(client, session_factory)  # an open entrustment: inbox, task and instance pages exist
    _case_of(app, session_factory, "郑口镇", "郑口罚〔2026〕91号")  # a case with its own task and instance
    problems = []
    for username in [*CRAWLERS, None]:
        client.post("/logout", data={"csrf_token": csrf_of(client, "/")}) if username is None else login(client, username)
        client.get("/lang/en?next=/")
        for path, html in _crawl(client, 30, start="/public/" if username is None else "/", per_shape=2).items():
            assert 'lang="en"' in html, path
            problems += [f"{username} {path}: {f}" for f in chinese_outside_markup(html)]
    assert problems == [], "\n".join(sorted(set(problems))[:60])


def test_every_interface_string_in_the_code_has_an_english_translation():
    """Every _() / _l() text in web/ (templates and Python), however short, is in the English catalogue."""
    method_map = [("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
    found = {message for _file, _line, message, _comments, _context in extract_from_dir(
        ".", method_map, keywords={"_": None, "_l": None, "gettext": None}) if isinstance(message, str)}
    catalogue = _catalogue()
    assert len(found) > 300
    assert sorted(m for m in found if CJK.search(m) and not catalogue.get(m)) == []
