"""The council's Adult Social Care Client Level Data rows: the person (repeated on every row) and one event each."""

from __future__ import annotations

from socialdata.feeds.person_identity import person_row
from socialdata.feeds.record_fields import (
    as_utc_midnight,
    blank_or_one_of,
    csv_date,
    decimal,
    one_of,
    optional,
    required,
    required_csv_date,
)
from socialdata.feeds.writer import SubmissionWriter

COLUMNS = (
    "LA_Code",
    "LA_Person_Unique_Identifier",
    "NHS_Number",
    "Given_Name",
    "Family_Name",
    "Date_of_Birth",
    "Gender",
    "Ethnicity",
    "Address_Line",
    "Postcode",
    "Date_of_Death",
    "Primary_Support_Reason",
    "Event_Type",
    "Event_Reference",
    "Event_Start_Date",
    "Event_End_Date",
    "Event_Outcome",
    "Service_Type",
    "Service_Component",
    "Delivery_Mechanism",
    "Unit_Cost",
    "Cost_Frequency_Unit_Type",
    "Planned_Units_Per_Week",
    "Allocated_Worker",
)
EVENT_TYPES = {
    "Request": "asc_request",
    "Assessment": "asc_assessment",
    "Service": "asc_service",
    "Review": "asc_review",
}
GENDERS = {"Male": "male", "Female": "female", "Other": "other", "Unknown": "unknown"}
COST_FREQUENCIES = {"Hourly": "Hourly", "Daily": "Daily", "Weekly": "Weekly", "One-off": "One-off"}
_IDENTITY = slice(1, 11)  # LA_Person_Unique_Identifier … Date_of_Death: everything person_row reads


def load_row(values: tuple[str, ...], writer: SubmissionWriter) -> None:
    (
        la_code,
        person_id,
        nhs_number,
        given_name,
        family_name,
        birth_date,
        gender,
        ethnicity,
        address,
        postcode,
        death_date,
        support_reason,
        event_type,
        event_reference,
        start_date,
        end_date,
        outcome,
        service_type,
        service_component,
        delivery_mechanism,
        unit_cost,
        cost_frequency,
        planned_units,
        worker,
    ) = values
    person_source_id = required(person_id, "LA_Person_Unique_Identifier")
    identity = values[_IDENTITY]
    person = (
        None  # the previous row's person, already checked and staged: "last wins" would discard this copy
        if writer.repeats_person(identity)
        else person_row(
            source_id=person_source_id,
            nhs_number=nhs_number,
            verification=None,
            given_name=given_name,
            other_given_names=None,
            family_name=family_name,
            birth_date=birth_date,
            sex=blank_or_one_of(gender, "Gender", GENDERS),
            address=address,
            postcode=postcode,
            death_date=death_date,
            practice=None,
        )
    )
    detail = {
        "la_code": optional(la_code),
        "ethnicity": optional(ethnicity),
        "primary_support_reason": optional(support_reason),
        "service_type": optional(service_type),
        "service_component": optional(service_component),
        "delivery_mechanism": optional(delivery_mechanism),
        "cost_frequency": blank_or_one_of(cost_frequency, "Cost_Frequency_Unit_Type", COST_FREQUENCIES),
        "planned_units_per_week": decimal(planned_units, "Planned_Units_Per_Week"),
        "allocated_worker": optional(worker),
    }
    writer.record(
        person,
        {
            "source_id": required(event_reference, "Event_Reference"),
            "person_source_id": person_source_id,
            "kind": one_of(event_type, "Event_Type", EVENT_TYPES),
            "code_system": None,
            "code": None,
            "display": optional(service_type) or optional(support_reason),
            "status": optional(outcome),
            "start_at": as_utc_midnight(required_csv_date(start_date, "Event_Start_Date")),
            "end_at": as_utc_midnight(csv_date(end_date, "Event_End_Date", may_be_future=True)),
            "value_num": decimal(unit_cost, "Unit_Cost"),
            "value_unit": "GBP" if unit_cost.strip() else None,
            "value_text": None,
            "detail": {k: v for k, v in detail.items() if v is not None},
            "ref_field": "LA_Person_Unique_Identifier",
        },
        person_identity=identity,
    )
