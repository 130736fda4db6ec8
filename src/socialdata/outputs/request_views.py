"""What a person may see of an output request: its files with their check results, and the votes — blind: while a
revision awaits its second vote, a checker sees only their own vote and the author sees none; once both are in,
everyone who may see the request sees both."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdata.access import Actor
from socialdata.governance.users import Role
from socialdata.outputs.findings import FileCheck
from socialdata.store.models import (
    OutputFile,
    OutputRequest,
    OutputRequestStatus,
    OutputReview,
    Project,
    ProjectMember,
    ReviewDecision,
    UserAccount,
)

CHECKER_ROLES = frozenset({Role.DATA_STEWARD})
REVIEWERS_NEEDED = 2


@dataclass(frozen=True)
class VoteView:
    reviewer: str
    decision: ReviewDecision
    comments: str
    voted_at: dt.datetime
    revision: int


@dataclass(frozen=True)
class FileView:
    id: int
    name: str
    description: str
    kind: str
    size_bytes: int
    check: FileCheck
    released: bool


@dataclass(frozen=True)
class RequestView:
    """A request as one viewer may see it: `votes` holds only what that viewer may see (see `request_view`)."""

    id: int
    project_id: int
    project_title: str
    job_id: int | None
    title: str
    requested_by: str
    requested_by_id: int
    requested_at: dt.datetime
    status: OutputRequestStatus
    revision: int
    files: tuple[FileView, ...]
    votes: tuple[VoteView, ...]
    votes_in: int
    my_vote: VoteView | None
    can_review: bool
    released_at: dt.datetime | None


def votes_of(s: Session, request: OutputRequest) -> list[OutputReview]:
    """The votes on the request's current revision, in the order cast."""
    return list(
        s.scalars(
            select(OutputReview)
            .where(OutputReview.request_id == request.id, OutputReview.revision == request.revision)
            .order_by(OutputReview.voted_at, OutputReview.id)
        )
    )


def current_files(s: Session, request: OutputRequest) -> list[OutputFile]:
    return list(
        s.scalars(
            select(OutputFile)
            .where(OutputFile.request_id == request.id, OutputFile.revision == request.revision)
            .order_by(OutputFile.name)
        )
    )


def refusal_to_review(s: Session, actor: Actor, request: OutputRequest) -> str | None:
    """Why the actor may not vote on the request (None when they may): checkers only, independent of it."""
    if actor.role not in CHECKER_ROLES:
        return "only data stewards check outputs"
    if request.requested_by == actor.user_id:
        return "an author never reviews their own request"
    if s.get(ProjectMember, (request.project_id, actor.user_id)) is not None:
        return "members of the project cannot check its outputs"
    return None


def may_see(s: Session, actor: Actor, request: OutputRequest) -> bool:
    return actor.role in CHECKER_ROLES or s.get(ProjectMember, (request.project_id, actor.user_id)) is not None


def request_view(s: Session, actor: Actor, request: OutputRequest) -> RequestView:
    """The request as `actor` may see it (the caller has checked `may_see`)."""
    current = votes_of(s, request)
    decided = len(current) >= REVIEWERS_NEEDED
    history = list(
        s.scalars(
            select(OutputReview).where(OutputReview.request_id == request.id, OutputReview.revision < request.revision)
        )
    )
    people = {request.requested_by, *(v.reviewer_id for v in [*history, *current])}
    accounts = s.execute(select(UserAccount.id, UserAccount.username).where(UserAccount.id.in_(people)))
    names = {user_id: username for user_id, username in accounts}

    def view(v: OutputReview) -> VoteView:
        return VoteView(names.get(v.reviewer_id, "?"), ReviewDecision(v.decision), v.comments, v.voted_at, v.revision)

    shown = [*history, *current] if decided else [*history, *(v for v in current if v.reviewer_id == actor.user_id)]
    mine = next((view(v) for v in current if v.reviewer_id == actor.user_id), None)
    project = s.get(Project, request.project_id)
    files = tuple(
        FileView(
            f.id,
            f.name,
            f.description,
            f.kind,
            f.size_bytes,
            FileCheck.from_json(f.checks),
            f.released_path is not None,
        )
        for f in current_files(s, request)
    )
    can_review = (
        request.status == OutputRequestStatus.AWAITING_REVIEW
        and mine is None
        and refusal_to_review(s, actor, request) is None
    )
    return RequestView(
        request.id,
        request.project_id,
        project.title if project else "?",
        request.job_id,
        request.title,
        names.get(request.requested_by, "?"),
        request.requested_by,
        request.requested_at,
        OutputRequestStatus(request.status),
        request.revision,
        files,
        tuple(view(v) for v in shown),
        len(current),
        mine,
        can_review,
        request.released_at,
    )
