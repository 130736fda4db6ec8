"""Reading FHIR search parameters strictly: an unknown, misspelled or repeated parameter is a 400, never a silently
unfiltered result; paging is `_count` (1-100, default 20) and `_offset` (the page's first match, from 0)."""

from __future__ import annotations

import datetime as dt
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


def strict_params(request: Request, allowed: Iterable[str], repeatable: Iterable[str] = ()) -> dict[str, str]:
    """The query parameters, each known to this search and given once (except the `repeatable` ones, which the
    caller reads itself: `date=ge2024-01-01&date=lt2025-01-01` is a range)."""
    many = set(repeatable)
    known = set(allowed) | many
    found: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name not in known:
            choices = ", ".join(sorted(known)) or "none"
            raise invalid(f"unknown search parameter {name[:60]!r} for this search; it supports: {choices}")
        if name in found and name not in many:
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


DATE_PREFIXES = ("eq", "lt", "le", "gt", "ge")
LARGEST_DATES = 2
_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@dataclass(frozen=True)
class DateBound:
    """One `date` parameter: a FHIR prefix and the range its value stands for, [low, high) (2024-03 is the whole
    month). A resource's date is the start of its period (or its onset, effective or recorded date)."""

    prefix: str
    low: dt.datetime
    high: dt.datetime

    def keeps(self, when: dt.datetime | None) -> bool:
        if when is None:
            return False  # a resource without a date matches no date search
        if self.prefix == "eq":
            return self.low <= when < self.high
        if self.prefix == "lt":
            return when < self.low
        if self.prefix == "le":
            return when < self.high
        if self.prefix == "gt":
            return when >= self.high
        return when >= self.low


def _month_after(year: int, month: int) -> dt.datetime:
    return dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)


def _date_range(text: str) -> tuple[dt.datetime, dt.datetime]:
    partial = _PARTIAL_DATE.fullmatch(text)
    if partial is not None:
        year, month, day = (int(part) if part else None for part in partial.groups())
        assert year is not None
        if month is None:
            return dt.datetime(year, 1, 1, tzinfo=dt.UTC), dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
        if day is None:
            return dt.datetime(year, month, 1, tzinfo=dt.UTC), _month_after(year, month)
        low = dt.datetime(year, month, day, tzinfo=dt.UTC)
        return low, low + dt.timedelta(days=1)
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("a time needs its time zone")
    return moment, moment + dt.timedelta(seconds=1)


def date_bound(raw: str) -> DateBound:
    """A `date` parameter: an optional prefix (eq, lt, le, gt, ge) and a date (YYYY, YYYY-MM, YYYY-MM-DD) or a
    time with its zone (2024-03-31T09:30:00Z); a 400 naming what is wrong otherwise."""
    prefix, text = (raw[:2], raw[2:]) if raw[:2].isalpha() else ("eq", raw)
    if prefix not in DATE_PREFIXES:
        raise invalid(f"date supports the prefixes {', '.join(DATE_PREFIXES)}, not {prefix[:2]!r}")
    try:
        low, high = _date_range(text.strip())
    except ValueError:
        raise invalid(
            f"date {raw[:40]!r} is not a date like 2024, 2024-03, 2024-03-31 or 2024-03-31T09:30:00Z"
        ) from None
    return DateBound(prefix, low, high)


def date_bounds(request: Request) -> list[DateBound]:
    """Every `date` parameter of the request (at most two: a range), all of which a resource must meet."""
    given = request.query_params.getlist("date")
    if len(given) > LARGEST_DATES:
        raise invalid(f"give date at most {LARGEST_DATES} times (a range), not {len(given)}")
    return [date_bound(raw) for raw in given]
