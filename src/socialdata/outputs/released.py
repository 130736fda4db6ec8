"""The outputs that have left the secure data environment, per project, for the public data uses register."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdata.store.models import OutputFile, OutputRequest, OutputRequestStatus


@dataclass(frozen=True)
class ReleasedOutput:
    """One released file as the public sees it: its name, the researcher's description, and when it was released."""

    name: str
    description: str
    released_at: dt.datetime


def released_outputs(session: Session) -> dict[int, list[ReleasedOutput]]:
    """Every released file keyed by project id, oldest release first (projects with none are absent)."""
    rows = session.execute(
        select(OutputRequest.project_id, OutputFile.name, OutputFile.description, OutputRequest.released_at)
        .join(OutputFile, (OutputFile.request_id == OutputRequest.id) & (OutputFile.revision == OutputRequest.revision))
        .where(OutputRequest.status == OutputRequestStatus.RELEASED)
        .order_by(OutputRequest.released_at, OutputRequest.id, OutputFile.name)
    )
    by_project: dict[int, list[ReleasedOutput]] = defaultdict(list)
    for project_id, name, description, released_at in rows:
        if released_at is None:  # a released request always has its time: the airlock sets both together
            continue
        by_project[project_id].append(ReleasedOutput(name=name, description=description, released_at=released_at))
    return dict(by_project)
