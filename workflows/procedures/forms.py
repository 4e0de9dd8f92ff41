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

# 定期组织评估 (行政处罚法 第24条): the county government acknowledges that the periodic
# evaluation of granted items is due (rule grant_evaluation_cycle) and notes how it will run,
# within the rule evaluation_organize (a design default: the statute sets no time to open it).
EVALUATION_DUE = Form([
    Field("evaluation_plan", "text", max_length=2000, label_zh="评估安排", label_en="Evaluation plan"),
], due="rule_due('evaluation_organize')")
