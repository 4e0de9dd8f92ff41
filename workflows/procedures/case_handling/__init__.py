"""Case handling (案件办理, 行政处罚法 第五章)."""
