"""The entrustment procedure (委托, 行政处罚法 第20–21条)."""
