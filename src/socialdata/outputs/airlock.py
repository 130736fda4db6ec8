"""The output airlock: a project member asks to release files a job wrote; the automatic checks run (a file that
fails cannot be requested); two output checkers (data stewards, never the author or a member of the project) vote
independently — neither sees the other's vote until both have voted; then both approving releases the files, both
rejecting rejects the request, and anything else returns it to the researcher with the comments, to revise. Every
step is audited in the same transaction as the change it records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdata.access import AccessGate, Actor
from socialdata.access.secondary_use import PROJECT_PURPOSES
from socialdata.audit import Action, AuditEvent, Outcome, append_event
from socialdata.config import Settings
from socialdata.errors import UserError
from socialdata.outputs.checks import check_output, read_csv_text
from socialdata.outputs.differencing import NamedTable
from socialdata.outputs.findings import FileCheck
from socialdata.outputs.findings import Outcome as CheckOutcome
from socialdata.outputs.request_views import (
    CHECKER_ROLES,
    REVIEWERS_NEEDED,
    RequestView,
    current_files,
    may_see,
    refusal_to_review,
    request_view,
    votes_of,
)
from socialdata.outputs.rules import DEFAULT_RULES, DisclosureRules
from socialdata.outputs.storage import (
    checked_name,
    release_copy,
    released_dir,
    sha256_of,
    snapshot,
    snapshot_dir,
    source_file,
)
from socialdata.outputs.table_files import read_table
from socialdata.sde.extracts import project_purpose
from socialdata.sde.jobs import job_workspace, output_files
from socialdata.store import Database
from socialdata.store.models import (
    JobState,
    OutputFile,
    OutputRequest,
    OutputRequestStatus,
    OutputReview,
    Project,
    ProjectMember,
    ReviewDecision,
    SdeJob,
)
from socialdata.store.types import utcnow

DESCRIPTION_SHORTEST = 10
TEXT_LONGEST = 2000
OPEN_STATUSES = (OutputRequestStatus.AWAITING_REVIEW, OutputRequestStatus.RETURNED, OutputRequestStatus.RELEASED)


@dataclass(frozen=True)
class FileToRelease:
    """A file under the job's outputs/ folder and what it shows, in the researcher's words (published if released)."""

    name: str
    description: str


def _text(value: str, where: str, *, shortest: int = 0) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        raise UserError("it contains a NUL character: remove it", where=where)
    if len(text) < shortest:
        raise UserError(f"say what it shows in at least {shortest} characters", where=where)
    if len(text) > TEXT_LONGEST:
        raise UserError(f"keep it under {TEXT_LONGEST} characters", where=where)
    return text


def rules_for(project: Project) -> DisclosureRules:
    return DEFAULT_RULES.with_min_cell_count(project.min_cell_count)


def _project_tables(s: Session, settings: Settings, project_id: int, skip: int | None) -> list[NamedTable]:
    """Tables already requested or released in the project (their current revision), for the differencing check."""
    rows = s.execute(
        select(OutputRequest.id, OutputRequest.revision, OutputFile.name)
        .join(OutputFile, (OutputFile.request_id == OutputRequest.id) & (OutputFile.revision == OutputRequest.revision))
        .where(OutputRequest.project_id == project_id, OutputRequest.status.in_(OPEN_STATUSES))
    )
    tables = []
    for request_id, revision, name in rows:
        if request_id == skip or not name.lower().endswith(".csv"):
            continue
        path = snapshot_dir(settings, request_id, revision) / name
        if not path.is_file():
            continue
        read = read_table(read_csv_text(path.read_bytes()))
        if read.table is not None:
            tables.append(NamedTable(f"{name} (request {request_id})", read.table))
    return tables


class Airlock:
    """The airlock over one store; `clock` gives "now" (tests set it)."""

    def __init__(self, db: Database, *, gate: AccessGate | None = None, clock: Callable[[], dt.datetime] = utcnow):
        self._db = db
        self._gate = gate or AccessGate(db, clock=clock)
        self._clock = clock

    # -- researchers ---------------------------------------------------------------------------------------------

    def _job(self, actor: Actor, job_id: int) -> SdeJob:
        with self._db.session() as s:
            job = s.get(SdeJob, job_id)
            if job is None or s.get(ProjectMember, (job.project_id, actor.user_id)) is None:
                raise UserError(f"there is no job {job_id} in your projects", where="job")
            if job.state != JobState.SUCCEEDED:
                raise UserError(
                    f"job {job_id} has {job.state}: only a finished job's outputs can be released", where="job"
                )
            s.expunge(job)
            return job

    def _checks(
        self, s: Session, project: Project, job_id: int, files: Sequence[FileToRelease], skip_request: int | None
    ) -> list[tuple[FileToRelease, Path, FileCheck]]:
        """Every file checked, each table also against the project's other tables and the earlier files given."""
        if not files:
            raise UserError("choose at least one file to release", where="files")
        names = [str(checked_name(f.name)) for f in files]
        if len(set(names)) != len(names):
            raise UserError("a file is listed twice", where="files")
        outputs = job_workspace(self._db.settings, job_id) / "outputs"
        rules = rules_for(project)
        others = _project_tables(s, self._db.settings, project.id, skip_request)
        checked = []
        for item in files:
            path = source_file(outputs, item.name)
            check, read = check_output(path, rules, others, name=str(checked_name(item.name)))
            checked.append((item, path, check))
            if read is not None and read.table is not None:
                others.append(NamedTable(f"{check.name} (this request)", read.table))
        return checked

    def job_outputs(self, actor: Actor, job_id: int) -> list[str]:
        """The names of the files a finished job of the actor's projects wrote under outputs/ (names only)."""
        self._job(actor, job_id)
        return [str(p) for p in output_files(self._db.settings, job_id)]

    def check_context(self, actor: Actor, project_id: int) -> tuple[DisclosureRules, list[NamedTable]]:
        """For a member checking a file of their own before requesting it: the project's rules and the tables
        already requested or released in it (to difference against)."""
        with self._db.session() as s:
            project = s.get(Project, project_id)
            if project is None or s.get(ProjectMember, (project_id, actor.user_id)) is None:
                raise UserError(f"you are not a member of project {project_id}", where="project")
            return rules_for(project), _project_tables(s, self._db.settings, project_id, None)

    def preview(self, actor: Actor, job_id: int, files: Sequence[FileToRelease]) -> list[FileCheck]:
        """The automatic checks on files a job wrote, without requesting anything (audited as a read of the job's
        outputs: they come from the project's data)."""
        job = self._job(actor, job_id)
        purpose = project_purpose(self._db, job.project_id)
        with self._gate.open_project(
            actor, job.project_id, purpose, action=Action.READ, entity_type="SdeJobOutputs", entity_id=str(job_id)
        ) as pa:
            checked = self._checks(pa.session, pa.project, job_id, files, None)
            pa.detail.update({"job_id": job_id, "files": [c.name for _, _, c in checked]})
            return [check for _, _, check in checked]

    def _store_files(
        self, s: Session, request: OutputRequest, checked: list[tuple[FileToRelease, Path, FileCheck]]
    ) -> None:
        failing = [c for _, _, c in checked if c.outcome is CheckOutcome.FAIL]
        if failing:
            said = "; ".join(
                f"{c.name}: " + ", ".join(f.rule for f in c.problems if f.outcome is CheckOutcome.FAIL) for c in failing
            )
            raise UserError(f"these files fail the automatic checks and cannot be requested — {said}", where="files")
        folder = snapshot_dir(self._db.settings, request.id, request.revision)
        for item, path, check in checked:
            target = folder / check.name
            snapshot(path, target)
            s.add(
                OutputFile(
                    request_id=request.id,
                    revision=request.revision,
                    name=check.name,
                    description=_text(item.description, f"description of {check.name}", shortest=DESCRIPTION_SHORTEST),
                    kind=check.kind,
                    source_path=str(path),
                    sha256=sha256_of(target),
                    size_bytes=target.stat().st_size,
                    checks=check.as_json(),
                    checks_passed=check.outcome is CheckOutcome.PASS,
                )
            )

    def request_release(self, actor: Actor, job_id: int, title: str, files: Sequence[FileToRelease]) -> int:
        """Ask for files a finished job wrote to be released; returns the request's id. Refused (nothing written)
        when any file fails the automatic checks."""
        job = self._job(actor, job_id)
        title = _text(title, "title", shortest=3)
        purpose = project_purpose(self._db, job.project_id)
        with self._gate.open_project(
            actor, job.project_id, purpose, action=Action.CREATE, entity_type="OutputRequest", entity_id=str(job_id)
        ) as pa:
            checked = self._checks(pa.session, pa.project, job_id, files, None)
            request = OutputRequest(
                project_id=job.project_id,
                job_id=job_id,
                title=title,
                requested_by=actor.user_id,
                requested_at=pa.at,
                status=OutputRequestStatus.AWAITING_REVIEW,
                revision=1,
            )
            pa.session.add(request)
            pa.session.flush()
            self._store_files(pa.session, request, checked)
            pa.detail.update(
                {"output_request_id": request.id, "job_id": job_id, "files": [c.name for _, _, c in checked]}
            )
            return request.id

    def revise(self, actor: Actor, request_id: int, job_id: int, files: Sequence[FileToRelease]) -> int:
        """Answer a returned request with a new revision (files from the same or a later job of the project); the
        checks run again and two fresh votes are needed. Returns the new revision number."""
        job = self._job(actor, job_id)
        purpose = project_purpose(self._db, job.project_id)
        with self._gate.open_project(
            actor, job.project_id, purpose, action=Action.UPDATE, entity_type="OutputRequest", entity_id=str(request_id)
        ) as pa:
            request = pa.session.get(OutputRequest, request_id, with_for_update=True)
            if request is None or request.project_id != job.project_id:
                raise UserError(f"there is no request {request_id} in project {job.project_id}", where="request")
            if request.status != OutputRequestStatus.RETURNED:
                raise UserError(
                    f"request {request_id} is {request.status}: only a returned request is revised", where="request"
                )
            checked = self._checks(pa.session, pa.project, job_id, files, request_id)
            request.revision += 1
            request.job_id, request.status, request.revised_at = job_id, OutputRequestStatus.AWAITING_REVIEW, pa.at
            self._store_files(pa.session, request, checked)
            pa.detail.update({"output_request_id": request_id, "revision": request.revision, "job_id": job_id})
            return request.revision

    # -- output checkers -----------------------------------------------------------------------------------------

    def _audit(
        self, s: Session, actor: Actor, request: OutputRequest, action: Action, detail: dict[str, object]
    ) -> None:
        project = s.get(Project, request.project_id)
        purpose = PROJECT_PURPOSES.get(project.purpose if project else "", PROJECT_PURPOSES["research"])
        append_event(
            s,
            AuditEvent(
                user_id=actor.user_id,
                username=actor.username,
                role=actor.role.value,
                organisation_id=actor.organisation_id,
                patient_id=None,
                action=action,
                purpose=purpose.purpose_of_use,
                outcome=Outcome.SUCCESS,
                entity_type="OutputRequest",
                entity_id=str(request.id),
                detail={"project_id": request.project_id, "revision": request.revision, **detail},
                recorded_at=self._clock(),
            ),
        )

    def review(self, actor: Actor, request_id: int, decision: ReviewDecision, comments: str = "") -> RequestView:
        """One checker's vote on the request's current revision. The second vote decides: both approve -> released
        (files copied to the released area), both reject -> rejected, otherwise returned to the researcher."""
        decision = ReviewDecision(decision)
        comments = _text(comments, "comments")
        if decision is not ReviewDecision.APPROVE and len(comments) < DESCRIPTION_SHORTEST:
            raise UserError("say why, so the researcher can act on it", where="comments")
        with self._db.session() as s:
            request = s.get(OutputRequest, request_id, with_for_update=True)
            if request is None:
                raise UserError(f"there is no output request {request_id}", where="request")
            refusal = refusal_to_review(s, actor, request)
            if refusal is not None:
                raise UserError(refusal, where="review")
            if request.status != OutputRequestStatus.AWAITING_REVIEW:
                raise UserError(f"request {request_id} is {request.status}, not awaiting review", where="request")
            votes = votes_of(s, request)
            if any(v.reviewer_id == actor.user_id for v in votes):
                raise UserError("you have already voted on this revision: one vote each", where="review")
            now = self._clock()
            vote = OutputReview(
                request_id=request.id,
                revision=request.revision,
                reviewer_id=actor.user_id,
                decision=decision,
                comments=comments,
                voted_at=now,
            )
            s.add(vote)
            votes = [*votes, vote]
            outcome = self._decide(s, request, votes, now) if len(votes) >= REVIEWERS_NEEDED else None
            self._audit(s, actor, request, Action.UPDATE, {"vote": decision.value, "outcome": outcome or "awaiting"})
        return self.request_view(actor, request_id)

    def _decide(self, s: Session, request: OutputRequest, votes: list[OutputReview], now: dt.datetime) -> str:
        decisions = {ReviewDecision(v.decision) for v in votes}
        request.decided_at = now
        if decisions == {ReviewDecision.APPROVE}:
            files = current_files(s, request)
            target = released_dir(self._db.settings, request.project_id, request.id)
            for f in files:
                release_copy(snapshot_dir(self._db.settings, request.id, request.revision) / f.name, target / f.name)
                f.released_path = str(target / f.name)
            request.status, request.released_at = OutputRequestStatus.RELEASED, now
        elif decisions == {ReviewDecision.REJECT}:
            request.status = OutputRequestStatus.REJECTED
        else:
            request.status = OutputRequestStatus.RETURNED
        return request.status

    # -- reading -------------------------------------------------------------------------------------------------

    def request_view(self, actor: Actor, request_id: int) -> RequestView:
        """A request for a member of its project or an output checker (the same refusal when it does not exist)."""
        with self._db.session() as s:
            request = s.get(OutputRequest, request_id)
            if request is None or not may_see(s, actor, request):
                raise UserError(f"there is no output request {request_id} you may see", where="request")
            return request_view(s, actor, request)

    def project_requests(self, actor: Actor, project_id: int) -> list[RequestView]:
        """A project's requests, newest first, for its members."""
        with self._db.session() as s:
            if s.get(ProjectMember, (project_id, actor.user_id)) is None:
                raise UserError(f"you are not a member of project {project_id}", where="project")
            requests = s.scalars(
                select(OutputRequest).where(OutputRequest.project_id == project_id).order_by(OutputRequest.id.desc())
            )
            return [request_view(s, actor, r) for r in requests]

    def my_requests(self, actor: Actor) -> list[RequestView]:
        """Every request of every project the actor is a member of, newest first."""
        with self._db.session() as s:
            projects = select(ProjectMember.project_id).where(ProjectMember.user_id == actor.user_id)
            requests = s.scalars(
                select(OutputRequest).where(OutputRequest.project_id.in_(projects)).order_by(OutputRequest.id.desc())
            )
            return [request_view(s, actor, r) for r in requests]

    def queue(self, actor: Actor) -> list[RequestView]:
        """For an output checker: requests awaiting review, oldest first (those they may vote on marked so)."""
        if actor.role not in CHECKER_ROLES:
            raise UserError("only data stewards check outputs", where="role")
        with self._db.session() as s:
            requests = s.scalars(
                select(OutputRequest)
                .where(OutputRequest.status == OutputRequestStatus.AWAITING_REVIEW)
                .order_by(OutputRequest.id)
            )
            return [request_view(s, actor, r) for r in requests]

    def file_content(self, actor: Actor, request_id: int, file_id: int) -> tuple[str, bytes]:
        """A file of a request's current revision as checked (for a checker or a project member); audited."""
        with self._db.session() as s:
            request = s.get(OutputRequest, request_id)
            f = s.get(OutputFile, file_id)
            if request is None or f is None or f.request_id != request_id or not may_see(s, actor, request):
                raise UserError("there is no such file you may see", where="file")
            data = (snapshot_dir(self._db.settings, request_id, f.revision) / f.name).read_bytes()
            self._audit(s, actor, request, Action.READ, {"file": f.name, "file_revision": f.revision})
            return f.name, data
