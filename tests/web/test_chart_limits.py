"""Dashboard charts at province scale: past MOST_BARS groups they show the worst ones and say how many there are."""

from __future__ import annotations

import re

from web.charts import MOST_BARS, on_time_chart, overdue_chart


def _figures(n: int) -> list[dict]:
    return [{"name": f"第{i:04d}镇", "on_time_rate": (i % 100) / 100, "overdue": i % 7} for i in range(n)]


def test_few_groups_are_all_drawn_in_name_order(app):
    with app.test_request_context():
        svg = str(on_time_chart(_figures(5)))
    assert re.findall(r">(第\d{4}镇)<", svg) == [f"第{i:04d}镇" for i in range(5)] and "共" not in svg


def test_two_thousand_townships_draw_the_worst_thirty_with_a_note(app):
    figures = _figures(2000)
    with app.test_request_context():
        rate, overdue = str(on_time_chart(figures)), str(overdue_chart(figures))
    rate_names = re.findall(r">(第\d{4}镇)<", rate)
    assert len(rate_names) == MOST_BARS and rate_names[0] == "第0000镇"  # rate 0 %: the worst first
    assert all(int(name[1:5]) % 100 == 0 for name in rate_names[:20])
    assert "显示最需关注的 30 个（共 2000 个）" in rate
    overdue_names = re.findall(r">(第\d{4}镇)<", overdue)
    assert len(overdue_names) == MOST_BARS and all(int(n[1:5]) % 7 == 6 for n in overdue_names)
