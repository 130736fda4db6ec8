"""Dates as partners send them: ISO 8601 from FHIR, ISO or dd/mm/yyyy from CSV extracts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

EARLIEST_PLAUSIBLE = dt.date(1880, 1, 1)


@dataclass(frozen=True)
class DateProblem:
    message: str


def parse_date(raw: str | None, *, today: dt.date | None = None) -> dt.date | DateProblem | None:
    """A date, None when absent, or the problem a person can act on (impossible, in the future, implausibly old)."""
    if raw is None:
        return None
    text = raw.strip()
    if not text:
        return None
    value: dt.date | None = None
    try:
        if len(text) >= 10 and text[4] == "-":
            value = dt.date.fromisoformat(text[:10])
        elif len(text) == 10 and text[2] == "/" and text[5] == "/":
            value = dt.date(int(text[6:]), int(text[3:5]), int(text[:2]))
    except ValueError as exc:
        return DateProblem(f"'{text}' is not a real date ({exc})")
    if value is None:
        return DateProblem(f"'{text}' is not a date in YYYY-MM-DD or DD/MM/YYYY form")
    if value > (today or dt.date.today()):
        return DateProblem(f"{value.isoformat()} is in the future")
    if value < EARLIEST_PLAUSIBLE:
        return DateProblem(f"{value.isoformat()} is before {EARLIEST_PLAUSIBLE.isoformat()}")
    return value


def parse_datetime(raw: str | None) -> dt.datetime | DateProblem | None:
    """FHIR dateTime or a bare date (taken as midnight UTC); naive times are taken as UTC."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        if len(text) == 10:
            d = dt.date.fromisoformat(text)
            return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return DateProblem(f"'{text}' is not a date-time in ISO 8601 form")
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
