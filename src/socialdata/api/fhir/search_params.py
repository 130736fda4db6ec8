"""Reading FHIR search parameters strictly: an unknown, misspelled or repeated parameter is a 400, never a silently
unfiltered result; paging is `_count` (1-100, default 20) and `_offset` (the page's first match, from 0)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import Request, status

from socialdata.api.fhir.outcome import FhirError

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
DEFAULT_COUNT = 20
LARGEST_COUNT = 100
LARGEST_OFFSET = 1_000_000
PAGING = ("_count", "_offset")
# The FHIR id datatype: what a Patient id may look like before the gate is asked about it.
_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def invalid(message: str) -> FhirError:
    return FhirError(status.HTTP_400_BAD_REQUEST, "invalid", message)


@dataclass(frozen=True)
class Page:
    offset: int
    count: int


def strict_params(request: Request, allowed: Iterable[str]) -> dict[str, str]:
    """The query parameters, each known to this search and given once."""
    known = set(allowed)
    found: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name not in known:
            choices = ", ".join(sorted(known)) or "none"
            raise invalid(f"unknown search parameter {name[:60]!r} for this search; it supports: {choices}")
        if name in found:
            raise invalid(f"search parameter {name!r} is given more than once")
        found[name] = value
    return found


def _whole(name: str, raw: str | None, default: int, lowest: int, highest: int) -> int:
    if raw is None:
        return default
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or not lowest <= int(text) <= highest:
        raise invalid(f"{name} must be a whole number from {lowest} to {highest}, not {raw[:40]!r}")
    return int(text)


def page_of(params: dict[str, str]) -> Page:
    return Page(
        offset=_whole("_offset", params.get("_offset"), 0, 0, LARGEST_OFFSET),
        count=_whole("_count", params.get("_count"), DEFAULT_COUNT, 1, LARGEST_COUNT),
    )


def resource_id(raw: str, what: str = "id") -> str:
    """A FHIR id (letters, digits, '-', '.', at most 64), or a 400 naming the parameter."""
    if not _ID.fullmatch(raw):
        raise invalid(f"{what} {raw[:40]!r} is not a FHIR id (letters, digits, '-' and '.', at most 64)")
    return raw


def patient_reference(params: dict[str, str]) -> str:
    """The person a per-patient search is about: `patient=ID` or `patient=Patient/ID` (required)."""
    raw = params.get("patient")
    if raw is None:
        raise invalid(
            "this search needs the patient parameter (patient=Patient/ID): records are read one person at a time"
        )
    return resource_id(raw.removeprefix("Patient/"), "patient")


def nhs_number_of(identifier: str) -> str:
    """The value of an `identifier` parameter, which must be an NHS number (`system|value` or just the value)."""
    system, bar, value = identifier.partition("|")
    if not bar:
        return identifier
    if system and system != NHS_NUMBER_SYSTEM:
        raise invalid(f"identifier system {system[:80]!r} is not searchable; use {NHS_NUMBER_SYSTEM}|NHS-NUMBER")
    return value


def birth_date_of(raw: str | None) -> str | None:
    """A `birthdate` parameter: a plain date, or with the `eq` prefix (other comparisons would not identify anyone)."""
    if raw is None:
        return None
    if raw[:2].isalpha():
        if raw[:2] != "eq":
            raise invalid(f"birthdate supports only an exact date (eq), not {raw[:2]!r}")
        return raw[2:]
    return raw
