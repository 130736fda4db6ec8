"""How each research dataset (governance.datasets.DATASETS) is made from the staged store rows, in DuckDB SQL.

Each query gives `person_id` plus every field of its dataset except the pseudonym; the extract then keeps only the
fields the project was approved for, swaps person_id for the project's pseudonym and coarsens dates.
"""

from __future__ import annotations

from dataclasses import dataclass

from socialdata.governance.datasets import DATASETS

SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
OPCS4 = "https://fhir.hl7.org.uk/Id/opcs-4"
LOINC = "http://loinc.org"
DMD = "https://dmd.nhs.uk"


@dataclass(frozen=True)
class TableRecipe:
    sql: str
    # Event kinds read beside the dataset's own (governance.datasets: `Dataset.event_kinds`), e.g. diagnoses.
    also_reads: tuple[str, ...] = ()

    def event_kinds(self, dataset_id: str) -> tuple[str, ...]:
        return DATASETS[dataset_id].event_kinds + self.also_reads


_CODE_SYSTEM = f"""CASE code_system WHEN '{SNOMED}' THEN 'snomedct' WHEN '{ICD10}' THEN 'icd10'
    WHEN '{OPCS4}' THEN 'opcs4' WHEN '{LOINC}' THEN 'loinc' WHEN '{DMD}' THEN 'dmd' END"""

RECIPES: dict[str, TableRecipe] = {
    # One row per person: the preferred source for each value is the GP record, then the hospital's, then the
    # council's, newest first; practice only ever from a GP record; deprivation from the synthetic lookup.
    "patients": TableRecipe(
        """
        SELECT p.person_id,
            coalesce(first(p.sex ORDER BY p.pref, p.loaded_at DESC) FILTER (WHERE p.sex IS NOT NULL), 'unknown')
                AS sex,
            first(p.birth_date ORDER BY p.pref, p.loaded_at DESC) FILTER (WHERE p.birth_date IS NOT NULL)
                AS date_of_birth,
            max(p.death_date) AS date_of_death,
            CAST(first(i.decile ORDER BY p.pref, p.loaded_at DESC) FILTER (WHERE i.decile IS NOT NULL) AS INTEGER)
                AS imd_decile,
            first(p.practice ORDER BY p.loaded_at DESC) FILTER (WHERE p.org_kind = 'gp_practice') AS practice
        FROM (SELECT *, CASE org_kind WHEN 'gp_practice' THEN 0 WHEN 'hospital_trust' THEN 1 ELSE 2 END AS pref,
                split_part(upper(trim(postcode)), ' ', 1) AS district
              FROM stage_people) p
        LEFT JOIN imd_lookup i ON i.district = p.district
        GROUP BY p.person_id
        """,
    ),
    "clinical_events": TableRecipe(
        f"""
        SELECT person_id, CAST(start_at AS DATE) AS date, {_CODE_SYSTEM} AS code_system, code,
            value_num AS numeric_value, CASE org_kind WHEN 'gp_practice' THEN 'gp' ELSE 'hospital' END AS source
        FROM stage_events WHERE kind IN ('condition', 'observation', 'procedure')
        """,
    ),
    "medications": TableRecipe(
        "SELECT person_id, CAST(start_at AS DATE) AS date, code FROM stage_events WHERE kind = 'medication'",
    ),
    # Hospital encounters of class EMER (emergency) and IMP (inpatient, taken as elective); the primary diagnosis is
    # the earliest condition the trust recorded against that encounter.
    "hospital_admissions": TableRecipe(
        """
        SELECT e.person_id, CAST(e.start_at AS DATE) AS admission_date, CAST(e.end_at AS DATE) AS discharge_date,
            CASE e.code WHEN 'EMER' THEN 'emergency' ELSE 'elective' END AS admission_method,
            d.code AS primary_diagnosis
        FROM stage_events e
        LEFT JOIN (
            SELECT organisation_id, encounter_ref, first(code ORDER BY start_at, source_id) AS code
            FROM stage_events WHERE kind = 'condition' AND encounter_ref IS NOT NULL
            GROUP BY organisation_id, encounter_ref
        ) d ON d.organisation_id = e.organisation_id AND d.encounter_ref = 'Encounter/' || e.source_id
        WHERE e.kind = 'encounter' AND e.org_kind = 'hospital_trust' AND e.code IN ('EMER', 'IMP')
        """,
        also_reads=("condition",),
    ),
    # The council's ASC CLD events; the weekly cost is the unit cost times the planned units a week (or the unit
    # cost itself when it is already weekly).
    "care_packages": TableRecipe(
        """
        SELECT person_id, replace(kind, 'asc_', '') AS event_type, CAST(start_at AS DATE) AS start_date,
            CAST(end_at AS DATE) AS end_date, service_type,
            CASE cost_frequency WHEN 'Weekly' THEN value_num
                WHEN 'Hourly' THEN value_num * planned_units WHEN 'Daily' THEN value_num * planned_units
            END AS weekly_cost
        FROM stage_events WHERE kind IN ('asc_request', 'asc_assessment', 'asc_service', 'asc_review')
        """,
    ),
}
