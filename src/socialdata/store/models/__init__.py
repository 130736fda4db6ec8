"""Every table of the operational store, one module per concern; importing this registers them all on Base."""

from socialdata.store.models.base import Base, ProvenanceMixin
from socialdata.store.models.feeds import (
    FeedSubmission,
    QuarantineItem,
    SourceEvent,
    SourcePerson,
    SubmissionStatus,
)
from socialdata.store.models.operations import BedState, CareHomeVacancy, SupplyStock
from socialdata.store.models.partners import Organisation, OrganisationKind, UserAccount

__all__ = [
    "Base",
    "BedState",
    "CareHomeVacancy",
    "FeedSubmission",
    "Organisation",
    "OrganisationKind",
    "ProvenanceMixin",
    "QuarantineItem",
    "SourceEvent",
    "SourcePerson",
    "SubmissionStatus",
    "SupplyStock",
    "UserAccount",
]
