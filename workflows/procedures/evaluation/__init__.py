"""Periodic evaluation and withdrawal (定期组织评估, 行政处罚法 第24条)."""
