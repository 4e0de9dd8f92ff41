"""User-task forms shared by more than one procedure, declared once."""

from __future__ import annotations

from workflows.core.forms import Field, Form

# 法制审核 of a delegation (grant and entrustment both pass the legal affairs office, 第24条/第20条).
DELEGATION_REVIEW = Form([
    Field("review_decision", "choice", required=True, choices=("approve", "return"),
          label_zh="审查结论", label_en="Review outcome"),
    Field("review_opinion", "text", required=True, max_length=2000, label_zh="审查意见",
          label_en="Review opinion"),
])
