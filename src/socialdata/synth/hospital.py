"""The trust's feed: FHIR R4 transaction Bundles in UK Core form, up to 500 patients each, written as they fill."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from pathlib import Path
from typing import Any

import orjson

from socialdata.synth.admissions import FEED_CUT, CurrentStay
from socialdata.synth.clinical_codes import (
    ACUTE,
    BMI,
    DMD,
    ICD10,
    OPCS4,
    PROCEDURES,
    SERVICES,
    SNOMED,
    VITAL_SIGNS,
    WEIGHT,
    Code,
    ConditionCode,
    VitalSign,
)
from socialdata.synth.health import Diagnosis, age_band, health_profile, last_day, person_rng, random_day
from socialdata.synth.organisations import CITY, CITY_DATE, HOSPITAL
from socialdata.synth.population import Person
from socialdata.synth.source_records import SourcePersonRecord

PATIENTS_PER_BUNDLE = 500
ACTIVITY_YEARS = 5
UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
VERIFICATION_EXTENSION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
VERIFICATION_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
VERIFICATION_DISPLAY = {"01": "Number present and verified", "02": "Number present but not traced"}
MRN_SYSTEM = f"https://avonford.example/{HOSPITAL}/Id/mrn"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ENCOUNTER_CLASSES = {"IMP": "inpatient encounter", "EMER": "emergency", "AMB": "ambulatory"}
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"
UCUM = "http://unitsofmeasure.org"
_CLINICS = ("general", "cardiology", "surgical", "orthopaedic", "elderly", "diabetes")
_NAMESPACE = uuid.UUID("6f1c1c1e-5a3a-4d7e-9c1e-a7f0e5b1d001")


def _coding(system: str, code: Code) -> dict[str, str]:
    return {"system": system, "code": code.code, "display": code.display}


def _concept(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": f"{TERMINOLOGY}{system}", "code": code}]}


def _moment(day: dt.date, minutes: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)


def _stamp(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _when(day: dt.date, minutes: int = 0) -> str:
    return _stamp(_moment(day, minutes))


class _PatientEntries:
    """Builds one patient's resources in the order a trust's integration engine would send them."""

    def __init__(
        self, seed: int, person: Person, record: SourcePersonRecord, *, primary: bool, stay: CurrentStay | None
    ) -> None:
        self.entries: list[dict[str, Any]] = []
        self._person = person
        self._mrn = record.source_id
        self._rng: random.Random = person_rng(seed, person, f"hospital:{record.source_id}")
        self._counter = 0
        self._add("Patient", self._mrn, _patient(record))
        profile = health_profile(seed, person)
        end = last_day(person)
        start = max(person.birth_date, end - dt.timedelta(days=365 * ACTIVITY_YEARS))
        self._start, self._end = start, end
        if primary:
            self._primary(profile.diagnoses)
            for allergy in profile.allergies:
                self._allergy(allergy.code, allergy.recorded)
            for prescription in profile.prescriptions:
                self._medication(prescription.medication.dmd, prescription.start, prescription.end)
            if stay is not None:
                self._current(stay)
        else:
            self._attendance(None)

    def _primary(self, diagnoses: tuple[Diagnosis, ...]) -> None:
        rng = self._rng
        for diagnosis in diagnoses:
            condition = diagnosis.condition
            if condition.sensitive == "sexual_health" or (condition.service != "general" and rng.random() < 0.5):
                self._outpatient(diagnosis)
            elif condition.chronic and rng.random() < 0.5:
                self._condition(condition, diagnosis.onset, None, active=True)
            elif condition.key == "self_harm":
                self._attendance(condition)
        visits = 1 + min(8, int(rng.expovariate(1 / (0.3 + self._person.age / 40))))
        for _ in range(visits):
            if rng.random() < 0.55:
                self._clinic(SERVICES[rng.choice(_CLINICS)], random_day(rng, self._start, self._end))
            else:
                self._attendance(None)

    def _next_id(self, kind: str) -> str:
        self._counter += 1
        return f"{self._mrn}-{kind}{self._counter}"

    def _add(self, resource_type: str, resource_id: str, resource: dict[str, Any]) -> None:
        body = {"resourceType": resource_type, "id": resource_id, "meta": {"profile": [f"{UK_CORE}{resource_type}"]}}
        body.update(resource)
        full_url = f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{HOSPITAL}/{resource_type}/{resource_id}')}"
        request = {"method": "PUT", "url": f"{resource_type}/{resource_id}"}
        self.entries.append({"fullUrl": full_url, "resource": body, "request": request})

    def _subject(self) -> dict[str, str]:
        return {"reference": f"Patient/{self._mrn}"}

    def _visit(self, kind: str, service: Code, day: dt.date, minutes: int, length: int) -> str:
        """A past encounter: finished, unless it would end after the city's day (then it is still going on)."""
        start = _moment(day, minutes)
        finish = start + dt.timedelta(minutes=length)
        return self._encounter(kind, service, start, finish if finish.date() <= CITY_DATE else None)

    def _encounter(self, kind: str, service: Code, start: dt.datetime, end: dt.datetime | None) -> str:
        encounter_id = self._next_id("enc")
        period = {"start": _stamp(start)} | ({"end": _stamp(end)} if end is not None else {})
        self._add(
            "Encounter",
            encounter_id,
            {
                "status": "finished" if end is not None else "in-progress",
                "class": {"system": ACT_CODE, "code": kind, "display": ENCOUNTER_CLASSES[kind]},
                "serviceType": {"coding": [_coding(SNOMED, service)]},
                "subject": self._subject(),
                "period": period,
            },
        )
        return encounter_id

    def _outpatient(self, diagnosis: Diagnosis) -> None:
        """A clinic seen for a known condition, which it records (and sometimes treats)."""
        condition = diagnosis.condition
        day = random_day(self._rng, max(diagnosis.onset, self._start), self._end)
        encounter = self._clinic(SERVICES[condition.service], day)
        self._condition(condition, diagnosis.onset, encounter, active=condition.chronic)
        procedure = PROCEDURES.get(condition.key)
        if procedure and self._rng.random() < 0.3:
            self._procedure(procedure.snomed, procedure.opcs4, day, encounter)

    def _clinic(self, service: Code, day: dt.date) -> str:
        encounter = self._visit("AMB", service, day, 9 * 60 + self._rng.randint(0, 420), 30)
        if self._person.age >= 18 and self._rng.random() < 0.5:
            self._observation(WEIGHT, _moment(day, 12 * 60), encounter)
            self._observation(BMI, _moment(day, 12 * 60), encounter)
        return encounter

    def _attendance(self, reason: ConditionCode | None) -> None:
        """An A&E attendance, and an admission when the reason calls for one."""
        rng = self._rng
        band = age_band(self._person.age)
        reason = reason or self._acute_reason()
        day = random_day(rng, self._start, self._end)
        arrival = rng.randint(0, 23 * 60)
        encounter = self._visit("EMER", SERVICES["emergency"], day, arrival, rng.randint(90, 600))
        for sign in VITAL_SIGNS:
            self._observation(sign, _moment(day, 12 * 60), encounter)
        self._condition(reason, day, encounter, active=False)
        if rng.random() < 0.15 + 0.12 * band or reason.key in ("sepsis", "hip_fracture", "mi", "stroke"):
            stay = int(rng.expovariate(1 / (2 + 3 * band))) + 1
            if self._person.death_date:  # the last admission ends with the death
                stay = max(1, min(stay, (self._person.death_date - day).days))
            admission = self._visit("IMP", SERVICES[reason.service], day, arrival + 240, stay * 24 * 60)
            procedure = PROCEDURES.get(reason.key)
            if procedure:
                self._procedure(procedure.snomed, procedure.opcs4, day, admission)
            elif reason.key == "pneumonia":
                chest = PROCEDURES["chest"]
                self._procedure(chest.snomed, chest.opcs4, day, admission)

    def _acute_reason(self) -> ConditionCode:
        band = age_band(self._person.age)
        return self._rng.choices(ACUTE, [c.prevalence[band] + 0.01 for c in ACUTE])[0]

    def _current(self, stay: CurrentStay) -> None:
        """In hospital now (after everything in the past): in A&E still, or admitted through A&E onto a ward, with
        the encounter in progress (no period.end) and the reason an active diagnosis."""
        reason = self._acute_reason()
        arrived = stay.since - dt.timedelta(minutes=self._rng.randint(120, 600)) if stay.admitted else stay.since
        emergency = self._encounter("EMER", SERVICES["emergency"], arrived, stay.since if stay.admitted else None)
        for sign in VITAL_SIGNS:
            self._observation(sign, min(FEED_CUT, arrived + dt.timedelta(minutes=15)), emergency)
        if stay.admitted:
            ward = self._encounter("IMP", SERVICES[reason.service], stay.since, None)
            self._condition(reason, arrived.date(), ward, active=True)
        else:
            self._condition(reason, arrived.date(), emergency, active=True)

    def _condition(self, condition: ConditionCode, onset: dt.date, encounter: str | None, *, active: bool) -> None:
        coding = [_coding(SNOMED, condition.snomed)]
        if condition.icd10 is not None:
            coding.append(_coding(ICD10, condition.icd10))
        category = "problem-list-item" if encounter is None else "encounter-diagnosis"
        resource: dict[str, Any] = {
            "clinicalStatus": _concept("condition-clinical", "active" if active else "resolved"),
            "verificationStatus": _concept("condition-ver-status", "confirmed"),
            "category": [_concept("condition-category", category)],
            "code": {"coding": coding},
            "subject": self._subject(),
            "onsetDateTime": onset.isoformat(),
        }
        if encounter is not None:
            resource["encounter"] = {"reference": f"Encounter/{encounter}"}
        self._add("Condition", self._next_id("cond"), resource)

    def _procedure(self, snomed: Code, opcs4: Code | None, day: dt.date, encounter: str) -> None:
        coding = [_coding(SNOMED, snomed)] + ([_coding(OPCS4, opcs4)] if opcs4 else [])
        self._add(
            "Procedure",
            self._next_id("proc"),
            {
                "status": "completed",
                "code": {"coding": coding},
                "subject": self._subject(),
                "encounter": {"reference": f"Encounter/{encounter}"},
                "performedDateTime": _when(day, 14 * 60),
            },
        )

    def _observation(self, sign: VitalSign, at: dt.datetime, encounter: str) -> None:
        value = round(max(0.0, self._rng.gauss(sign.mean, sign.spread)), sign.decimals)
        self._add(
            "Observation",
            self._next_id("obs"),
            {
                "status": "final",
                "category": [_concept("observation-category", "vital-signs")],
                "code": {"coding": [_coding(SNOMED, sign.code)]},
                "subject": self._subject(),
                "encounter": {"reference": f"Encounter/{encounter}"},
                "effectiveDateTime": _stamp(at),
                "valueQuantity": {
                    "value": int(value) if sign.decimals == 0 else value,
                    "unit": sign.unit,
                    "system": UCUM,
                    "code": sign.unit,
                },
            },
        )

    def _allergy(self, code: Code, recorded: dt.date) -> None:
        self._add(
            "AllergyIntolerance",
            self._next_id("alg"),
            {
                "clinicalStatus": _concept("allergyintolerance-clinical", "active"),
                "verificationStatus": _concept("allergyintolerance-verification", "confirmed"),
                "code": {"coding": [_coding(SNOMED, code)]},
                "patient": self._subject(),
                "recordedDate": recorded.isoformat(),
            },
        )

    def _medication(self, dmd: Code, start: dt.date, end: dt.date | None) -> None:
        self._add(
            "MedicationStatement",
            self._next_id("med"),
            {
                "status": "active" if end is None else "completed",
                "medicationCodeableConcept": {"coding": [_coding(DMD, dmd)]},
                "subject": self._subject(),
                "effectivePeriod": {"start": start.isoformat()} | ({"end": end.isoformat()} if end else {}),
            },
        )


