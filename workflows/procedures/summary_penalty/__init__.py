"""Summary procedure (简易程序, 行政处罚法 第51–52、68、71条)."""
