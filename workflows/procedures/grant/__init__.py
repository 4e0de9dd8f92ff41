"""The grant procedure (赋权, 行政处罚法 第24条)."""
