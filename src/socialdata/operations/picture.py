"""A node's own operational rows summed into the dashboard's shape: beds by group, care homes by area and type, and
the latest stock of each supply. Nothing here is about a person."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from socialdata.operations.questions import BedGroup, BedRow, CareHomeRow, SupplyRow
from socialdata.store.models import BedState, CareHomeRegister, CareHomeVacancy, Organisation, SupplyStock

DAYS_SHOWN = 28
"""How many days of history a node sends for the time-series charts."""
_NOT_GENERAL_ACUTE = {"Obstetrics"}
_CRITICAL_CARE = {"Critical Care Medicine"}
UNKNOWN = "unknown"


def bed_group(ward: str, specialty: str | None) -> BedGroup:
    """General and acute beds as NHS England counts them: not maternity, not critical care, not a discharge lounge."""
    if specialty in _CRITICAL_CARE:
        return BedGroup.CRITICAL_CARE
    if specialty in _NOT_GENERAL_ACUTE or "discharge lounge" in ward.lower():
        return BedGroup.OTHER
    return BedGroup.GENERAL_ACUTE


def _since(latest: object) -> dt.date | None:
    """The first day of the history a node sends, counted back from its latest day of data."""
    return latest - dt.timedelta(days=DAYS_SHOWN - 1) if isinstance(latest, dt.date) else None


def beds(session: Session, organisation_id: str) -> list[BedRow]:
    since = _since(session.scalar(select(func.max(BedState.day)).where(BedState.organisation_id == organisation_id)))
    if since is None:
        return []
    site = session.get(Organisation, organisation_id)
    site_name = site.name if site is not None else organisation_id
    totals: dict[tuple[dt.date, BedGroup], list[int]] = defaultdict(lambda: [0, 0])
    rows = session.execute(
        select(BedState.day, BedState.ward, BedState.specialty, BedState.beds_open, BedState.beds_occupied).where(
            BedState.organisation_id == organisation_id, BedState.day >= since
        )
    )
    for day, ward, specialty, beds_open, occupied in rows:
        total = totals[(day, bed_group(ward, specialty))]
        total[0] += beds_open
        total[1] += occupied
    return [
        BedRow(site=site_name, day=day, group=group, open=open_, occupied=occupied)
        for (day, group), (open_, occupied) in sorted(totals.items())
    ]


def care_homes(session: Session, organisation_id: str) -> list[CareHomeRow]:
    since = _since(
        session.scalar(select(func.max(CareHomeVacancy.day)).where(CareHomeVacancy.organisation_id == organisation_id))
    )
    if since is None:
        return []
    register = {
        code: (area, care_type)
        for code, area, care_type in session.execute(
            select(CareHomeRegister.care_home_code, CareHomeRegister.area, CareHomeRegister.care_type).where(
                CareHomeRegister.organisation_id == organisation_id
            )
        )
    }
    totals: dict[tuple[dt.date, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    rows = session.execute(
        select(
            CareHomeVacancy.day,
            CareHomeVacancy.care_home_code,
            CareHomeVacancy.beds_total,
            CareHomeVacancy.vacancies,
            CareHomeVacancy.accepting_admissions,
        ).where(CareHomeVacancy.organisation_id == organisation_id, CareHomeVacancy.day >= since)
    )
    for day, code, beds_total, vacancies, accepting in rows:
        area, care_type = register.get(code, (UNKNOWN, UNKNOWN))
        total = totals[(day, area, care_type)]
        total[0] += 1
        total[1] += beds_total
        total[2] += vacancies
        total[3] += int(accepting)
    return [
        CareHomeRow(
            day=day, area=area, care_type=care_type, homes=homes, beds_total=beds_total, vacancies=vac, accepting=acc
        )
        for (day, area, care_type), (homes, beds_total, vac, acc) in sorted(totals.items())
    ]


def supplies(session: Session, organisation_id: str) -> list[SupplyRow]:
    """Each site's stock of each item on the latest day it reported."""
    latest = session.scalar(select(func.max(SupplyStock.day)).where(SupplyStock.organisation_id == organisation_id))
    if latest is None:
        return []
    rows = session.scalars(
        select(SupplyStock)
        .where(SupplyStock.organisation_id == organisation_id, SupplyStock.day == latest)
        .order_by(SupplyStock.site, SupplyStock.item_code)
    )
    return [
        SupplyRow(
            site=row.site,
            item_code=row.item_code,
            item_name=row.item_name,
            day=row.day,
            quantity=row.quantity,
            unit=row.unit,
            days_of_cover=row.days_of_cover,
        )
        for row in rows
    ]
