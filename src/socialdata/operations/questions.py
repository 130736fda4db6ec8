"""The only questions a node answers, and the shape of its answers: aggregates, never a row about a person.

Both sides use these models: the node to build its answer, the hub to reject an answer that is not in this shape.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

RequestId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Count = Annotated[int, Field(ge=0)]


class Question(enum.StrEnum):
    PICTURE = "picture"  # the dashboard's snapshot: beds, care homes, supplies, delayed discharges
    COUNT = "count"  # one person-derived count, broken down, for a federated query


class Measure(enum.StrEnum):
    """Person-derived counts a node can be asked for (each computed where the records are held)."""

    INPATIENTS = "inpatients"
    LONG_STAY_INPATIENTS = "long_stay_inpatients"
    AWAITING_CARE_PACKAGE = "awaiting_care_package"
    DELAYED_DISCHARGES = "delayed_discharges"

    @property
    def label(self) -> str:
        return _MEASURE_LABELS[self]


_MEASURE_LABELS = {
    Measure.INPATIENTS: "People on a ward now",
    Measure.LONG_STAY_INPATIENTS: "Inpatients in hospital 7 days or more (ready to leave)",
    Measure.AWAITING_CARE_PACKAGE: "Social care clients waiting for a package to start",
    Measure.DELAYED_DISCHARGES: "Delayed discharges: ready to leave and waiting for social care",
}


class Breakdown(enum.StrEnum):
    NONE = "none"
    AGE_BAND = "age_band"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Ask(_Strict):
    """What the hub sends: the question, a fresh request id (the node signs it back, so an old answer cannot be
    replayed), and for a count the measure and breakdown."""

    question: Question
    request_id: RequestId
    measure: Measure | None = None
    by: Breakdown = Breakdown.NONE

    @model_validator(mode="after")
    def _a_count_names_its_measure(self) -> Ask:
        if self.question is Question.COUNT and self.measure is None:
            raise ValueError("a count question names its measure")
        return self


class CountCell(_Strict):
    """One cell of a count: `count` is None when it was below the node's minimum cell count (suppressed there)."""

    group: Annotated[str, StringConstraints(max_length=64)]
    count: Count | None


class CountAnswer(_Strict):
    measure: Measure
    by: Breakdown
    held: bool  # whether this node holds the records the measure is counted from
    min_cell_count: Annotated[int, Field(ge=1)]
    cells: list[CountCell]


class BedGroup(enum.StrEnum):
    GENERAL_ACUTE = "general_acute"
    CRITICAL_CARE = "critical_care"
    OTHER = "other"  # maternity, the discharge lounge: not counted in general and acute occupancy


class BedRow(_Strict):
    site: str
    day: dt.date
    group: BedGroup
    open: Count
    occupied: Count


class CareHomeRow(_Strict):
    day: dt.date
    area: str
    care_type: str
    homes: Count
    beds_total: Count
    vacancies: Count
    accepting: Count  # homes accepting admissions


class SupplyRow(_Strict):
    site: str
    item_code: str
    item_name: str
    day: dt.date
    quantity: Count
    unit: str
    days_of_cover: float | None


class Picture(_Strict):
    """A node's part of the operational picture over its last days of data (empty lists for what it does not hold)."""

    beds: list[BedRow]
    care_homes: list[CareHomeRow]
    supplies: list[SupplyRow]
    discharges: list[CountAnswer]


class Envelope(_Strict):
    """A node's signed answer: the signature covers every other field, canonically encoded."""

    node_id: str
    organisation_id: str
    question: Question
    request_id: RequestId
    answered_at: float  # the node's clock, seconds since the epoch
    body: dict[str, object]
    signature: str

    def signed_part(self) -> dict[str, object]:
        return self.model_dump(mode="json", exclude={"signature"})
