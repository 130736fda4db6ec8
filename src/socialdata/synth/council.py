"""The council's feed: adult social care Client Level Data, one row per request, assessment, service or review."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from socialdata.synth.csv_files import ASC_CLD_COLUMNS, Cell, CsvFile
from socialdata.synth.health import HealthProfile, health_profile, last_day, person_rng, random_day
from socialdata.synth.organisations import CITY_DATE, COUNCIL
from socialdata.synth.population import Person
from socialdata.synth.source_records import SourcePersonRecord

HISTORY_DAYS = 4 * 365
ETHNICITY_NOT_STATED = 0.05
_WORKERS = (
    "Aisha Rahman", "Ben Carter", "Claire Hughes", "Dan Okafor", "Emma Price", "Fiona Walsh", "Gareth Lewis",
    "Hannah Moore", "Imran Shah", "Jo Bennett", "Kate Foster", "Liam Murphy",
)  # fmt: skip


@dataclass(frozen=True)
class ServicePlan:
    service_type: str
    component: str
    delivery: str
    unit_cost: float
    frequency: str
    units: tuple[float, float]  # planned units per week, low and high (0 for one-off)


_RESIDENTIAL = ServicePlan(
    "Long Term Support: Residential Care",
    "Residential Care",
    "CASSR Commissioned Support only",
    912.0,
    "Weekly",
    (1, 1),
)
_NURSING = ServicePlan(
    "Long Term Support: Nursing Care", "Nursing Care", "CASSR Commissioned Support only", 1124.0, "Weekly", (1, 1)
)
_COMMUNITY = (
    ServicePlan("Long Term Support: Community", "Home Care", "CASSR Managed Personal Budget", 24.6, "Hourly", (5, 21)),
    ServicePlan("Long Term Support: Community", "Direct Payment", "Direct Payment", 310.0, "Weekly", (1, 1)),
    ServicePlan("Long Term Support: Community", "Day Care", "CASSR Managed Personal Budget", 58.0, "Daily", (1, 3)),
    ServicePlan("Long Term Support: Community", "Supported Living", "CASSR Managed Personal Budget", 21.5, "Hourly",
                (20, 50)),
    ServicePlan("Long Term Support: Community", "Equipment", "CASSR Commissioned Support only", 350.0, "One-off",
                (0, 0)),
)  # fmt: skip
_REABLEMENT = ServicePlan(
    "Short Term Support: ST-Max", "Reablement", "CASSR Commissioned Support only", 28.0, "Hourly", (5, 14)
)


def _support_reason(rng: random.Random, person: Person, profile: HealthProfile) -> str:
    keys = {d.condition.key for d in profile.diagnoses}
    if "dementia" in keys:
        return "Support with Memory and Cognition"
    if "alcohol" in keys and rng.random() < 0.5:
        return "Social Support: Substance Misuse Support"
    if person.age < 65:
        if keys & {"schizophrenia", "bipolar", "depression"} and rng.random() < 0.6:
            return "Mental Health Support"
        if rng.random() < 0.4:
            return "Learning Disability Support"
    if rng.random() < 0.05:
        return "Sensory Support: Support for Visual Impairment"
    return (
        "Physical Support: Personal Care Support"
        if rng.random() < 0.75
        else "Physical Support: Access and Mobility Only"
    )


def _uk(day: dt.date | None) -> str | None:
    return day.strftime("%d/%m/%Y") if day else None


class CouncilWriter:
    """Writes each client's events as they come, the person's columns repeated on every row."""

    def __init__(self, path: Path, seed: int) -> None:
        self._seed = seed
        self._file = CsvFile(path, ASC_CLD_COLUMNS)
        self.path = path

    def add(self, person: Person, record: SourcePersonRecord) -> None:
        rng = person_rng(self._seed, person, f"council:{record.source_id}")
        profile = health_profile(self._seed, person)
        ethnicity = "Not stated" if rng.random() < ETHNICITY_NOT_STATED else person.ethnicity
        reason = _support_reason(rng, person, profile)
        worker = rng.choice(_WORKERS)
        person_cells: tuple[Cell, ...] = (
            COUNCIL,
            record.source_id,
            record.nhs_number_raw,
            record.given_name,
            record.family_name,
            record.birth_date_raw,
            record.sex,
            ethnicity,
            record.address,
            record.postcode_raw,
            _uk(record.death_date),
            reason,
        )
        number = 0

        def event(
            kind: str, start: dt.date, end: dt.date | None, outcome: str | None, plan: ServicePlan | None
        ) -> None:
            nonlocal number
            number += 1
            service: tuple[Cell, ...] = (None,) * 6
            if plan is not None:
                low, high = plan.units
                units = rng.randint(int(low), int(high)) if high else None
                service = (
                    plan.service_type,
                    plan.component,
                    plan.delivery,
                    f"{plan.unit_cost:.2f}",
                    plan.frequency,
                    units,
                )
            shown_end = end if end is None or end <= CITY_DATE else None
            self._file.write(
                (
                    *person_cells,
                    kind,
                    f"{record.source_id}-{number:02d}",
                    _uk(start),
                    _uk(shown_end),
                    outcome,
                    *service,
                    worker,
                )
            )

        end = last_day(person)
        adult = person.birth_date.replace(year=person.birth_date.year + 18, day=min(person.birth_date.day, 28))
        contact = random_day(rng, max(adult, end - dt.timedelta(days=HISTORY_DAYS)), end)
        request_end = min(end, contact + dt.timedelta(days=rng.randint(0, 7)))
        if not person.care_home and rng.random() < 0.12:
            event("Request", contact, request_end, "No Services Provided - Universal Services/Signposted", None)
            return
        event("Request", contact, request_end, "Progress to Assessment", None)
        assessed = min(end, request_end + dt.timedelta(days=rng.randint(3, 28)))
        assessment_end = min(end, assessed + dt.timedelta(days=rng.randint(1, 21)))
        if person.care_home:
            plans = [_NURSING if rng.random() < 0.4 else _RESIDENTIAL]
            outcome = "Progress to Long Term Support"
        elif rng.random() < 0.35:
            plans = [_REABLEMENT]
            outcome = "Progress to Short Term Support (ST-Max)"
        else:
            plans = rng.sample(_COMMUNITY, rng.randint(1, 2))
            outcome = "Progress to Long Term Support"
        event("Assessment", assessed, assessment_end, outcome, None)
        for plan in plans:
            start = min(end, assessment_end + dt.timedelta(days=rng.randint(0, 14)))
            if plan.frequency == "One-off":
                finish: dt.date | None = start
            elif plan is _REABLEMENT:
                finish = min(end, start + dt.timedelta(days=42))
            else:
                finish = person.death_date
            event("Service", start, finish, None, plan)
            if plan.service_type.startswith("Long Term") and plan.frequency != "One-off":
                review = start + dt.timedelta(days=365)
                while review <= end:
                    event(
                        "Review", review, review + dt.timedelta(days=rng.randint(0, 10)), "No change in package", None
                    )
                    review += dt.timedelta(days=365)

    def close(self) -> None:
        self._file.close()
