"""SQLAlchemy tables of Quanze; the only place a table is declared (design.md §2)."""

from models.api_tokens import ApiToken, LoginAttempt
from models.audit import AuditEvent, AuditHead
from models.base import Base
from models.cases import (
    Case,
    CaseOfficer,
    CaseReview,
    CaseStatus,
    DecisionKind,
    PartyKind,
    ReviewResult,
)
from models.catalogue import CatalogueBatch, PowerItem, item_relations
from models.coordination import (
    CaseTransfer,
    DutyAccessOpinion,
    DutyAccessRequest,
    JointFinding,
    JointOperation,
    JointParticipant,
    MutualNotification,
    TransferStatus,
    WorkOrder,
)
from models.deadlines import (
    Deadline,
    DeadlineExtension,
    DeadlineRule,
    DeadlineStatus,
    ExpiryAction,
    Notification,
    PeriodUnit,
    WebhookDelivery,
)
from models.delegations import IN_FORCE_STATUSES, Delegation
from models.documents import Document
from models.engine import HumanTask, ProcessDefinition, ProcessInstance
from models.enums import (
    CutoverRule,
    DelegationMode,
    DelegationStatus,
    ItemCategory,
    OrgKind,
    PopulationClass,
    Role,
)
from models.evidence import Evidence
from models.organizations import EnforcementCertificate, Membership, Organization, User
from models.payments import CasePayment, CaseService
from models.sequences import NumberSequence
from models.web_sessions import WebSession

__all__ = [
    "CasePayment",
    "CaseService",
    "WebSession",
    "Evidence",
    "NumberSequence",
    "Deadline",
    "DeadlineExtension",
    "DeadlineRule",
    "DeadlineStatus",
    "ExpiryAction",
    "Notification",
    "PeriodUnit",
    "WebhookDelivery",
    "IN_FORCE_STATUSES",
    "ApiToken",
    "LoginAttempt",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Case",
    "CaseOfficer",
    "CaseReview",
    "CaseStatus",
    "DecisionKind",
    "PartyKind",
    "ReviewResult",
    "CatalogueBatch",
    "CaseTransfer",
    "DutyAccessOpinion",
    "DutyAccessRequest",
    "JointFinding",
    "JointOperation",
    "JointParticipant",
    "MutualNotification",
    "TransferStatus",
    "WorkOrder",
    "CutoverRule",
    "Delegation",
    "DelegationMode",
    "DelegationStatus",
    "Document",
    "EnforcementCertificate",
    "HumanTask",
    "ItemCategory",
    "Membership",
    "OrgKind",
    "Organization",
    "PopulationClass",
    "PowerItem",
    "ProcessDefinition",
    "ProcessInstance",
    "Role",
    "User",
    "item_relations",
]
