"""What a researcher's pages list: the projects they are a member of, each with its extract in use and its jobs.

Governance facts only (titles, stages, counts, times): nothing here is about a person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from socialdata.access import Actor
from socialdata.errors import UserError
from socialdata.sde.extracts import latest_extract
from socialdata.store import Database
from socialdata.store.models import Project, ProjectMember, ProjectStage, SdeJob


@dataclass(frozen=True)
class ExtractInfo:
    id: int
    built_at: dt.datetime
    people: int
    opted_out_excluded: int


@dataclass(frozen=True)
class ProjectSummary:
    id: int
    title: str
    purpose: str
    stage: str
    role: str  # the member's role: lead or analyst
    datasets: dict[str, list[str]]
    date_coarsening: str
    extract: ExtractInfo | None
    jobs: int

    @property
    def in_access(self) -> bool:
        return self.stage == ProjectStage.ACCESS


def member_projects(db: Database, actor: Actor) -> list[ProjectSummary]:
    """The actor's projects, newest first."""
    with db.session() as s:
        rows = s.execute(
            select(Project, ProjectMember.role)
            .join(ProjectMember, ProjectMember.project_id == Project.id)
            .where(ProjectMember.user_id == actor.user_id)
            .order_by(Project.id.desc())
        ).all()
        counted = select(SdeJob.project_id, func.count()).group_by(SdeJob.project_id)
        job_counts: dict[int, int] = {
            project_id: count
            for project_id, count in s.execute(counted.where(SdeJob.project_id.in_([p.id for p, _ in rows])))
        }
        summaries = []
        for project, role in rows:
            extract = latest_extract(s, project.id)
            info = (
                ExtractInfo(extract.id, extract.built_at, extract.people, extract.opted_out_excluded)
                if extract is not None
                else None
            )
            summaries.append(
                ProjectSummary(
                    project.id,
                    project.title,
                    project.purpose,
                    project.stage,
                    role,
                    dict(project.datasets or {}),
                    project.date_coarsening,
                    info,
                    job_counts.get(project.id, 0),
                )
            )
        return summaries


def member_project(db: Database, actor: Actor, project_id: int) -> ProjectSummary:
    """One of the actor's projects (the same answer whether it does not exist or they are not a member)."""
    for project in member_projects(db, actor):
        if project.id == project_id:
            return project
    raise UserError(f"there is no project {project_id} among your projects", where="project")
