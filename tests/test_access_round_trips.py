"""The gate's cost in database round trips: every record read pays it, so a change that adds a query per decision
should be a choice, not an accident (see docs/performance.md, "Shared care record")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event

from socialdata.access import Purpose, RelationshipKind
from socialdata.store import Database
from test_access_world import ALICE, DISPLAY_NAMES, World, build_world

# The person with their linked records; objections, seals, grants, the organisation's kind and its events about the
# person that a relationship rests on.
DECISION_STATEMENTS = 2


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


@pytest.mark.parametrize(
    ("username", "basis"),
    [("gp1", RelationshipKind.REGISTERED_GP), ("doc", RelationshipKind.OPEN_EPISODE)],
)
def test_a_decision_takes_two_statements_and_its_audit_one_insert(
    world: World, username: str, basis: RelationshipKind
) -> None:
    with statements(world.db) as seen:
        with world.gate().open_person(world.actors[username], ALICE, Purpose.DIRECT_CARE) as record:
            decided = list(seen)
            assert record.basis.kind == basis
        after = seen[len(decided) :]
    assert len(decided) == DECISION_STATEMENTS, decided
    assert [s.split()[:3] for s in after] == [["INSERT", "INTO", "audit_event"]]
    assert world.audit_count() == 1


def test_a_social_worker_brought_with_their_name_is_not_looked_up_again(world: World) -> None:
    named = replace(world.actors["sw"], display_name=DISPLAY_NAMES["sw"])
    with statements(world.db) as seen, world.gate().open_person(named, ALICE) as record:
        assert record.basis.kind == RelationshipKind.ALLOCATED_WORKER
        decided = list(seen)
    assert len(decided) == DECISION_STATEMENTS, decided
    assert not any("user_account" in s for s in decided)
    with statements(world.db) as seen, world.gate().open_person(world.actors["sw"], ALICE) as record:
        assert record.basis.kind == RelationshipKind.ALLOCATED_WORKER  # without it, the name is read
        assert any("user_account" in s for s in seen)
