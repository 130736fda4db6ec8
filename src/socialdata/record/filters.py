"""Narrowing a timeline by date range, source organisation and item type, from what a person typed in a form or URL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from socialdata.errors import UserError
from socialdata.record.items import KIND_LABELS, TimelineItem

KINDS = tuple(KIND_LABELS)


def _day(raw: str | None, field: str) -> dt.date | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{text[:40]!r} is not a date like 2024-03-31", where=field) from None


@dataclass(frozen=True)
class TimelineFilter:
    """Items from `date_from` to `date_to` (whole days, inclusive), from one organisation, of one kind; None: any."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    organisation_id: str | None = None
    kind: str | None = None

    @classmethod
    def parse(
        cls,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        organisation: str | None = None,
        kind: str | None = None,
    ) -> TimelineFilter:
        start = _day(date_from, "from")
        end = _day(date_to, "to")
        if start is not None and end is not None and start > end:
            raise UserError(f"the range starts ({start}) after it ends ({end})", where="from")
        chosen_kind = (kind or "").strip() or None
        if chosen_kind is not None and chosen_kind not in KIND_LABELS:
            raise UserError(f"unknown item type {chosen_kind[:40]!r}; choose one of: {', '.join(KINDS)}", where="type")
        org = (organisation or "").strip() or None
        return cls(start, end, org, chosen_kind)

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.date_from, self.date_to, self.organisation_id, self.kind))

    def keeps(self, item: TimelineItem) -> bool:
        if self.kind is not None and item.kind != self.kind:
            return False
        if self.organisation_id is not None and item.provenance.organisation_id != self.organisation_id:
            return False
        if self.date_from is None and self.date_to is None:
            return True
        if item.when is None:
            return False
        day = item.when.astimezone(dt.UTC).date()
        return (self.date_from is None or day >= self.date_from) and (self.date_to is None or day <= self.date_to)
