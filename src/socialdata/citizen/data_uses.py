"""How my data was used: every research or planning extract that included the person — project, purpose,
organisation, legal basis, date — read from the extract membership the secure data environment writes when it builds
an extract, each described as the public data uses register describes it and linked to that entry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from socialdata.access import PersonAccess
from socialdata.citizen.own_access import person_ids
from socialdata.governance.register import RegisterEntry, register_entries
from socialdata.store.models import ExtractMember, ExtractStatus, Project, ProjectExtract

REGISTER_PATH = "/register"
NOT_REGISTERED = "Not on the public register: ask the Foundation's data protection officer why"


@dataclass(frozen=True)
class DataUse:
    project_id: int
    project: str
    purpose: str
    organisation: str
    legal_basis: str
    lay_summary: str
    included_on: dt.datetime
    extract_deleted: bool

    @property
    def register_link(self) -> str:
        return f"{REGISTER_PATH}#use-{self.project_id}"


@dataclass(frozen=True)
class DataUses:
    uses: list[DataUse]
    register_projects: int  # how many approved uses the public register lists, shown beside an empty list


def _use(extract: ProjectExtract, project: Project, entry: RegisterEntry | None) -> DataUse:
    return DataUse(
        project_id=project.id,
        project=entry.title if entry else project.title,
        purpose=entry.purpose if entry else project.purpose,
        organisation=entry.organisation if entry else project.organisation_id,
        legal_basis=entry.legal_basis if entry else NOT_REGISTERED,
        lay_summary=entry.lay_summary if entry else project.lay_summary,
        included_on=extract.built_at,
        extract_deleted=extract.status == ExtractStatus.DELETED,
    )


def read_data_uses(access: PersonAccess) -> DataUses:
    """Inside the gate's block: the extracts the person was in, newest first, and the register's size."""
    s = access.session
    rows = s.execute(
        select(ProjectExtract, Project)
        .join(ExtractMember, ExtractMember.extract_id == ProjectExtract.id)
        .join(Project, Project.id == ProjectExtract.project_id)
        .where(ExtractMember.person_id.in_(person_ids(s, access.person_id)))
        .order_by(ProjectExtract.built_at.desc(), ProjectExtract.id.desc())
    ).all()
    register = {entry.project_id: entry for entry in register_entries(s)}
    uses = [_use(extract, project, register.get(project.id)) for extract, project in rows]
    return DataUses(uses, len(register))
