"""A GP practice's scheduled extract: registered patients (person + registration) and their coded events."""

from __future__ import annotations

from socialdata.feeds.code_systems import DM_D, SNOMED_CT, snomed_code
from socialdata.feeds.person_identity import person_row
from socialdata.feeds.problems import RecordProblem
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

REGISTRATION_COLUMNS = (
    "Practice_Code",
    "Patient_ID",
    "NHS_Number",
    "Given_Name",
    "Other_Given_Names",
    "Family_Name",
    "Date_of_Birth",
    "Sex",
    "Address_Line_1",
    "Postcode",
    "Registration_Date",
    "Deregistration_Date",
    "Date_of_Death",
    "Usual_GP",
)
EVENT_COLUMNS = (
    "Practice_Code",
    "Patient_ID",
    "Event_ID",
    "Event_Type",
    "SNOMED_Code",
    "Description",
    "Event_Date",
    "End_Date",
    "Value",
    "Unit",
    "Status",
)
SEXES = {"M": "male", "F": "female", "I": "other", "U": "unknown"}
EVENT_KINDS = {"problem": "condition", "medication": "medication", "allergy": "allergy", "observation": "observation"}


def _practice(value: str, writer: SubmissionWriter) -> str:
    code = required(value, "Practice_Code")
    if code != writer.organisation:
        raise RecordProblem(
            "Practice_Code", f"Practice_Code '{code}' is not {writer.organisation}, the organisation submitting"
        )
    return code


def load_registration(values: tuple[str, ...], writer: SubmissionWriter) -> None:
    (
        practice,
        patient_id,
        nhs_number,
        given_name,
        other_given_names,
        family_name,
        birth_date,
        sex,
        address,
        postcode,
        registered,
        deregistered,
        death_date,
        usual_gp,
    ) = values
    code = _practice(practice, writer)
    source_id = required(patient_id, "Patient_ID")
    person = person_row(
        source_id=source_id,
        nhs_number=nhs_number,
        verification=None,
        given_name=given_name,
        other_given_names=other_given_names,
        family_name=family_name,
        birth_date=birth_date,
        sex=blank_or_one_of(sex, "Sex", SEXES),
        address=address,
        postcode=postcode,
        death_date=death_date,
        practice=code,
    )
    gp = optional(usual_gp)
    writer.record(
        person,
        {
            "source_id": source_id,
            "person_source_id": source_id,
            "kind": "registration",
            "code_system": None,
            "code": None,
            "display": None,
            "status": "deregistered" if deregistered.strip() else "registered",
            "start_at": as_utc_midnight(required_csv_date(registered, "Registration_Date")),
            "end_at": as_utc_midnight(csv_date(deregistered, "Deregistration_Date")),
            "value_num": None,
            "value_unit": None,
            "value_text": None,
            "detail": {"usual_gp": gp} if gp else {},
            "ref_field": "Patient_ID",
        },
    )


def load_event(values: tuple[str, ...], writer: SubmissionWriter) -> None:
    (practice, patient_id, event_id, event_type, code, description, start, end, value, unit, status) = values
    _practice(practice, writer)
    kind = one_of(event_type, "Event_Type", EVENT_KINDS)
    writer.record(
        None,
        {
            "source_id": required(event_id, "Event_ID"),
            "person_source_id": required(patient_id, "Patient_ID"),
            "kind": kind,
            "code_system": DM_D if kind == "medication" else SNOMED_CT,
            "code": snomed_code(code, "SNOMED_Code"),
            "display": optional(description),
            "status": optional(status),
            "start_at": as_utc_midnight(required_csv_date(start, "Event_Date")),
            "end_at": as_utc_midnight(csv_date(end, "End_Date", may_be_future=True)),
            "value_num": decimal(value, "Value"),
            "value_unit": optional(unit),
            "value_text": None,
            "detail": {},
            "ref_field": "Patient_ID",
        },
    )
