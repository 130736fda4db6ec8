"""The CSV layouts of docs/feeds.md, and recognising which one a file is from its header row."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

from socialdata.feeds import asc_cld, gp_extracts, operational_csv
from socialdata.feeds.problems import FileRejected
from socialdata.feeds.writer import SubmissionWriter


@dataclass(frozen=True)
class CsvLayout:
    format: str
    file_name: str
    columns: tuple[str, ...]
    load_row: Callable[[tuple[str, ...], SubmissionWriter], None]


LAYOUTS = (
    CsvLayout("asc-cld", "asc_cld.csv", asc_cld.COLUMNS, asc_cld.load_row),
    CsvLayout(
        "gp-registrations", "gp_registrations.csv", gp_extracts.REGISTRATION_COLUMNS, gp_extracts.load_registration
    ),
    CsvLayout("gp-events", "gp_events.csv", gp_extracts.EVENT_COLUMNS, gp_extracts.load_event),
    CsvLayout("bed-state", "bed_state.csv", operational_csv.BED_STATE_COLUMNS, operational_csv.load_bed_state),
    CsvLayout(
        "care-home-vacancies",
        "care_home_vacancies.csv",
        operational_csv.CARE_HOME_COLUMNS,
        operational_csv.load_care_home_vacancy,
    ),
    CsvLayout("supply-stock", "supply_stock.csv", operational_csv.SUPPLY_COLUMNS, operational_csv.load_supply_stock),
)


@dataclass(frozen=True)
class MatchedLayout:
    """A layout and how to pull its columns, in its own order, out of a row of this file."""

    layout: CsvLayout
    pick: Callable[[list[str]], tuple[str, ...]]


def match_layout(header: list[str], file_name: str) -> MatchedLayout:
    """Column order does not matter; a missing or renamed column rejects the file, naming it and its likely rename."""
    names = [h.strip() for h in header]
    present = set(names)
    for layout in LAYOUTS:
        if present.issuperset(layout.columns):
            getter = itemgetter(*(names.index(c) for c in layout.columns))
            return MatchedLayout(layout, getter)
    closest = next((layout for layout in LAYOUTS if layout.file_name == file_name), None)
    if closest is None:
        closest = max(LAYOUTS, key=lambda layout: len(present.intersection(layout.columns)))
        if not present.intersection(closest.columns):
            known = ", ".join(f"{layout.file_name} ({layout.format})" for layout in LAYOUTS)
            raise FileRejected(f"the header row matches none of the CSV layouts: {known}", where=f"{file_name}, row 1")
    missing = [c for c in closest.columns if c not in present]
    unexpected = [n for n in names if n not in closest.columns]
    described = ", ".join(_with_suggestion(column, unexpected) for column in missing)
    raise FileRejected(
        f"the header row does not match the {closest.format} layout: missing column(s) {described}",
        where=f"{file_name}, row 1",
        field=", ".join(missing),
    )


def _with_suggestion(column: str, unexpected: list[str]) -> str:
    lowered = {u.lower(): u for u in unexpected}
    close = difflib.get_close_matches(column.lower(), list(lowered), n=1, cutoff=0.6)
    return f"{column} (is '{lowered[close[0]]}' meant to be {column}?)" if close else column
