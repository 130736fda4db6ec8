"""Operational data partners share for planning: beds, care-home vacancies, supplies."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from socialdata.store.models.base import Base, ProvenanceMixin
from socialdata.store.types import BigIntId, utcnow


class BedState(ProvenanceMixin, Base):
    """A ward's beds on one day, as the trust reports them."""

    __tablename__ = "bed_state"
    __table_args__ = (UniqueConstraint("organisation_id", "ward", "day", name="uq_bed_state_ward_day"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    ward: Mapped[str] = mapped_column(String(100))
    specialty: Mapped[str | None] = mapped_column(String(100))
    day: Mapped[dt.date] = mapped_column(Date)
    beds_open: Mapped[int] = mapped_column(Integer)
    beds_occupied: Mapped[int] = mapped_column(Integer)


class CareHomeVacancy(ProvenanceMixin, Base):
    """A care home's beds and vacancies on one day, in the shape of the capacity tracker."""

    __tablename__ = "care_home_vacancy"
    __table_args__ = (UniqueConstraint("organisation_id", "care_home_code", "day", name="uq_care_home_day"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    care_home_code: Mapped[str] = mapped_column(String(32))
    care_home_name: Mapped[str] = mapped_column(String(200))
    day: Mapped[dt.date] = mapped_column(Date)
    beds_total: Mapped[int] = mapped_column(Integer)
    vacancies: Mapped[int] = mapped_column(Integer)
    accepting_admissions: Mapped[bool] = mapped_column(Boolean)


class SupplyStock(ProvenanceMixin, Base):
    """Stock of a key supply at a site on one day."""

    __tablename__ = "supply_stock"
    __table_args__ = (UniqueConstraint("organisation_id", "site", "item_code", "day", name="uq_supply_site_item_day"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    site: Mapped[str] = mapped_column(String(100))
    item_code: Mapped[str] = mapped_column(String(32))
    item_name: Mapped[str] = mapped_column(String(200))
    day: Mapped[dt.date] = mapped_column(Date)
    quantity: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(32))
    days_of_cover: Mapped[float | None] = mapped_column(Float)


class CareHomeRegister(Base):
    """What the capacity tracker knows of a care home beyond its daily return: its type and where it is."""

    __tablename__ = "care_home_register"
    __table_args__ = (UniqueConstraint("organisation_id", "care_home_code", name="uq_care_home_register_code"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    care_home_code: Mapped[str] = mapped_column(String(32))
    care_home_name: Mapped[str] = mapped_column(String(200))
    care_type: Mapped[str] = mapped_column(String(32))
    postcode: Mapped[str] = mapped_column(String(8))
    area: Mapped[str] = mapped_column(String(8))


class OperationsNode(Base):
    """A partner's node the hub asks: where it listens and the Ed25519 public key its answers must be signed with."""

    __tablename__ = "operations_node"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    url: Mapped[str] = mapped_column(String(500))
    public_key: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
