"""Render an official document (公文) as .docx and HTML in the GB/T 9704 layout, deterministically."""

from __future__ import annotations

import html
import io
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from docx import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

RED = RGBColor(0xE6, 0x00, 0x12)  # GB/T 9704 §7.2: the masthead and rule are red
FANGSONG = "仿宋_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
HEITI = "黑体"
SIZE_3 = Pt(16)  # 三号, the body size (GB/T 9704 §7.4)
SIZE_2 = Pt(22)  # 二号, the title size
SIZE_MASTHEAD = Pt(36)
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed zip entry dates so equal input gives equal bytes
_DIGITS = "〇一二三四五六七八九"


@dataclass(frozen=True)
class ItemRow:
    """One numbered row of the items table."""

    code: str
    name: str
    legal_basis: str


@dataclass(frozen=True)
class OfficialText:
    """Everything a rendering needs; both renderings of one document share it."""

    issuer: str  # 发文机关, e.g. 故城县城市管理综合行政执法局
    document_no: str  # 发文字号, e.g. 故城管委〔2026〕1号
    title: str
    addressee: str  # 主送机关
    paragraphs: list[str]
    items: list[ItemRow]
    signatories: list[str]  # 发文机关署名, one per seal (a 委托书 carries both parties)
    issued_on: date  # 成文日期
    closing: list[str] = field(default_factory=list)
    # 版头: "<issuer>文件" for 公文; an enforcement document (执法文书) carries the organ's name alone.
    masthead: str | None = None

    @property
    def head(self) -> str:
        """The masthead line."""
        return self.masthead if self.masthead is not None else f"{self.issuer}文件"


def chinese_date(day: date) -> str:
    """成文日期 in Chinese numerals, e.g. 二〇二六年三月二日 (GB/T 9704 §7.3.5)."""
    year = "".join(_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{_small_number(day.month)}月{_small_number(day.day)}日"


def _small_number(n: int) -> str:
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _DIGITS[tens]
    return f"{head}十{_DIGITS[ones] if ones else ''}"


def _font(run, name: str, size: Pt, *, bold: bool = False, color: RGBColor | None = None) -> None:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    # Chinese text takes its face from the eastAsia slot, not from w:ascii.
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _paragraph(doc, text: str, *, font=FANGSONG, size=SIZE_3, align=None, bold=False,
               color=None, indent=False):
    para = doc.add_paragraph()
    if align is not None:
        para.alignment = align
    if indent:
        para.paragraph_format.first_line_indent = Pt(32)  # 首行缩进二字
    para.paragraph_format.line_spacing = Pt(28.95)  # 22 lines a page (§5.2.2)
    _font(para.add_run(text), font, size, bold=bold, color=color)
    return para


def _red_rule(doc) -> None:
    """版头中的分隔线: a red bottom border under an empty paragraph (§7.2.4)."""
    para = doc.add_paragraph()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "1"), ("w:color", "E60012")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    para._p.get_or_add_pPr().append(borders)


def _items_table(doc, items: list[ItemRow]) -> None:
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, label in zip(table.rows[0].cells, ("序号", "事项编码", "事项名称", "实施依据"), strict=True):
        _font(cell.paragraphs[0].add_run(label), HEITI, Pt(12))
    for number, item in enumerate(items, start=1):
        cells = table.add_row().cells
        for cell, value in zip(cells, (str(number), item.code, item.name, item.legal_basis), strict=True):
            _font(cell.paragraphs[0].add_run(value), FANGSONG, Pt(12))


def _fix_core_properties(doc, issued_on: date) -> None:
    stamp = datetime(issued_on.year, issued_on.month, issued_on.day, tzinfo=UTC)
    props = doc.core_properties
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp
    props.revision = 1
    props.author = "Quanze"
    props.last_modified_by = "Quanze"


def _normalise_zip(raw: bytes) -> bytes:
    """Rewrite the package with fixed entry dates and order so the bytes are reproducible."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))
    return out.getvalue()


def render_docx(text: OfficialText) -> bytes:
    """The document as .docx: masthead, number, red rule, title, body, items, seal block."""
    doc = DocxDocument()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    _paragraph(doc, text.head, font=XIAOBIAOSONG, size=SIZE_MASTHEAD, align=center,
               color=RED)
    _paragraph(doc, "")
    _paragraph(doc, text.document_no, align=center)
    _red_rule(doc)
    _paragraph(doc, text.title, font=XIAOBIAOSONG, size=SIZE_2, align=center, bold=True)
    _paragraph(doc, "")
    _paragraph(doc, f"{text.addressee}：")
    for body in text.paragraphs:
        _paragraph(doc, body, indent=True)
    if text.items:
        _items_table(doc, text.items)
    for body in text.closing:
        _paragraph(doc, body, indent=True)
    _paragraph(doc, "")
    for name in text.signatories:
        _paragraph(doc, f"{name}（印章）", align=right)
    _paragraph(doc, chinese_date(text.issued_on), align=right)
    _fix_core_properties(doc, text.issued_on)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _normalise_zip(buffer.getvalue())


_CSS = (
    "body{font-family:'仿宋_GB2312','FangSong',serif;font-size:16pt;width:156mm;margin:37mm auto;}"
    ".masthead{color:#E60012;font-family:'方正小标宋简体','STZhongsong',serif;font-size:36pt;"
    "text-align:center;margin:0}.docno{text-align:center}.rule{border:0;border-top:2px solid #E60012}"
    "h1{font-family:'方正小标宋简体','STZhongsong',serif;font-size:22pt;text-align:center}"
    "p.body{text-indent:2em;line-height:28.95pt}table{border-collapse:collapse;width:100%}"
    "td,th{border:1px solid #000;font-size:12pt;padding:2pt 4pt}.seal{text-align:right}"
)


def render_html(text: OfficialText) -> bytes:
    """The same document as a standalone UTF-8 HTML page."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="zh-CN"><head><meta charset="utf-8"><title>{e(text.title)}</title>',
        f"<style>{_CSS}</style></head><body>",
        f'<p class="masthead">{e(text.head)}</p>',
        f'<p class="docno">{e(text.document_no)}</p><hr class="rule">',
        f"<h1>{e(text.title)}</h1>",
        f"<p>{e(text.addressee)}：</p>",
    ]
    parts += [f'<p class="body">{e(p)}</p>' for p in text.paragraphs]
    if text.items:
        parts.append("<table><tr><th>序号</th><th>事项编码</th><th>事项名称</th><th>实施依据</th></tr>")
        parts += [
            f"<tr><td>{n}</td><td>{e(i.code)}</td><td>{e(i.name)}</td><td>{e(i.legal_basis)}</td></tr>"
            for n, i in enumerate(text.items, start=1)
        ]
        parts.append("</table>")
    parts += [f'<p class="body">{e(p)}</p>' for p in text.closing]
    parts += [f'<p class="seal">{e(name)}（印章）</p>' for name in text.signatories]
    parts.append(f'<p class="seal">{chinese_date(text.issued_on)}</p></body></html>')
    return "\n".join(parts).encode("utf-8")
