"""Reading one field of a record, or saying exactly why it cannot be read (the field named, the value quoted)."""

from __future__ import annotations

import datetime as dt
import math

from socialdata.feeds.problems import RecordProblem
from socialdata.identity import DateProblem, parse_date
from socialdata.identity.dates import parse_datetime

_FAR_FUTURE = dt.date.max


def required(value: object, field: str) -> str:
    """A non-blank string."""
    if not isinstance(value, str) or not value.strip():
        raise RecordProblem(field, f"{field} is missing")
    return value.strip()


def optional(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def one_of(value: str, field: str, allowed: dict[str, str]) -> str:
    """Maps a coded CSV value to the stored one, or names the values that are allowed."""
    mapped = allowed.get(value.strip())
    if mapped is None:
        raise RecordProblem(field, f"{field} '{value}' is not one of {', '.join(allowed)}")
    return mapped


def blank_or_one_of(value: str, field: str, allowed: dict[str, str]) -> str | None:
    return one_of(value, field, allowed) if value.strip() else None


def csv_date(raw: str, field: str, *, may_be_future: bool = False) -> dt.date | None:
    """An ISO or DD/MM/YYYY date; a start date in the future cannot be right, an end date may be planned."""
    value = parse_date(raw, today=_FAR_FUTURE if may_be_future else None)
    if isinstance(value, DateProblem):
        raise RecordProblem(field, f"{field}: {value.message}")
    return value


def required_csv_date(raw: str, field: str) -> dt.date:
    value = csv_date(raw, field)
    if value is None:
        raise RecordProblem(field, f"{field} is missing")
    return value


def as_utc_midnight(day: dt.date | None) -> dt.datetime | None:
    return None if day is None else dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def fhir_datetime(raw: object, field: str, *, may_be_future: bool = False) -> dt.datetime | None:
    """A FHIR date or dateTime; a start in the future is refused (the feeds carry what has happened)."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise RecordProblem(field, f"{field} is not a date-time string")
    value = parse_datetime(raw)
    if isinstance(value, DateProblem):
        raise RecordProblem(field, f"{field}: {value.message}")
    if value is not None and not may_be_future and value.date() > dt.date.today():
        raise RecordProblem(field, f"{field}: {value.date().isoformat()} is in the future")
    return value


def whole_number(raw: str, field: str) -> int:
    """A count that cannot be negative."""
    text = raw.strip()
    if not text.isdigit():
        raise RecordProblem(field, f"{field} '{raw}' is not a whole number of zero or more")
    return int(text)


def decimal(raw: str, field: str) -> float | None:
    text = raw.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise RecordProblem(field, f"{field} '{raw}' is not a number")
    return value
