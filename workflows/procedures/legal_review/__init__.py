"""Legal review of major decisions (法制审核, 行政处罚法 第58条)."""
