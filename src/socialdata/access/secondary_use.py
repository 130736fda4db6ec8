"""The gate for secondary use (research and planning): a project's members may use its data only while the project is
in its access stage under an active data sharing agreement that is within its dates and covers what the project asks
for. Every decision, allowed or denied, is audited; an allowed one in the same transaction as the work it allows.

The agreement's dates are read against the gate's clock at every decision, so an agreement whose end date has passed
stops access at once, whether or not anybody has marked it expired yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from socialdata.access.decisions import AccessDenied, Actor, Decision, Purpose
from socialdata.access.trail import pending
from socialdata.audit import Action, append_event
from socialdata.governance.coverage import agreement_refusal, uncovered_fields
from socialdata.store import Database
from socialdata.store.models import DataSharingAgreement, Project, ProjectMember, ProjectStage

# The gate purpose each project purpose is used under: commercial work is research, on the agreement's value terms.
PROJECT_PURPOSES: dict[str, Purpose] = {
    "research": Purpose.RESEARCH,
    "planning": Purpose.PLANNING,
    "commercial": Purpose.RESEARCH,
}


@dataclass
class ProjectAccess:
    """What an allowed secondary use works with, for one transaction; `detail` goes into the audit event."""

    session: Session
    project: Project
    agreement: DataSharingAgreement
    actor: Actor
    at: dt.datetime
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Judgement:
    decision: Decision
    project: Project | None = None
    agreement: DataSharingAgreement | None = None


def _denied(reason: str) -> _Judgement:
    return _Judgement(Decision(False, None, reason))


def judge_project(s: Session, actor: Actor, project_id: int, purpose: Purpose, now: dt.datetime) -> _Judgement:
    """The decision for one request, with the rows it rests on when it is allowed."""
    if not purpose.is_secondary_use:
        return _denied(f"projects are for research and planning, not {purpose.value}")
    project = s.get(Project, project_id)
    member = s.get(ProjectMember, (project_id, actor.user_id)) if project is not None else None
    if project is None or member is None:
        return _denied("not a member of this project")
    if PROJECT_PURPOSES.get(project.purpose) != purpose:
        return _denied(f"the project's purpose is {project.purpose}, not {purpose.value}")
    if project.stage != ProjectStage.ACCESS:
        return _denied(f"the project is at stage {project.stage}, not access")
    agreement = s.get(DataSharingAgreement, project.agreement_id) if project.agreement_id is not None else None
    if agreement is None:
        return _denied("the project has no data sharing agreement")
    refusal = agreement_refusal(agreement, now.astimezone(dt.UTC).date())
    if refusal is None and agreement.purpose != project.purpose:
        refusal = f"agreement {agreement.id} is for {agreement.purpose}, not {project.purpose}"
    if refusal is None and (missing := uncovered_fields(agreement.datasets, project.datasets)):
        refusal = f"agreement {agreement.id} does not share {', '.join(missing)}"
    if refusal is not None:
        return _denied(refusal)
    reason = f"{member.role} of project {project.id} under agreement {agreement.id}"
    return _Judgement(Decision(True, None, reason), project, agreement)


@contextmanager
def open_project(
    db: Database,
    clock: Callable[[], dt.datetime],
    actor: Actor,
    project_id: int,
    purpose: Purpose,
    *,
    action: Action,
    entity_type: str,
    entity_id: str,
) -> Iterator[ProjectAccess]:
    """See `AccessGate.open_project`. A denial is audited in its own transaction, then raised as AccessDenied naming
    the reason (secondary use is not about one person, so the reason hides nothing)."""
    refusal: str | None = None
    unfinished = None  # an allowed decision whose work raised: its transaction rolled back, its audit must not
    try:
        with db.session() as s:
            now = clock()
            judgement = judge_project(s, actor, project_id, purpose, now)
            audit = pending(
                actor,
                judgement.decision,
                action=action,
                purpose=purpose,
                patient_id=None,
                entity_type=entity_type,
                entity_id=entity_id,
                at=now,
                detail={"project_id": project_id},
            )
            if judgement.project is None or judgement.agreement is None:
                append_event(s, audit.event())
                refusal = judgement.decision.reason
            else:
                audit.detail["agreement_id"] = judgement.agreement.id
                access = ProjectAccess(s, judgement.project, judgement.agreement, actor, now)
                unfinished = audit
                yield access
                unfinished = None
                audit.detail.update(access.detail)
                append_event(s, audit.event())
    except BaseException:
        if unfinished is not None:
            unfinished.detail["completed"] = False
            with db.session() as s:
                append_event(s, unfinished.event())
        raise
    if refusal is not None:
        raise AccessDenied(f"Secondary use refused: {refusal}.")
