"""Small server-side SVG charts for the dashboards (no JavaScript)."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

ROW = 26
LABEL_W = 170
BAR_W = 360
# A province has 2,000 townships: past this many bars a chart shows the worst ones and says so.
MOST_BARS = 30


def bar_chart(rows: list[tuple[str, float | None, str]], *, maximum: float, colour: str) -> Markup:
    """Horizontal bars: (label, value or None, caption) each; None draws an empty track."""
    height = max(1, len(rows)) * ROW + 10
    parts = []
    for i, (label, value, caption) in enumerate(rows):
        y = 5 + i * ROW
        width = 0 if value is None or maximum <= 0 else BAR_W * min(value, maximum) / maximum
        parts.append(
            f'<text x="{LABEL_W - 6}" y="{y + 16}" text-anchor="end" font-size="12">{escape(label)}</text>'
            f'<rect x="{LABEL_W}" y="{y + 3}" width="{BAR_W}" height="{ROW - 8}" fill="#eef2f6"/>'
            f'<rect x="{LABEL_W}" y="{y + 3}" width="{width:.1f}" height="{ROW - 8}" fill="{colour}"/>'
            f'<text x="{LABEL_W + BAR_W + 6}" y="{y + 16}" font-size="12">{escape(caption)}</text>')
    total_w = LABEL_W + BAR_W + 90
    return Markup(f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {total_w} '
                  f'{height}" width="{total_w}">{"".join(parts)}</svg>')


def _worst(figures: list[dict], key) -> tuple[list[dict], Markup]:
    """All groups in name order, or the MOST_BARS worst (by key) with a note saying how many there are."""
    if len(figures) <= MOST_BARS:
        return figures, Markup("")
    note = _("显示最需关注的 %(shown)d 个（共 %(total)d 个）", shown=MOST_BARS, total=len(figures))
    return sorted(figures, key=key)[:MOST_BARS], Markup('<p class="muted">%s</p>') % note


def on_time_chart(figures: list[dict]) -> Markup:
    """按时办结率 per group, 0–100 %; the lowest rates when there are many groups."""
    shown, note = _worst(figures, lambda f: (f["on_time_rate"] is None, f["on_time_rate"] or 0, f["name"]))
    rows = [(f["name"], f["on_time_rate"],
             "—" if f["on_time_rate"] is None else f"{f['on_time_rate'] * 100:.0f}%") for f in shown]
    return note + bar_chart(rows, maximum=1.0, colour="#2f855a")


def overdue_chart(figures: list[dict]) -> Markup:
    """Overdue deadlines (late or still open) per group; the most overdue when there are many groups."""
    shown, note = _worst(figures, lambda f: (-f["overdue"], f["name"]))
    top = max([f["overdue"] for f in shown] + [1])
    return note + bar_chart([(f["name"], f["overdue"], str(f["overdue"])) for f in shown], maximum=top,
                            colour="#b42318")


def _clip(name: str, width: int = 28) -> str:
    """As much of a name as fits beside a bar: 14 Chinese characters, or about 28 Latin letters."""
    used = 0
    for i, char in enumerate(name):
        used += 2 if ord(char) > 0x2E80 else 1
        if used > width:
            return name[:i]
    return name


def cases_chart(rows: list[tuple[str, str, int]]) -> Markup:
    """Cases per catalogue item."""
    top = max([count for _code, _name, count in rows] + [1])
    return bar_chart([(code, count, f"{count} {_clip(name)}") for code, name, count in rows], maximum=top,
                     colour="#1d4ed8")
