"""The research datasets the foundation can share for secondary use, and their fields.

One registry serves three readers: agreements and projects name datasets and fields from it (and are refused when they
name one it does not have), the catalogue describes each one, and the secure data environment builds exactly these
tables in a project's extract (a project gets the subset of tables and fields it was approved for). `patient_id` in
every table is the project's own pseudonym, never an identifier from the feeds.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from socialdata.errors import UserError


class FieldType(enum.StrEnum):
    TEXT = "text"
    DATE = "date"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class DatasetField:
    name: str
    type: FieldType
    description: str
    # The pseudonym every table is joined on: always included, never released in an output.
    is_pseudonym: bool = False


@dataclass(frozen=True)
class Dataset:
    id: str
    title: str
    description: str
    # Which kinds of partner feed it (organisation kinds, as in store.models.OrganisationKind).
    sources: tuple[str, ...]
    fields: tuple[DatasetField, ...]
    # The store's event kinds (source_event.kind) its rows are made from; none for the people dataset, made from the
    # people the partners sent. The catalogue measures quality on exactly these rows and the SDE builds from them.
    event_kinds: tuple[str, ...] = ()

    @property
    def is_people(self) -> bool:
        return not self.event_kinds

    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> DatasetField:
        for f in self.fields:
            if f.name == name:
                return f
        raise UserError(
            f"dataset {self.id!r} has no field {name!r}; its fields are {', '.join(self.field_names())}",
            where=f"{self.id}.{name}",
        )


_PSEUDONYM = DatasetField("patient_id", FieldType.TEXT, "The project's pseudonym for the person.", is_pseudonym=True)

DATASETS: dict[str, Dataset] = {
    d.id: d
    for d in (
        Dataset(
            "patients",
            "Linked population",
            "One row per person in the master person index: sex, date of birth and death, area deprivation and"
            " registered practice.",
            ("gp_practice", "hospital_trust", "council"),
            (
                _PSEUDONYM,
                DatasetField("sex", FieldType.TEXT, "male, female, other or unknown."),
                DatasetField("date_of_birth", FieldType.DATE, "Coarsened to the month or year when the project says."),
                DatasetField("date_of_death", FieldType.DATE, "Empty while alive."),
                DatasetField("imd_decile", FieldType.INTEGER, "Index of Multiple Deprivation decile of the home area."),
                DatasetField("practice", FieldType.TEXT, "Registered GP practice code."),
            ),
        ),
        Dataset(
            "clinical_events",
            "Coded clinical events",
            "Diagnoses, problems, observations and procedures from GP practices and the hospital trust (SNOMED CT,"
            " ICD-10).",
            ("gp_practice", "hospital_trust"),
            (
                _PSEUDONYM,
                DatasetField("date", FieldType.DATE, "When it happened or was recorded."),
                DatasetField("code_system", FieldType.TEXT, "snomedct or icd10."),
                DatasetField("code", FieldType.TEXT, "The code."),
                DatasetField("numeric_value", FieldType.NUMBER, "A measurement's value, when there is one."),
                DatasetField("source", FieldType.TEXT, "gp or hospital."),
            ),
            ("condition", "observation", "procedure"),
        ),
        Dataset(
            "medications",
            "Medications",
            "Prescriptions and medication statements (dm+d).",
            ("gp_practice", "hospital_trust"),
            (
                _PSEUDONYM,
                DatasetField("date", FieldType.DATE, "Start of the medication."),
                DatasetField("code", FieldType.TEXT, "dm+d code."),
            ),
            ("medication",),
        ),
        Dataset(
            "hospital_admissions",
            "Hospital admissions",
            "Inpatient and emergency spells at the hospital trust.",
            ("hospital_trust",),
            (
                _PSEUDONYM,
                DatasetField("admission_date", FieldType.DATE, "Start of the spell."),
                DatasetField("discharge_date", FieldType.DATE, "End of the spell; empty while in hospital."),
                DatasetField("admission_method", FieldType.TEXT, "emergency or elective."),
                DatasetField("primary_diagnosis", FieldType.TEXT, "ICD-10 or SNOMED CT code, when known."),
            ),
            ("encounter",),
        ),
        Dataset(
            "care_packages",
            "Adult social care",
            "Requests, assessments, services (care packages) and reviews from the council (ASC CLD).",
            ("council",),
            (
                _PSEUDONYM,
                DatasetField("event_type", FieldType.TEXT, "request, assessment, service or review."),
                DatasetField("start_date", FieldType.DATE, "Start of the event or service."),
                DatasetField("end_date", FieldType.DATE, "End of the service; empty while open."),
                DatasetField("service_type", FieldType.TEXT, "The kind of support (e.g. home care, residential)."),
                DatasetField("weekly_cost", FieldType.NUMBER, "Planned weekly cost in pounds, when known."),
            ),
            ("asc_request", "asc_assessment", "asc_service", "asc_review"),
        ),
    )
}


def dataset_named(dataset_id: str) -> Dataset:
    """The dataset, or a UserError naming the ones there are."""
    try:
        return DATASETS[dataset_id]
    except KeyError:
        raise UserError(
            f"there is no dataset {dataset_id!r}; the datasets are {', '.join(DATASETS)}", where="dataset"
        ) from None


def check_fields(dataset_id: str, fields: list[str] | tuple[str, ...]) -> None:
    """Refuse any field the dataset does not have, naming it (agreements and projects call this)."""
    dataset = dataset_named(dataset_id)
    for name in fields:
        dataset.field(name)
