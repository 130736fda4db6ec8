"""Small synthetic feed files the feed tests write for themselves (no tests here; imported by the feed tests)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select

from socialdata.governance.organisations import register_organisation
from socialdata.identity import nhs_check_digit
from socialdata.store import Base, Database

T = TypeVar("T")

SNOMED = "http://snomed.info/sct"
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


def nhs_number(n: int) -> str:
    """The n-th valid NHS number of the 999 test range (n below 499,999); of two neighbours at most one has no digit."""
    base = 999_000_000 + 2 * n
    digit = nhs_check_digit(str(base))
    if digit is None:
        base += 1
        digit = nhs_check_digit(str(base))
    return f"{base}{digit}"


def patient(
    pid: str,
    *,
    nhs: str | None = "9990000018",
    family: str = "Smith",
    given: tuple[str, ...] = ("Ann",),
    birth: str = "1980-02-03",
    postcode: str = "BS1 4DJ",
    **extra: Any,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": pid,
        "name": [{"use": "official", "family": family, "given": list(given)}],
        "gender": "female",
        "birthDate": birth,
        "address": [{"line": ["1 High Street"], "city": "Avonford", "postalCode": postcode}],
        "generalPractitioner": [{"identifier": {"value": "Y90001"}}],
    }
    if nhs is not None:
        resource["identifier"] = [{"system": NHS_SYSTEM, "value": nhs}]
    resource.update(extra)
    return resource


def condition(
    cid: str, pid: str, *, system: str = SNOMED, code: str = "44054006", onset: str = "2020-01-01", **extra: Any
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": cid,
        "subject": {"reference": f"Patient/{pid}"},
        "code": {"coding": [{"system": system, "code": code, "display": "Diabetes mellitus"}]},
        "onsetDateTime": onset,
    }
    resource.update(extra)
    return resource


def bundle(resources: list[dict[str, Any]], *, bundle_type: str = "transaction") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": bundle_type,
        "entry": [
            {
                "fullUrl": f"urn:uuid:{r.get('resourceType')}-{r.get('id')}",
                "resource": r,
                "request": {"method": "PUT", "url": f"{r.get('resourceType')}/{r.get('id')}"},
            }
            for r in resources
        ],
    }


def write_bundle(path: Path, resources: list[dict[str, Any]], **kwargs: Any) -> Path:
    path.write_text(json.dumps(bundle(resources, **kwargs), indent=1), encoding="utf-8")
    return path


def csv_text(columns: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


_PATIENT_ENTRY = (
    '{{"fullUrl":"urn:uuid:p{n}","resource":{{"resourceType":"Patient","id":"p{n}","identifier":[{{"system":'
    '"https://fhir.nhs.uk/Id/nhs-number","value":"{nhs}"}}],"name":[{{"use":"official","family":"Family{n}",'
    '"given":["Given{n}","Middle"]}}],"gender":"male","birthDate":"1960-01-{day:02d}","address":[{{"line":'
    '["{n} Long Road"],"city":"Avonford","postalCode":"BS1 4DJ"}}]}},'
    '"request":{{"method":"PUT","url":"Patient/p{n}"}}}}'
)
_CONDITION_ENTRY = (
    '{{"fullUrl":"urn:uuid:c{n}-{k}","resource":{{"resourceType":"Condition","id":"c{n}-{k}","subject":'
    '{{"reference":"Patient/p{n}"}},"code":{{"coding":[{{"system":"http://snomed.info/sct","code":"44054006",'
    '"display":"Diabetes mellitus type 2"}}]}},"clinicalStatus":{{"coding":[{{"system":'
    '"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}}]}},"onsetDateTime":'
    '"2019-0{month}-1{k}T10:00:00Z"}},"request":{{"method":"PUT","url":"Condition/c{n}-{k}"}}}}'
)


def write_large_bundle(path: Path, target_bytes: int, *, conditions_per_patient: int = 4) -> int:
    """A transaction Bundle of at least target_bytes (patients each with a few conditions); returns the entry count."""
    entries = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('{"resourceType":"Bundle","type":"transaction","entry":[\n')
        n = 0
        while out.tell() < target_bytes:
            if n:
                out.write(",\n")
            parts = [_PATIENT_ENTRY.format(n=n, nhs=nhs_number(n % 50_000), day=n % 28 + 1)]
            parts += [_CONDITION_ENTRY.format(n=n, k=k, month=k % 9 + 1) for k in range(conditions_per_patient)]
            out.write(",\n".join(parts))
            entries += len(parts)
            n += 1
        out.write("\n]}\n")
    return entries


def register(db: Database, code: str = "RZZ", kind: str = "hospital_trust") -> None:
    register_organisation(db, code, f"Organisation {code}", kind)


def count(db: Database, table: type[Base], **where: Any) -> int:
    with db.session() as session:
        query = select(func.count()).select_from(table)
        for name, value in where.items():
            query = query.where(getattr(table, name) == value)
        return int(session.scalar(query) or 0)


def rows(db: Database, table: type[T]) -> list[T]:
    with db.session() as session:
        return list(session.scalars(select(table).order_by(table.id)))  # type: ignore[attr-defined]
