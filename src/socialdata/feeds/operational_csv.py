"""Operational rows partners share for planning: beds by ward, care-home vacancies, stock of key supplies."""

from __future__ import annotations

from sqlalchemy import Table

from socialdata.feeds.record_fields import decimal, one_of, optional, required, required_csv_date, whole_number
from socialdata.feeds.writer import SubmissionWriter
from socialdata.store.models import BedState, CareHomeVacancy, SupplyStock

BED_STATE_COLUMNS = ("Date", "Ward", "Specialty", "Beds_Open", "Beds_Occupied")
CARE_HOME_COLUMNS = ("Date", "Care_Home_Code", "Care_Home_Name", "Beds_Total", "Vacancies", "Accepting_Admissions")
SUPPLY_COLUMNS = ("Date", "Site", "Item_Code", "Item_Name", "Quantity", "Unit", "Days_Of_Cover")
YES_NO = {"Y": "Y", "N": "N"}
_BED_STATE: Table = BedState.__table__  # type: ignore[assignment]
_CARE_HOME: Table = CareHomeVacancy.__table__  # type: ignore[assignment]
_SUPPLY: Table = SupplyStock.__table__  # type: ignore[assignment]


def load_bed_state(values: tuple[str, ...], writer: SubmissionWriter) -> None:
    date, ward, specialty, beds_open, beds_occupied = values
    day = required_csv_date(date, "Date")
    ward_name = required(ward, "Ward")
    writer.fact(
        _BED_STATE,
        {
            "source_id": f"{ward_name}|{day.isoformat()}",
            "ward": ward_name,
            "specialty": optional(specialty),
            "day": day,
            "beds_open": whole_number(beds_open, "Beds_Open"),
            "beds_occupied": whole_number(beds_occupied, "Beds_Occupied"),
        },
    )


def load_care_home_vacancy(values: tuple[str, ...], writer: SubmissionWriter) -> None:
    date, code, name, beds_total, vacancies, accepting = values
    day = required_csv_date(date, "Date")
    home = required(code, "Care_Home_Code")
    writer.fact(
        _CARE_HOME,
        {
            "source_id": f"{home}|{day.isoformat()}",
            "care_home_code": home,
            "care_home_name": required(name, "Care_Home_Name"),
            "day": day,
            "beds_total": whole_number(beds_total, "Beds_Total"),
            "vacancies": whole_number(vacancies, "Vacancies"),
            "accepting_admissions": one_of(accepting, "Accepting_Admissions", YES_NO) == "Y",
        },
    )


def load_supply_stock(values: tuple[str, ...], writer: SubmissionWriter) -> None:
    date, site, item_code, item_name, quantity, unit, days_of_cover = values
    day = required_csv_date(date, "Date")
    site_name = required(site, "Site")
    item = required(item_code, "Item_Code")
    writer.fact(
        _SUPPLY,
        {
            "source_id": f"{site_name}|{item}|{day.isoformat()}",
            "site": site_name,
            "item_code": item,
            "item_name": required(item_name, "Item_Name"),
            "day": day,
            "quantity": whole_number(quantity, "Quantity"),
            "unit": required(unit, "Unit"),
            "days_of_cover": decimal(days_of_cover, "Days_Of_Cover"),
        },
    )
