"""Every table of the operational store, one module per concern; importing this registers them all on Base."""

from socialdata.store.models.access import AccessAlert, AccessGrant, AlertStatus, CitizenLink, GrantKind
from socialdata.store.models.audit import AuditEventRecord, AuditLeaf, AuditSequence, AuditTreeHead, AuditTreeNode
from socialdata.store.models.base import Base, ProvenanceMixin
from socialdata.store.models.consent import NationalOptOut, SealedItem, SharingObjection
from socialdata.store.models.feeds import (
    FeedSubmission,
    QuarantineItem,
    SourceEvent,
    SourcePerson,
    SubmissionStatus,
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
from socialdata.store.models.operations import BedState, CareHomeVacancy, SupplyStock
from socialdata.store.models.partners import Organisation, OrganisationKind, UserAccount
from socialdata.store.models.record import ApiToken, EntryKind, RecordEntry

__all__ = [
    "AccessAlert",
    "AccessGrant",
    "AlertStatus",
    "ApiToken",
    "AuditEventRecord",
    "AuditLeaf",
    "AuditSequence",
    "AuditTreeHead",
    "AuditTreeNode",
    "Base",
    "BedState",
    "CareHomeVacancy",
    "CitizenLink",
    "EntryKind",
    "FeedSubmission",
    "GrantKind",
    "IdentifierConflict",
    "LinkBasis",
    "LinkEvent",
    "LinkEventKind",
    "LinkRun",
    "NationalOptOut",
    "Organisation",
    "OrganisationKind",
    "PairDecision",
    "Person",
    "PersonLink",
    "PersonStatus",
    "ProvenanceMixin",
    "QuarantineItem",
    "RecordEntry",
    "ReviewItem",
    "ReviewStatus",
    "SealedItem",
    "SharingObjection",
    "SourceEvent",
    "SourcePerson",
    "SubmissionStatus",
    "SupplyStock",
    "UserAccount",
]
