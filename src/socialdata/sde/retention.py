"""Deleting the extracts of closed projects: a closed project keeps no row-level data in the environment.

The extract's row stays (marked deleted), and so does its membership list — the citizen's "how my data was used"
is history — but the file goes, and governance records that the project's extract was deleted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from socialdata.governance.projects import record_extract_deleted
from socialdata.store import Database
from socialdata.store.models import ExtractStatus, Project, ProjectExtract, ProjectStage
from socialdata.store.types import utcnow


def delete_closed_extracts(db: Database, *, now: dt.datetime | None = None) -> list[int]:
    """Delete every extract still held for a closed project; returns the projects whose extracts went."""
    at = now or utcnow()
    with db.session() as s:
        held = s.execute(
            select(ProjectExtract)
            .join(Project, Project.id == ProjectExtract.project_id)
            .where(Project.stage == ProjectStage.CLOSED, ProjectExtract.status == ExtractStatus.BUILT)
        ).scalars()
        paths: list[Path] = []
        projects: set[int] = set()
        for extract in held:
            extract.status, extract.deleted_at = ExtractStatus.DELETED, at
            paths.append(Path(extract.path))
            projects.add(extract.project_id)
        for project_id in sorted(projects):
            record_extract_deleted(s, project_id, at)
    for path in paths:
        path.unlink(missing_ok=True)
    return sorted(projects)
