"""A person's true health: conditions, medicines, allergies and smoking, shared by the hospital and GP records.

Drawn from the person's own random stream, so it does not depend on which other people or records were generated.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from socialdata.synth.clinical_codes import ALLERGIES, CONDITIONS, MEDICATIONS, SMOKING, Code, ConditionCode, Medication
from socialdata.synth.organisations import CITY_DATE
from socialdata.synth.population import Person

HISTORY_YEARS = 25
"""How far back diagnoses go: older than this, records rarely survive in today's systems."""


@dataclass(frozen=True)
class Diagnosis:
    condition: ConditionCode
    onset: dt.date


@dataclass(frozen=True)
class Prescription:
    medication: Medication
    start: dt.date
    end: dt.date | None


@dataclass(frozen=True)
class Allergy:
    code: Code
    recorded: dt.date


@dataclass(frozen=True)
class HealthProfile:
    diagnoses: tuple[Diagnosis, ...]
    prescriptions: tuple[Prescription, ...]
    allergies: tuple[Allergy, ...]
    smoking: Code | None


def person_rng(seed: int, person: Person, purpose: str) -> random.Random:
    """A random stream of the person's own, for one purpose."""
    return random.Random(f"{seed}:{person.person_id}:{purpose}")


def last_day(person: Person) -> dt.date:
    """The last day anything can happen to the person."""
    return person.death_date or CITY_DATE


def random_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day in [start, end]; start when the range is empty."""
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def age_band(age: int) -> int:
    """Index into a prevalence tuple: <40, 40-64, 65-79, 80+."""
    return 0 if age < 40 else 1 if age < 65 else 2 if age < 80 else 3


def _birthday(person: Person, years: int) -> dt.date:
    b = person.birth_date
    return dt.date(b.year + years, b.month, 28 if (b.month, b.day) == (2, 29) else b.day)


def health_profile(seed: int, person: Person) -> HealthProfile:
    rng = person_rng(seed, person, "health")
    age, end = person.age, last_day(person)
    band = age_band(age)
    earliest = max(person.birth_date, CITY_DATE - dt.timedelta(days=365 * HISTORY_YEARS))
    diagnoses: list[Diagnosis] = []
    for condition in CONDITIONS:
        if condition.sex not in (None, person.sex) or not condition.min_age <= age <= condition.max_age:
            continue
        if rng.random() < condition.prevalence[band]:
            start = max(earliest, _birthday(person, condition.min_age))
            if not condition.chronic:
                start = max(start, end - dt.timedelta(days=5 * 365))
            diagnoses.append(Diagnosis(condition, random_day(rng, start, end)))
    prescriptions = []
    for diagnosis in diagnoses:
        for key in diagnosis.condition.medications:
            start = random_day(rng, diagnosis.onset, min(end, diagnosis.onset + dt.timedelta(days=90)))
            stopped = rng.random() < 0.15
            stop = random_day(rng, start, end) if stopped else person.death_date
            prescriptions.append(Prescription(MEDICATIONS[key], start, stop))
    allergies = tuple(
        Allergy(code, random_day(rng, earliest, end)) for code, share in ALLERGIES if rng.random() < share
    )
    smoking = None
    if age >= 16:
        smoking = rng.choices([c for c, _ in SMOKING], [w for _, w in SMOKING])[0]
    return HealthProfile(tuple(diagnoses), tuple(prescriptions), allergies, smoking)
