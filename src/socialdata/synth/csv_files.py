"""CSV files written row by row with a fixed header, as a partner's scheduled extract would be."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import IO

GP_REGISTRATION_COLUMNS = (
    "Practice_Code", "Patient_ID", "NHS_Number", "Given_Name", "Other_Given_Names", "Family_Name", "Date_of_Birth",
    "Sex", "Address_Line_1", "Postcode", "Registration_Date", "Deregistration_Date", "Date_of_Death", "Usual_GP",
)  # fmt: skip
GP_EVENT_COLUMNS = (
    "Practice_Code", "Patient_ID", "Event_ID", "Event_Type", "SNOMED_Code", "Description", "Event_Date", "End_Date",
    "Value", "Unit", "Status",
)  # fmt: skip
ASC_CLD_COLUMNS = (
    "LA_Code", "LA_Person_Unique_Identifier", "NHS_Number", "Given_Name", "Family_Name", "Date_of_Birth", "Gender",
    "Ethnicity", "Address_Line", "Postcode", "Date_of_Death", "Primary_Support_Reason", "Event_Type",
    "Event_Reference", "Event_Start_Date", "Event_End_Date", "Event_Outcome", "Service_Type", "Service_Component",
    "Delivery_Mechanism", "Unit_Cost", "Cost_Frequency_Unit_Type", "Planned_Units_Per_Week", "Allocated_Worker",
)  # fmt: skip
BED_STATE_COLUMNS = ("Date", "Ward", "Specialty", "Beds_Open", "Beds_Occupied")
CARE_HOME_VACANCY_COLUMNS = (
    "Date", "Care_Home_Code", "Care_Home_Name", "Beds_Total", "Vacancies", "Accepting_Admissions",
)  # fmt: skip
SUPPLY_STOCK_COLUMNS = ("Date", "Site", "Item_Code", "Item_Name", "Quantity", "Unit", "Days_Of_Cover")
TRUTH_COLUMNS = ("organisation_id", "source_id", "person_id", "noise")

Cell = str | int | float | None


class CsvFile:
    """One CSV file open for writing; rows are sequences in the header's order, None written as empty."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._width = len(columns)
        self._handle: IO[str] = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._handle, lineterminator="\n")
        self._writer.writerow(columns)

    def write(self, row: Sequence[Cell]) -> None:
        assert len(row) == self._width
        self._writer.writerow(["" if cell is None else cell for cell in row])

    def close(self) -> None:
        self._handle.close()
