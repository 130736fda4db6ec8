"""Every table of the operational store, one module per concern; importing this registers them all on Base."""

from socialdata.store.models.access import AccessAlert, AccessGrant, AlertStatus, CitizenLink, GrantKind
from socialdata.store.models.audit import AuditEventRecord, AuditLeaf, AuditSequence, AuditTreeHead, AuditTreeNode
from socialdata.store.models.base import Base, ProvenanceMixin
from socialdata.store.models.citizen import (
    CorrectionRequest,
    CorrectionStatus,
    FoundationChoice,
    WithheldItem,
    WithholdingReason,
)
from socialdata.store.models.consent import NationalOptOut, SealedItem, SharingObjection
from socialdata.store.models.feeds import (
    FeedSubmission,
    QuarantineItem,
    SourceEvent,
    SourcePerson,
    SubmissionStatus,
)
from socialdata.store.models.governance import (
    AgreementStatus,
    DataSharingAgreement,
    Project,
    ProjectMember,
    ProjectStage,
    ResearcherAccreditation,
)
from socialdata.store.models.linkage import (
    IdentifierConflict,
    LinkBasis,
    LinkEvent,
    LinkEventKind,
    LinkRun,
    PairDecision,
    Person,
    PersonLink,
    PersonStatus,
    ReviewItem,
    ReviewStatus,
)
from socialdata.store.models.operations import (
    BedState,
    CareHomeRegister,
    CareHomeVacancy,
    OperationsNode,
    SupplyStock,
)
from socialdata.store.models.outputs import (
    OutputFile,
    OutputRequest,
    OutputRequestStatus,
    OutputReview,
    ReviewDecision,
)
from socialdata.store.models.partners import Organisation, OrganisationKind, UserAccount
from socialdata.store.models.record import ApiToken, EntryKind, RecordEntry
from socialdata.store.models.sde import ExtractMember, ExtractStatus, JobState, ProjectExtract, SdeJob
from socialdata.store.models.web_login import LoginAttempt, WebSession

__all__ = [
    "AccessAlert",
    "AccessGrant",
    "AgreementStatus",
    "AlertStatus",
    "ApiToken",
    "AuditEventRecord",
    "AuditLeaf",
    "AuditSequence",
    "AuditTreeHead",
    "AuditTreeNode",
    "Base",
    "BedState",
    "CareHomeRegister",
    "CareHomeVacancy",
    "CitizenLink",
    "CorrectionRequest",
    "CorrectionStatus",
    "DataSharingAgreement",
    "EntryKind",
    "ExtractMember",
    "ExtractStatus",
    "FeedSubmission",
    "FoundationChoice",
    "GrantKind",
    "IdentifierConflict",
    "JobState",
    "LinkBasis",
    "LinkEvent",
    "LinkEventKind",
    "LinkRun",
    "LoginAttempt",
    "NationalOptOut",
    "OperationsNode",
    "Organisation",
    "OrganisationKind",
    "OutputFile",
    "OutputRequest",
    "OutputRequestStatus",
    "OutputReview",
    "PairDecision",
    "Person",
    "PersonLink",
    "PersonStatus",
    "Project",
    "ProjectExtract",
    "ProjectMember",
    "ProjectStage",
    "ProvenanceMixin",
    "QuarantineItem",
    "RecordEntry",
    "ResearcherAccreditation",
    "ReviewDecision",
    "ReviewItem",
    "ReviewStatus",
    "SdeJob",
    "SealedItem",
    "SharingObjection",
    "SourceEvent",
    "SourcePerson",
    "SubmissionStatus",
    "SupplyStock",
    "UserAccount",
    "WebSession",
    "WithheldItem",
    "WithholdingReason",
]
