"""The shape of each fact a reader hands to the writer: one TypedDict per target table, keyed by column name.

Plain dicts are what SQLAlchemy Core's executemany takes, so readers build them directly and nothing is copied twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict


class PersonRow(TypedDict):
    source_id: str
    nhs_number_raw: str | None
    nhs_number: str | None
    nhs_number_status: str
    nhs_verification: str | None
    given_name: str | None
    other_given_names: str | None
    family_name: str | None
    birth_date_raw: str | None
    birth_date: dt.date | None
    sex: str | None
    address: str | None
    postcode_raw: str | None
    postcode: str | None
    death_date: dt.date | None
    registered_practice: str | None
    identity_flags: list[str]


class EventRow(TypedDict):
    source_id: str
    person_source_id: str
    kind: str
    code_system: str | None
    code: str | None
    display: str | None
    status: str | None
    start_at: dt.datetime | None
    end_at: dt.datetime | None
    value_num: float | None
    value_unit: str | None
    value_text: str | None
    detail: dict[str, Any]
    ref_field: str  # where the person reference was (for the quarantine message); staged, not stored


class BedStateRow(TypedDict):
    source_id: str
    ward: str
    specialty: str | None
    day: dt.date
    beds_open: int
    beds_occupied: int


class CareHomeVacancyRow(TypedDict):
    source_id: str
    care_home_code: str
    care_home_name: str
    day: dt.date
    beds_total: int
    vacancies: int
    accepting_admissions: bool


class SupplyStockRow(TypedDict):
    source_id: str
    site: str
    item_code: str
    item_name: str
    day: dt.date
    quantity: int
    unit: str
    days_of_cover: float | None


FactRow = BedStateRow | CareHomeVacancyRow | SupplyStockRow
