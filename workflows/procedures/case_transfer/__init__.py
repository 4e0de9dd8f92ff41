"""Case transfer between organs (案件移送, 行政处罚法 第22–25条)."""
