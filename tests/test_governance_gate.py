"""The gate for secondary use: a project's members, at stage access, under an active agreement within its dates, for
the project's purpose — and nobody else, and not a day after the agreement ends (read against the gate's clock, even
before anybody marks the agreement expired). Every decision is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from socialdata.access import AccessDenied, Purpose
from socialdata.audit import Outcome
from socialdata.store import Database
from socialdata.store.models import AuditEventRecord, Project, ProjectStage
from test_governance_world import END, World, active_agreement, applied_project, build_world, project_in_access


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


def _extract_events(db: Database) -> list[AuditEventRecord]:
    with db.session() as s:
        return list(
            s.scalars(
                select(AuditEventRecord)
                .where(AuditEventRecord.entity_type == "ProjectExtract")
                .order_by(AuditEventRecord.id)
            )
        )


def test_a_member_of_a_project_in_access_opens_it_and_the_use_is_audited(world: World) -> None:
    project = project_in_access(world)
    with world.gate().open_project(world.actor("analyst"), project.id, Purpose.RESEARCH) as pa:
        assert pa.project.id == project.id and pa.agreement.id == project.agreement_id
        pa.detail["rows"] = 42
    [event] = _extract_events(world.db)
    assert event.outcome == Outcome.SUCCESS and event.username == "analyst" and event.patient_id is None
    assert event.detail["project_id"] == project.id and event.detail["rows"] == 42
    assert event.detail["agreement_id"] == project.agreement_id


def test_someone_not_on_the_project_is_denied_and_the_attempt_audited(world: World) -> None:
    project = project_in_access(world)
    with (
        pytest.raises(AccessDenied, match="not a member"),
        world.gate().open_project(world.actor("outsider"), project.id, Purpose.RESEARCH),
    ):
        pytest.fail("the block must not run")
    [event] = _extract_events(world.db)
    assert event.outcome == Outcome.MINOR_FAILURE and event.detail["decision"] == "denied"


def test_an_expired_agreement_stops_access_the_day_after_it_ends_before_anyone_marks_it(world: World) -> None:
    project = project_in_access(world)
    gate = world.gate()
    world.clock.move_to(END)
    with gate.open_project(world.actor("lead"), project.id, Purpose.RESEARCH):
        pass
    world.clock.move_to(END + dt.timedelta(days=1))
    with (
        pytest.raises(AccessDenied, match=f"ended on {END.isoformat()}"),
        gate.open_project(world.actor("lead"), project.id, Purpose.RESEARCH),
    ):
        pytest.fail("the block must not run")
    assert [e.outcome for e in _extract_events(world.db)] == [Outcome.SUCCESS, Outcome.MINOR_FAILURE]
    assert world.agreements.get(project.agreement_id or 0).status == "active"  # not yet marked: still refused


def test_a_revoked_agreement_stops_access_at_once(world: World) -> None:
    project = project_in_access(world)
    world.agreements.revoke(world.users["board1"], project.agreement_id or 0, "breach of no onward sharing")
    with (
        pytest.raises(AccessDenied, match="revoked, not active"),
        world.gate().open_project(world.actor("lead"), project.id, Purpose.RESEARCH),
    ):
        pytest.fail("the block must not run")


def test_a_project_not_yet_in_access_is_refused(world: World) -> None:
    project = applied_project(world, active_agreement(world).id)
    with (
        pytest.raises(AccessDenied, match="stage application"),
        world.gate().open_project(world.actor("lead"), project.id, Purpose.RESEARCH),
    ):
        pytest.fail("the block must not run")


def test_a_closed_project_is_refused(world: World) -> None:
    project = project_in_access(world)
    world.projects.close(world.users["steward1"], project.id, "ethics approval withdrawn")
    with (
        pytest.raises(AccessDenied, match="stage closed"),
        world.gate().open_project(world.actor("lead"), project.id, Purpose.RESEARCH),
    ):
        pytest.fail("the block must not run")


@pytest.mark.parametrize("purpose", [Purpose.PLANNING, Purpose.DIRECT_CARE])
def test_another_purpose_than_the_projects_is_refused(world: World, purpose: Purpose) -> None:
    project = project_in_access(world)
    with pytest.raises(AccessDenied), world.gate().open_project(world.actor("lead"), project.id, purpose):
        pytest.fail("the block must not run")
    assert _extract_events(world.db)[-1].outcome == Outcome.MINOR_FAILURE


def test_work_that_fails_inside_the_block_is_rolled_back_but_still_audited(world: World) -> None:
    project = project_in_access(world)
    with (
        pytest.raises(RuntimeError),
        world.gate().open_project(world.actor("lead"), project.id, Purpose.RESEARCH) as pa,
    ):
        pa.project.title = "changed inside the block"
        raise RuntimeError("the extract build failed")
    with world.db.session() as s:
        row = s.get(Project, project.id)
        assert row is not None and row.title != "changed inside the block" and row.stage == ProjectStage.ACCESS
    [event] = _extract_events(world.db)
    assert event.outcome == Outcome.SUCCESS and event.detail["completed"] is False
