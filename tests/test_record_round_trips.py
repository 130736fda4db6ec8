"""Opening a record costs a fixed number of statements whatever its size: the gate's two, the record's one, the audit
event's insert (see docs/performance.md, "Shared care record")."""

from __future__ import annotations

import pytest

from socialdata.record import CareRecord
from socialdata.store import Database
from test_access_round_trips import DECISION_STATEMENTS, statements
from test_access_world import ALICE, NOW, World, build_world


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


def test_opening_a_record_takes_the_decision_one_read_and_one_insert(world: World) -> None:
    record = CareRecord(world.db, clock=lambda: NOW)
    with statements(world.db) as seen:
        view = record.open(world.actors["gp1"], ALICE)
    assert view.visible_items > 5 and view.withheld > 0
    reads = seen[DECISION_STATEMENTS:]
    assert len(reads) == 2, seen
    assert reads[0].startswith("SELECT") and "record_entry" in reads[0] and "source_event" in reads[0]
    assert reads[1].split()[:3] == ["INSERT", "INTO", "audit_event"]


def test_the_timeline_is_newest_first_with_provenance_from_the_one_statement(world: World) -> None:
    view = CareRecord(world.db, clock=lambda: NOW).open(world.actors["gp1"], ALICE)
    dated = [item.when for item in view.timeline if item.when is not None]
    assert dated == sorted(dated, reverse=True)
    from_feeds = [item for item in view.timeline if item.provenance.submission_id is not None]
    assert from_feeds and all(item.provenance.submission_file for item in from_feeds)
    assert {name for _code, name in view.organisations} >= {item.provenance.organisation_name for item in from_feeds}
