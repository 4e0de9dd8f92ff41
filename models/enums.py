"""Enumerations shared by the tables; values are stable strings stored in the database."""

from __future__ import annotations

from enum import StrEnum


class OrgKind(StrEnum):
    """What kind of organ an organization is."""

    COUNTY_GOVERNMENT = "county_government"  # 县人民政府
    COUNTY_DEPARTMENT = "county_department"  # 县直部门 (stationed agencies too, flagged 派驻)
    LEGAL_AFFAIRS_OFFICE = "legal_affairs_office"  # 县司法局 / 法制机构
    TOWNSHIP = "township"  # 乡镇人民政府
    TOWNSHIP_ORGAN = "township_organ"  # 乡镇内设机构 (综合行政执法队 …)
    PUBLIC_SECURITY = "public_security"  # 公安机关 (receives crime transfers)
    PROVINCE = "province"  # 省人民政府 (approves grants outside the guidance list)


class Role(StrEnum):
    """A user's role within one organization."""

    COUNTY_OFFICER = "county_officer"  # 县直部门工作人员
    COUNTY_APPROVER = "county_approver"  # 县政府审批人
    LEGAL_REVIEWER = "legal_reviewer"  # 法制审核人员
    TOWNSHIP_OFFICER = "township_officer"  # 乡镇执法人员
    TOWNSHIP_LEADER = "township_leader"  # 乡镇负责人
    # 部门负责人: approves extensions and decides crime transfers in the department's name
    # (行政处罚法 第20条 for entrusted cases; 国务院令第310号 第5条 正职负责人).
    DEPARTMENT_HEAD = "department_head"
    ADMIN = "admin"  # 系统管理员


class PopulationClass(StrEnum):
    """Gucheng plan population classes that fix how many organs a township has."""

    UNDER_30K = "under_30k"  # 人口不足3万: 7 organs
    FROM_30K_TO_50K = "30k_to_50k"  # 3—5万: 8 organs
    FROM_50K_TO_100K = "50k_to_100k"  # 5—10万: 9 organs
    OVER_100K = "over_100k"  # 10万以上: 10 organs


class ItemCategory(StrEnum):
    """Kind of administrative power in the catalogue."""

    PENALTY = "penalty"  # 行政处罚
    INSPECTION = "inspection"  # 行政检查
    COERCION = "coercion"  # 行政强制


class DelegationMode(StrEnum):
    """How a power reaches (or does not reach) a township — domain.md §0."""

    GRANT = "grant"  # 赋权, 行政处罚法 第24条
    ENTRUST = "entrust"  # 委托, 第20–21条
    STATUTORY = "statutory"  # 乡镇法定权力
    ASSIST = "assist"  # not delegated; the township only assists (配合)


class DelegationStatus(StrEnum):
    """Lifecycle of a delegation row."""

    PROPOSED = "proposed"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PUBLISHED = "published"
    EFFECTIVE = "effective"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"


class CutoverRule(StrEnum):
    """What happens to cases already filed when a delegation starts or ends (domain.md §4)."""

    FILED_CASES_STAY = "filed_cases_stay"  # unfinished cases stay with their current handler
    LAPSE_AFTER_DAYS = "lapse_after_days"  # old items lapse N natural days after notice (Zhengzhou)
    IMMEDIATE = "immediate"  # cancelled at once, open cases move (Jiaozuo)
