"""The store migrates on every backend and keeps timestamps in UTC."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from socialdata.store import Database
from socialdata.store.models import Organisation


def test_migrated_store_round_trips_an_organisation_with_utc_time(db: Database) -> None:
    created = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    with db.session() as s:
        s.add(Organisation(id="RXX", name="City Hospitals", kind="hospital_trust", created_at=created))
    with db.session() as s:
        org = s.scalars(select(Organisation)).one()
    assert org.name == "City Hospitals"
    assert org.created_at == created
    assert org.created_at.tzinfo is not None


def test_a_failed_unit_of_work_writes_nothing(db: Database) -> None:
    try:
        with db.session() as s:
            s.add(Organisation(id="RYY", name="Half written", kind="council"))
            s.flush()
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with db.session() as s:
        assert s.scalars(select(Organisation)).all() == []
