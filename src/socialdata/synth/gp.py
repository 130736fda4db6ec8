"""The GP practices' feeds: a registrations file and a coded events file per practice."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from socialdata.synth.clinical_codes import BMI, HBA1C, VITAL_SIGNS, WEIGHT, Code, VitalSign
from socialdata.synth.csv_files import GP_EVENT_COLUMNS, GP_REGISTRATION_COLUMNS, CsvFile
from socialdata.synth.health import HealthProfile, health_profile, last_day, person_rng, random_day
from socialdata.synth.organisations import CITY_DATE, PRACTICES
from socialdata.synth.population import Person
from socialdata.synth.source_records import SourcePersonRecord
from socialdata.synth.vocabulary import BRITISH_SURNAMES

_BLOOD_PRESSURE = tuple(s for s in VITAL_SIGNS if s.key in ("systolic", "diastolic"))


def _doctors(seed: int) -> dict[str, tuple[str, ...]]:
    """Each practice's GPs, named like the city's people."""
    rng = random.Random(f"{seed}:doctors")
    surnames = [s for s, _ in BRITISH_SURNAMES] + ["Patel", "Khan", "Shah", "Okafor", "Nowak", "Chen"]
    return {
        p.code: tuple(f"Dr {rng.choice('ABCDEFGHJKLMNPRSTW')} {rng.choice(surnames)}" for _ in range(rng.randint(3, 6)))
        for p in PRACTICES
    }


class GpWriter:
    """Keeps both files of every practice open and writes each person's rows as they come."""

    def __init__(self, folder: Path, seed: int) -> None:
        self._seed = seed
        self._doctors = _doctors(seed)
        self._registrations = {
            p.code: CsvFile(folder / p.code / "gp_registrations.csv", GP_REGISTRATION_COLUMNS) for p in PRACTICES
        }
        self._events = {p.code: CsvFile(folder / p.code / "gp_events.csv", GP_EVENT_COLUMNS) for p in PRACTICES}

    def files(self, practice: str) -> tuple[Path, Path]:
        return self._registrations[practice].path, self._events[practice].path

    def add(self, person: Person, record: SourcePersonRecord) -> None:
        practice = record.organisation_id
        rng = person_rng(self._seed, person, f"gp:{record.source_id}")
        registered, deregistered = self._registration_dates(rng, person, practice)
        if record.death_date:
            deregistered = record.death_date
        self._registrations[practice].write(
            (
                practice,
                record.source_id,
                record.nhs_number_raw,
                record.given_name,
                record.other_given_names,
                record.family_name,
                record.birth_date_raw,
                record.sex,
                record.address,
                record.postcode_raw,
                registered.isoformat(),
                deregistered.isoformat() if deregistered else None,
                record.death_date.isoformat() if record.death_date else None,
                rng.choice(self._doctors[practice]),
            )
        )
        until = deregistered or last_day(person)
        self._write_events(rng, person, record, health_profile(self._seed, person), until)

    def _registration_dates(self, rng: random.Random, person: Person, practice: str) -> tuple[dt.date, dt.date | None]:
        """Registered at birth or on arrival; a move of practice ends one registration and starts another."""
        end = person.moved_on if person.previous_practice else last_day(person)
        assert end is not None
        if person.age < 30 and rng.random() < 0.6:
            first = min(end, person.birth_date + dt.timedelta(days=rng.randint(10, 60)))
        else:
            first = random_day(rng, max(person.birth_date, end - dt.timedelta(days=365 * 30)), end)
        if person.previous_practice is None or person.moved_on is None:
            return first, None
        if practice == person.previous_practice:
            return first, min(CITY_DATE, person.moved_on + dt.timedelta(days=rng.randint(7, 40)))
        return min(CITY_DATE, person.moved_on + dt.timedelta(days=rng.randint(0, 21))), None

    def _write_events(
        self, rng: random.Random, person: Person, record: SourcePersonRecord, profile: HealthProfile, until: dt.date
    ) -> None:
        out = self._events[record.organisation_id]
        practice, patient = record.organisation_id, record.source_id
        number = 0
        for event in _events(rng, person, profile, until):
            if event.day > until:
                continue  # after this record was closed (the patient had moved on)
            number += 1
            out.write(
                (
                    practice,
                    patient,
                    f"{patient}-{number:03d}",
                    event.kind,
                    event.code.code,
                    event.code.display,
                    event.day.isoformat(),
                    event.end.isoformat() if event.end else None,
                    event.value,
                    event.unit,
                    event.status,
                )
            )

    def close(self) -> None:
        for file in (*self._registrations.values(), *self._events.values()):
            file.close()


@dataclass(frozen=True)
class _Event:
    kind: str
    code: Code
    day: dt.date
    end: dt.date | None
    status: str
    value: float | int | None = None
    unit: str | None = None


def _events(rng: random.Random, person: Person, profile: HealthProfile, until: dt.date) -> list[_Event]:
    """The practice's coded record of the person: problems, medicines, allergies, smoking and measurements."""
    events: list[_Event] = []
    for diagnosis in profile.diagnoses:
        condition = diagnosis.condition
        if condition.sensitive == "sexual_health" and (condition.key != "hiv" or rng.random() < 0.5):
            continue  # sexual health clinics share with the GP only with consent
        if condition.chronic:
            events.append(_Event("problem", condition.snomed, diagnosis.onset, None, "active"))
        else:
            healed = min(CITY_DATE, diagnosis.onset + dt.timedelta(days=rng.randint(14, 60)))
            events.append(_Event("problem", condition.snomed, diagnosis.onset, healed, "resolved"))
    for prescription in profile.prescriptions:
        status = "active" if prescription.end is None else "stopped"
        events.append(_Event("medication", prescription.medication.dmd, prescription.start, prescription.end, status))
    events.extend(_Event("allergy", a.code, a.recorded, None, "active") for a in profile.allergies)
    if profile.smoking is not None:
        day = random_day(rng, max(person.birth_date, until - dt.timedelta(days=3 * 365)), until)
        events.append(_Event("observation", profile.smoking, day, None, "final"))
    if person.age >= 18:
        measures: list[VitalSign] = [*_BLOOD_PRESSURE, WEIGHT, BMI]
        if any(d.condition.key == "diabetes" for d in profile.diagnoses):
            measures.append(HBA1C)
        for _ in range(rng.randint(1, 3)):
            day = random_day(rng, max(person.birth_date, until - dt.timedelta(days=5 * 365)), until)
            for sign in measures:
                value = round(max(0.0, rng.gauss(sign.mean, sign.spread)), sign.decimals)
                shown = int(value) if sign.decimals == 0 else value
                events.append(_Event("observation", sign.code, day, None, "final", shown, sign.unit))
    return events
