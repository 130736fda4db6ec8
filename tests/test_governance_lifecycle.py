"""Agreements and projects through their lifecycles: each step only by the right role, never by the person whose work
is decided on, each audited; and the bad input the issue names (an agreement ending before it starts, fields a dataset
does not have, a researcher approving their own project, training lapsed at approval)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from socialdata.errors import UserError
from socialdata.governance.agreements import Agreements
from socialdata.governance.permissions import NotPermitted
from socialdata.governance.projects import record_extract_deleted
from socialdata.governance.register import register_entries
from socialdata.governance.users import Role, find_user
from socialdata.store import Database
from socialdata.store.models import (
    AgreementStatus,
    AuditEventRecord,
    DataSharingAgreement,
    Project,
    ProjectStage,
    UserAccount,
)
from test_governance_world import (
    World,
    active_agreement,
    application,
    applied_project,
    build_world,
    project_in_access,
    research_terms,
)


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


def _steps(db: Database, entity_type: str, entity_id: int) -> list[str]:
    with db.session() as s:
        details = s.scalars(
            select(AuditEventRecord.detail)
            .where(AuditEventRecord.entity_type == entity_type, AuditEventRecord.entity_id == str(entity_id))
            .order_by(AuditEventRecord.id)
        )
        return [str(d["step"]) for d in details]


def _count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_an_agreement_becomes_active_through_each_role_and_every_step_is_audited(world: World) -> None:
    agreement = active_agreement(world)
    assert agreement.status == AgreementStatus.ACTIVE
    assert agreement.approved_by == world.users["board1"].id
    assert agreement.steward_reviewed_by == world.users["steward2"].id
    assert _steps(world.db, "DataSharingAgreement", agreement.id) == [
        "drafted",
        "submitted",
        "steward_reviewed",
        "approved",
    ]
    assert agreement.datasets["patients"][0] == "patient_id"  # the pseudonym always travels with a dataset


@pytest.mark.parametrize("who", ["lead", "board1", "admin"])
def test_only_a_data_steward_reviews_an_agreement(world: World, who: str) -> None:
    agreements = world.agreements
    draft = agreements.draft(world.users["steward1"], research_terms())
    agreements.submit(world.users["steward1"], draft.id)
    with pytest.raises(NotPermitted, match="only a data steward"):
        agreements.steward_review(world.users[who], draft.id)
    assert agreements.get(draft.id).status == AgreementStatus.SUBMITTED


def test_nobody_reviews_or_approves_their_own_agreement(world: World) -> None:
    agreements = world.agreements
    draft = agreements.draft(world.users["steward1"], research_terms())
    agreements.submit(world.users["steward1"], draft.id)
    with pytest.raises(NotPermitted, match="someone independent"):
        agreements.steward_review(world.users["steward1"], draft.id)
    agreements.steward_review(world.users["steward2"], draft.id)
    with pytest.raises(NotPermitted, match="only a board member"):
        agreements.approve(world.users["steward2"], draft.id)
    assert agreements.get(draft.id).status == AgreementStatus.STEWARD_REVIEWED


def test_steps_out_of_order_are_refused(world: World) -> None:
    agreements = world.agreements
    draft = agreements.draft(world.users["steward1"], research_terms())
    with pytest.raises(UserError, match="only when steward_reviewed"):
        agreements.approve(world.users["board1"], draft.id)
    assert agreements.get(draft.id).status == AgreementStatus.DRAFT


def test_an_agreement_ending_before_it_starts_is_refused_and_nothing_is_stored(world: World) -> None:
    with pytest.raises(UserError) as refused:
        research_terms(starts_on=dt.date(2026, 6, 1), ends_on=dt.date(2026, 5, 31))
    assert refused.value.where == "ends_on"
    assert "before it starts" in refused.value.message
    assert _count(world.db, DataSharingAgreement) == 0


def test_an_agreement_asking_for_a_field_the_dataset_does_not_have_is_refused(world: World) -> None:
    with pytest.raises(UserError) as refused:
        research_terms(datasets={"patients": ["sex", "nhs_number"]})
    assert refused.value.where == "patients.nhs_number"
    assert "no field 'nhs_number'" in refused.value.message


def test_a_commercial_agreement_needs_value_terms(world: World) -> None:
    with pytest.raises(UserError, match="value terms") as refused:
        research_terms(purpose="commercial")
    assert refused.value.where == "value"


def test_a_researcher_cannot_approve_their_own_project(world: World) -> None:
    project = applied_project(world, active_agreement(world).id)
    world.projects.review(world.users["steward1"], project.id, "five safes checked, recommend approval")
    with pytest.raises(NotPermitted, match="only a board member"):
        world.projects.approve(world.users["lead"], project.id)
    assert world.projects.get(project.id).stage == ProjectStage.REVIEW
    assert _steps(world.db, "Project", project.id)[-1] == "reviewed"


def test_a_project_lead_who_becomes_a_steward_still_cannot_review_or_reject_their_own_project(world: World) -> None:
    project = applied_project(world, active_agreement(world).id)
    with world.db.session() as s:
        account = s.get(UserAccount, world.users["lead"].id)
        assert account is not None
        account.role = Role.DATA_STEWARD
    promoted = find_user(world.db, "lead")
    assert promoted is not None and promoted.role == Role.DATA_STEWARD
    with pytest.raises(NotPermitted, match="someone independent"):
        world.projects.review(promoted, project.id, "reviewing my own work here")
    with pytest.raises(NotPermitted, match="someone independent"):
        world.projects.reject(promoted, project.id, "rejecting my own work here")
    assert world.projects.get(project.id).stage == ProjectStage.APPLICATION


def test_a_project_asking_for_a_field_the_dataset_does_not_have_is_refused_and_unchanged(world: World) -> None:
    agreement = active_agreement(world)
    project = world.projects.start(world.users["lead"], "Admissions", "research")
    bad = application(agreement.id, datasets={"hospital_admissions": ["admission_date", "ward_name"]})
    with pytest.raises(UserError) as refused:
        world.projects.save_application(world.users["lead"], project.id, bad)
    assert refused.value.where == "hospital_admissions.ward_name"
    assert world.projects.get(project.id).datasets == {}


def test_a_project_is_approved_only_while_every_member_has_valid_training(world: World) -> None:
    project = applied_project(world, active_agreement(world).id)
    world.projects.review(world.users["steward1"], project.id, "five safes checked, recommend approval")
    world.clock.move_to(dt.date(2026, 6, 2))  # the researchers' training expired on 1 June
    with pytest.raises(UserError, match="safe people: training not valid") as refused:
        world.projects.approve(world.users["board1"], project.id)
    assert refused.value.where == "five_safes"
    assert world.projects.get(project.id).stage == ProjectStage.REVIEW


def test_an_application_must_justify_every_field(world: World) -> None:
    agreement = active_agreement(world)
    project = world.projects.start(world.users["lead"], "Admissions", "research")
    world.projects.save_application(
        world.users["lead"], project.id, application(agreement.id, field_justifications={"patients.sex": "needed"})
    )
    with pytest.raises(UserError, match=r"missing: patients\.date_of_birth"):
        world.projects.submit(world.users["lead"], project.id)


def test_a_project_runs_from_enquiry_to_closure_and_is_on_the_register(world: World) -> None:
    project = project_in_access(world)
    assert project.stage == ProjectStage.ACCESS
    assert {m.username for m in project.members} == {"lead", "analyst"}
    with world.db.session() as s:
        entries = register_entries(s)
    assert [e.project_id for e in entries] == [project.id]
    entry = entries[0]
    assert entry.organisation == "City University" and entry.national_opt_out_applied and not entry.commercial
    assert entry.datasets == ("hospital_admissions", "patients")
    assert "9(2)(j)" in entry.legal_basis and "section 251" in entry.legal_basis
    closed = world.projects.close(world.users["lead"], project.id, "study finished, paper published")
    assert closed.stage == ProjectStage.CLOSED and closed.closure_note == "study finished, paper published"
    with world.db.session() as s:
        record_extract_deleted(s, project.id, world.clock())
    assert world.projects.get(project.id).extract_deleted_at == world.clock()
    assert _steps(world.db, "Project", project.id) == [
        "enquiry",
        "member_added",
        "application_saved",
        "application_submitted",
        "reviewed",
        "approved",
        "access_opened",
        "closed",
    ]
    assert _steps(world.db, "ProjectExtract", project.id) == ["extract_deleted"]


def test_a_project_not_yet_approved_is_not_on_the_register(world: World) -> None:
    applied_project(world, active_agreement(world).id)
    with world.db.session() as s:
        assert register_entries(s) == []


def test_expire_due_marks_agreements_past_their_end(world: World) -> None:
    agreement = active_agreement(world)
    world.clock.move_to(dt.date(2027, 1, 1))
    agreements = Agreements(world.db, clock=world.clock)
    assert agreements.expire_due() == [agreement.id]
    assert agreements.get(agreement.id).status == AgreementStatus.EXPIRED
    assert agreements.expire_due() == []
    assert _steps(world.db, "DataSharingAgreement", agreement.id)[-1] == "expired"


def test_a_project_cannot_be_edited_after_it_is_submitted(world: World) -> None:
    project = applied_project(world, active_agreement(world).id)
    with pytest.raises(UserError, match="can no longer be changed"):
        world.projects.save_application(world.users["lead"], project.id, application(project.agreement_id))
    with world.db.session() as s:
        row = s.get(Project, project.id)
        assert row is not None and row.stage == ProjectStage.APPLICATION
