"""A small world for the airlock's tests: a project in its access stage under an active agreement, its researchers,
three data stewards (output checkers), one steward who is also a member, and a finished job whose outputs/ folder
the test fills."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from socialdata.access import Actor
from socialdata.governance.users import Role
from socialdata.outputs.airlock import Airlock
from socialdata.sde.jobs import job_workspace
from socialdata.store import Database
from socialdata.store.models import (
    AuditEventRecord,
    DataSharingAgreement,
    Organisation,
    Project,
    ProjectMember,
    SdeJob,
    UserAccount,
)

NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
USERS = {
    "res1": Role.RESEARCHER,
    "res2": Role.RESEARCHER,
    "outsider": Role.RESEARCHER,
    "checker1": Role.DATA_STEWARD,
    "checker2": Role.DATA_STEWARD,
    "checker3": Role.DATA_STEWARD,
    "steward_member": Role.DATA_STEWARD,
}


@dataclass
class OutputsWorld:
    db: Database
    actors: dict[str, Actor]
    project_id: int
    job_id: int

    def airlock(self) -> Airlock:
        return Airlock(self.db, clock=lambda: NOW)

    @property
    def outputs(self) -> Path:
        return job_workspace(self.db.settings, self.job_id) / "outputs"

    def write(self, name: str, text: str | bytes) -> Path:
        path = self.outputs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        return path

    def new_job(self) -> int:
        with self.db.session() as s:
            job = SdeJob(project_id=self.project_id, submitted_by=self.actors["res1"].user_id, state="succeeded")
            s.add(job)
            s.flush()
            self.job_id = job.id
        self.outputs.mkdir(parents=True, exist_ok=True)
        return self.job_id

    def audit_events(self, entity_type: str) -> int:
        with self.db.session() as s:
            query = select(func.count()).where(AuditEventRecord.entity_type == entity_type)
            return int(s.scalar(query) or 0)


def build_outputs_world(db: Database, *, min_cell_count: int = 10) -> OutputsWorld:
    with db.session() as s:
        s.add(Organisation(id="UNI01", name="University", kind="university"))
        s.flush()
        actors: dict[str, Actor] = {}
        for username, role in USERS.items():
            org = "UNI01" if role == Role.RESEARCHER else None
            account = UserAccount(
                username=username, display_name=username.title(), role=role, organisation_id=org, password_hash="x"
            )
            s.add(account)
            s.flush()
            actors[username] = Actor(account.id, username, role, org)
        agreement = DataSharingAgreement(
            title="Research on care costs",
            purpose="research",
            status="active",
            parties=["UNI01"],
            datasets={},
            conditions=["pseudonymised"],
            legal_basis_article6="6(1)(e)",
            legal_basis_article9="9(2)(j)",
            confidentiality_basis="s251",
            value_terms=None,
            starts_on=min(NOW.date(), dt.date.today()) - dt.timedelta(days=30),  # the web pages use today's date
            ends_on=max(NOW.date(), dt.date.today()) + dt.timedelta(days=365),
            created_by=actors["checker1"].user_id,
        )
        s.add(agreement)
        s.flush()
        project = Project(
            title="Care costs by area",
            purpose="research",
            organisation_id="UNI01",
            lead_user_id=actors["res1"].user_id,
            agreement_id=agreement.id,
            stage="access",
            datasets={},
            field_justifications={},
            min_cell_count=min_cell_count,
            approved_at=NOW - dt.timedelta(days=10),
        )
        s.add(project)
        s.flush()
        for username, role in (("res1", "lead"), ("res2", "analyst"), ("steward_member", "analyst")):
            s.add(ProjectMember(project_id=project.id, user_id=actors[username].user_id, role=role))
        project_id = project.id
    world = OutputsWorld(db, actors, project_id, 0)
    world.new_job()
    return world


def test_the_world_has_a_finished_job_with_an_empty_outputs_folder(db: Database) -> None:
    world = build_outputs_world(db)
    assert world.outputs.is_dir()
    assert list(world.outputs.iterdir()) == []
