"""The descriptive metadata of each shareable dataset, in the shape of the HDR UK dataset schema.

The datasets and their columns come from `governance.datasets.DATASETS` (one registry for agreements, projects, the
extract and this catalogue); what a researcher needs besides — keywords, coverage, provenance, how to ask for
access and on what legal basis — is written here, once per dataset.
"""

from __future__ import annotations

from dataclasses import dataclass

from socialdata.errors import UserError
from socialdata.governance.datasets import DATASETS, Dataset, dataset_named


@dataclass(frozen=True)
class Publisher:
    name: str
    contact_point: str
    description: str


@dataclass(frozen=True)
class Access:
    """How any dataset is reached (the same for all): the HDR UK accessibility.access fields."""

    rights: str
    request_route: str
    controllers: str
    jurisdiction: str
    language: str
    formats: tuple[str, ...]
    delivery_lead_time: str
    request_cost: str


@dataclass(frozen=True)
class Description:
    """One dataset's summary, coverage, provenance and accessibility (HDR UK schema v2 field names in comments)."""

    keywords: tuple[str, ...]  # summary.keywords
    spatial: str  # coverage.spatial
    typical_age_range: str  # coverage.typicalAgeRange
    followup: str  # coverage.followup
    purpose: tuple[str, ...]  # provenance.origin.purpose
    origin: tuple[str, ...]  # provenance.origin.source
    collection_situation: tuple[str, ...]  # provenance.origin.collectionSituation
    accrual_periodicity: str  # provenance.temporal.accrualPeriodicity
    time_lag: str  # provenance.temporal.timeLag
    vocabularies: tuple[str, ...]  # accessibility.formatAndStandards.vocabularyEncodingScheme
    legal_basis_article6: str
    legal_basis_article9: str


@dataclass(frozen=True)
class CatalogueEntry:
    """A dataset as the catalogue shows it: the registry's tables and columns with their description."""

    dataset: Dataset
    description: Description

    @property
    def id(self) -> str:
        return self.dataset.id


PUBLISHER = Publisher(
    name="Social Data Foundation",
    contact_point="data-access@socialdata.example",
    description="The partnership of the city's hospital trust, council adult social care, GP practices and university"
    " that links and shares their data for care, research and planning.",
)
SPATIAL = "The city served by the Foundation's partners (synthetic: Avonford)"
ACCESS = Access(
    rights="Pseudonymised record-level data only inside the secure data environment, for an approved project under"
    " an active data sharing agreement; the national data opt-out is applied; only disclosure-checked outputs leave.",
    request_route="Apply for a project (a Five Safes application) to the Foundation's data stewards; the partnership"
    " board approves it and its data sharing agreement before any access.",
    controllers="Each contributing partner for its own records; the Foundation as joint controller for the linked data",
    jurisdiction="GB-ENG",
    language="en",
    formats=("Parquet tables in the secure data environment",),
    delivery_lead_time="1-2 MONTHS",
    request_cost="Cost recovery for the secure data environment; none for public-benefit research",
)
_ARTICLE6 = "UK GDPR Article 6(1)(e): a task in the public interest"
_ARTICLE9_RESEARCH = "UK GDPR Article 9(2)(j): research and statistics, with safeguards under Article 89"
_ARTICLE9_CARE = "UK GDPR Article 9(2)(h) and (j): health and social care; research and statistics"

DESCRIPTIONS: dict[str, Description] = {
    "patients": Description(
        keywords=("demographics", "population", "master person index", "deprivation", "registration", "mortality"),
        spatial=SPATIAL,
        typical_age_range="0-110",
        followup="CONTINUOUS",
        purpose=("CARE",),
        origin=("EPR", "ADMINISTRATIVE"),
        collection_situation=("PRIMARY CARE", "SECONDARY CARE", "COMMUNITY"),
        accrual_periodicity="DAILY",
        time_lag="LESS 1 WEEK",
        vocabularies=("NHS DATA DICTIONARY",),
        legal_basis_article6=_ARTICLE6,
        legal_basis_article9=_ARTICLE9_RESEARCH,
    ),
    "clinical_events": Description(
        keywords=("diagnoses", "problems", "observations", "procedures", "SNOMED CT", "ICD-10", "primary care"),
        spatial=SPATIAL,
        typical_age_range="0-110",
        followup="CONTINUOUS",
        purpose=("CARE",),
        origin=("EPR",),
        collection_situation=("PRIMARY CARE", "SECONDARY CARE"),
        accrual_periodicity="DAILY",
        time_lag="LESS 1 WEEK",
        vocabularies=("SNOMED CT", "ICD10"),
        legal_basis_article6=_ARTICLE6,
        legal_basis_article9=_ARTICLE9_CARE,
    ),
    "medications": Description(
        keywords=("prescribing", "prescriptions", "drugs", "dm+d", "medicines"),
        spatial=SPATIAL,
        typical_age_range="0-110",
        followup="CONTINUOUS",
        purpose=("CARE",),
        origin=("EPR", "PRESCRIBING"),
        collection_situation=("PRIMARY CARE", "SECONDARY CARE"),
        accrual_periodicity="DAILY",
        time_lag="LESS 1 WEEK",
        vocabularies=("DM+D",),
        legal_basis_article6=_ARTICLE6,
        legal_basis_article9=_ARTICLE9_CARE,
    ),
    "hospital_admissions": Description(
        keywords=("inpatient", "emergency", "elective", "spells", "secondary care", "hospital episodes"),
        spatial=SPATIAL,
        typical_age_range="0-110",
        followup="CONTINUOUS",
        purpose=("CARE",),
        origin=("EPR", "ADMINISTRATIVE"),
        collection_situation=("IN-PATIENTS", "ACCIDENT AND EMERGENCY"),
        accrual_periodicity="DAILY",
        time_lag="LESS 1 WEEK",
        vocabularies=("ICD10", "SNOMED CT"),
        legal_basis_article6=_ARTICLE6,
        legal_basis_article9=_ARTICLE9_CARE,
    ),
    "care_packages": Description(
        keywords=("social care", "adult social care", "ASC CLD", "assessments", "home care", "residential care"),
        spatial=SPATIAL,
        typical_age_range="18-110",
        followup="CONTINUOUS",
        purpose=("ADMINISTRATIVE",),
        origin=("ADMINISTRATIVE",),
        collection_situation=("COMMUNITY", "SOCIAL CARE"),
        accrual_periodicity="MONTHLY",
        time_lag="1-2 MONTHS",
        vocabularies=("ASC CLD",),
        legal_basis_article6=_ARTICLE6,
        legal_basis_article9=_ARTICLE9_CARE,
    ),
}


def catalogue_entries() -> tuple[CatalogueEntry, ...]:
    """Every dataset in the registry's order, each with its description."""
    return tuple(CatalogueEntry(dataset, DESCRIPTIONS[dataset.id]) for dataset in DATASETS.values())


def entry_named(dataset_id: str) -> CatalogueEntry:
    """The catalogue entry, or a UserError naming the datasets there are."""
    dataset = dataset_named(dataset_id)
    description = DESCRIPTIONS.get(dataset.id)
    if description is None:
        raise UserError(f"dataset {dataset.id!r} has no catalogue description yet", where="catalogue")
    return CatalogueEntry(dataset, description)
