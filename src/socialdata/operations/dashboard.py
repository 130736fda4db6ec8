"""The system planner's view, built from each node's last good picture: sites' beds and escalation, care-home
vacancies by type and area, supplies running low, delayed discharges, and the series the charts draw."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from socialdata.operations.escalation import Escalation, escalation
from socialdata.operations.federated import FederatedCell
from socialdata.operations.hub import Hub, NodeStatus
from socialdata.operations.questions import BedGroup, Measure, Picture

LOW_COVER_DAYS = 3.0
"""A supply is below threshold when the latest stock lasts fewer days than this at the usual rate of use."""


@dataclass(frozen=True)
class SiteBeds:
    site: str
    node_id: str
    day: dt.date
    open: int
    occupied: int
    critical_open: int
    critical_occupied: int
    escalation: Escalation
    age_seconds: float

    @property
    def occupancy(self) -> float:
        return self.occupied / self.open if self.open else 0.0


@dataclass(frozen=True)
class Vacancies:
    area: str
    care_type: str
    homes: int
    beds_total: int
    vacancies: int
    accepting: int


@dataclass(frozen=True)
class LowSupply:
    site: str
    item_name: str
    quantity: int
    unit: str
    days_of_cover: float | None


@dataclass(frozen=True)
class DischargeLine:
    measure: Measure
    cell: FederatedCell


@dataclass(frozen=True)
class NodeLine:
    status: NodeStatus
    age_seconds: float | None

    @property
    def excluded(self) -> bool:
        return self.status.flag.value != "ok"


@dataclass(frozen=True)
class Dashboard:
    generated_at: dt.datetime
    sites: list[SiteBeds]
    vacancies: list[Vacancies]
    low_supplies: list[LowSupply]
    discharges: list[DischargeLine]
    nodes: list[NodeLine]
    charts: dict[str, Any] = field(default_factory=dict)

    @property
    def system_occupancy(self) -> float | None:
        open_ = sum(site.open for site in self.sites)
        return sum(site.occupied for site in self.sites) / open_ if open_ else None

    @property
    def vacancy_totals(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for row in self.vacancies:
            totals[row.care_type] += row.vacancies
        return dict(sorted(totals.items()))


def _sites(pictures: dict[str, tuple[dt.datetime, Picture]], now: dt.datetime) -> list[SiteBeds]:
    sites = []
    for node_id, (received, picture) in sorted(pictures.items()):
        if not picture.beds:
            continue
        latest = max(row.day for row in picture.beds)
        rows = [row for row in picture.beds if row.day == latest]
        ga = [row for row in rows if row.group is BedGroup.GENERAL_ACUTE]
        cc = [row for row in rows if row.group is BedGroup.CRITICAL_CARE]
        open_, occupied = sum(r.open for r in ga), sum(r.occupied for r in ga)
        sites.append(
            SiteBeds(
                site=rows[0].site,
                node_id=node_id,
                day=latest,
                open=open_,
                occupied=occupied,
                critical_open=sum(r.open for r in cc),
                critical_occupied=sum(r.occupied for r in cc),
                escalation=escalation(occupied / open_ if open_ else 0.0),
                age_seconds=(now - received).total_seconds(),
            )
        )
    return sites


def _occupancy_series(pictures: dict[str, tuple[dt.datetime, Picture]]) -> list[dict[str, Any]]:
    series = []
    for _, picture in pictures.values():
        by_day: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
        for row in picture.beds:
            if row.group is BedGroup.GENERAL_ACUTE:
                by_day[row.day][0] += row.occupied
                by_day[row.day][1] += row.open
        if by_day:
            days = sorted(by_day)
            series.append(
                {
                    "name": picture.beds[0].site,
                    "x": [d.isoformat() for d in days],
                    "y": [round(100 * by_day[d][0] / by_day[d][1], 1) if by_day[d][1] else None for d in days],
                }
            )
    return series


def _vacancies(pictures: dict[str, tuple[dt.datetime, Picture]]) -> tuple[list[Vacancies], list[dict[str, Any]]]:
    latest_rows: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    by_type_day: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for _, picture in pictures.values():
        if not picture.care_homes:
            continue
        latest = max(row.day for row in picture.care_homes)
        for row in picture.care_homes:
            by_type_day[row.care_type][row.day] += row.vacancies
            if row.day == latest:
                total = latest_rows[(row.area, row.care_type)]
                total[0] += row.homes
                total[1] += row.beds_total
                total[2] += row.vacancies
                total[3] += row.accepting
    table = [Vacancies(area, kind, *values) for (area, kind), values in sorted(latest_rows.items())]
    series = [
        {"name": kind, "x": [d.isoformat() for d in sorted(days)], "y": [days[d] for d in sorted(days)]}
        for kind, days in sorted(by_type_day.items())
    ]
    return table, series


def _low_supplies(pictures: dict[str, tuple[dt.datetime, Picture]]) -> list[LowSupply]:
    low = [
        LowSupply(row.site, row.item_name, row.quantity, row.unit, row.days_of_cover)
        for _, picture in pictures.values()
        for row in picture.supplies
        if row.quantity == 0 or (row.days_of_cover is not None and row.days_of_cover < LOW_COVER_DAYS)
    ]
    return sorted(low, key=lambda s: (s.days_of_cover if s.days_of_cover is not None else 0.0, s.site, s.item_name))


def _discharges(pictures: dict[str, tuple[dt.datetime, Picture]]) -> list[DischargeLine]:
    known: dict[Measure, int] = defaultdict(int)
    suppressed: dict[Measure, list[str]] = defaultdict(list)
    for node_id, (_, picture) in sorted(pictures.items()):
        for answer in picture.discharges:
            for cell in answer.cells:
                if cell.count is None:
                    suppressed[answer.measure].append(node_id)
                else:
                    known[answer.measure] += cell.count
    return [
        DischargeLine(m, FederatedCell("total", known[m], tuple(suppressed[m])))
        for m in Measure
        if m in known or m in suppressed
    ]


def build_dashboard(hub: Hub) -> Dashboard:
    now = dt.datetime.fromtimestamp(hub.clock(), dt.UTC)
    pictures = dict(hub.pictures)
    vacancies, vacancy_series = _vacancies(pictures)
    nodes = [NodeLine(status, status.age_seconds(now)) for _, status in sorted(hub.statuses.items())]
    return Dashboard(
        generated_at=now,
        sites=_sites(pictures, now),
        vacancies=vacancies,
        low_supplies=_low_supplies(pictures),
        discharges=_discharges(pictures),
        nodes=nodes,
        charts={"occupancy": _occupancy_series(pictures), "vacancies": vacancy_series},
    )