def _patient(record: SourcePersonRecord) -> dict[str, Any]:
    identifiers: list[dict[str, Any]] = []
    if record.nhs_number_raw:
        verification = record.nhs_verification or "02"
        identifiers.append(
            {
                "extension": [
                    {
                        "url": VERIFICATION_EXTENSION,
                        "valueCodeableConcept": {
                            "coding": [
                                {
                                    "system": VERIFICATION_SYSTEM,
                                    "code": verification,
                                    "display": VERIFICATION_DISPLAY[verification],
                                }
                            ]
                        },
                    }
                ],
                "system": NHS_NUMBER_SYSTEM,
                "value": record.nhs_number_raw,
            }
        )
    identifiers.append({"system": MRN_SYSTEM, "value": record.source_id})
    given = [n for n in (record.given_name, record.other_given_names) if n]
    patient: dict[str, Any] = {
        "identifier": identifiers,
        "name": [{"use": "official", "family": record.family_name, "given": given}],
        "gender": record.sex,
        "birthDate": record.birth_date_raw,
        "address": [
            {
                "use": "home",
                "line": (record.address or "").split(", "),
                "city": CITY,
                "postalCode": record.postcode_raw,
            }
        ],
    }
    if record.death_date:
        patient["deceasedDateTime"] = record.death_date.isoformat()
    if record.registered_practice:
        patient["generalPractitioner"] = [
            {"identifier": {"system": ODS_SYSTEM, "value": record.registered_practice}, "type": "Organization"}
        ]
    return patient


