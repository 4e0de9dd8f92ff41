"""Clue verification in market regulation (线索核查, 市场监督管理行政处罚程序规定 第18条)."""