class HospitalWriter:
    """Collects patients into Bundles of PATIENTS_PER_BUNDLE and writes each as soon as it is full."""

    def __init__(self, folder: Path, seed: int) -> None:
        self._folder = folder
        self._seed = seed
        self._entries: list[dict[str, Any]] = []
        self._patients = 0
        self.files: list[Path] = []
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, person: Person, record: SourcePersonRecord, stay: CurrentStay | None = None) -> None:
        """One patient's resources; a current `stay` is written on the primary record (a duplicate has its own)."""
        primary = "duplicate" not in record.noise
        entries = _PatientEntries(self._seed, person, record, primary=primary, stay=stay if primary else None)
        self._entries.extend(entries.entries)
        self._patients += 1
        if self._patients == PATIENTS_PER_BUNDLE:
            self._flush()

    def close(self) -> None:
        if self._patients:
            self._flush()

    def _flush(self) -> None:
        number = len(self.files) + 1
        bundle = {
            "resourceType": "Bundle",
            "id": f"{HOSPITAL}-{self._seed}-{number:04d}",
            "meta": {"lastUpdated": _stamp(FEED_CUT)},
            "type": "transaction",
            "timestamp": _stamp(FEED_CUT),
            "entry": self._entries,
        }
        path = self._folder / f"bundle-{number:04d}.json"
        path.write_bytes(orjson.dumps(bundle) + b"\n")
        self.files.append(path)
        self._entries = []
        self._patients = 0
