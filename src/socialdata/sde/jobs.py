"""Jobs: a researcher's dataset definition and analysis script, run against their project's extract in isolation.

Submitting asks the gate (`open_project`, audited with the job's id) and needs a built extract; the job then runs in
the sandbox (see `sandbox`) with its workspace as the only writable place. States: queued -> running -> succeeded |
failed | cancelled. The log (kept outside the workspace, so the job cannot rewrite it) starts with what isolation was
in force and ends with how the job ended. Cancel kills the job's whole process group.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update

from socialdata.access import AccessGate, Actor
from socialdata.audit import Action
from socialdata.config import Settings
from socialdata.errors import UserError
from socialdata.sde.extracts import latest_extract, project_purpose
from socialdata.sde.job_runner import DEFINITION_FILE, SCRIPT_FILE
from socialdata.sde.paths import jobs_dir, private_dir
from socialdata.sde.sandbox import JobLimits, limiter, probe_isolation, readable_trees, sandbox_command
from socialdata.store import Database
from socialdata.store.models import JobState, ProjectExtract, ProjectMember, SdeJob
from socialdata.store.types import utcnow

LARGEST_UPLOAD = 512 * 1024
FINISHED = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})
NO_PROJECT = 0  # ids start at 1


@dataclass(frozen=True)
class JobView:
    id: int
    project_id: int
    submitted_by: int
    state: JobState
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    exit_code: int | None
    message: str | None
    isolation: str | None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


def _view(job: SdeJob) -> JobView:
    return JobView(
        job.id,
        job.project_id,
        job.submitted_by,
        JobState(job.state),
        job.created_at,
        job.started_at,
        job.finished_at,
        job.exit_code,
        job.message,
        job.isolation,
    )


def job_workspace(settings: Settings, job_id: int) -> Path:
    """The job's workspace: its definition and script, dataset.csv, and what it wrote under outputs/."""
    return jobs_dir(settings) / f"job-{job_id}"


def job_log_path(settings: Settings, job_id: int) -> Path:
    return jobs_dir(settings) / f"job-{job_id}.log"


def output_files(settings: Settings, job_id: int) -> list[Path]:
    """The files the job wrote under outputs/, sorted, as paths relative to outputs/."""
    outputs = job_workspace(settings, job_id) / "outputs"
    if not outputs.is_dir():
        return []
    return sorted(p.relative_to(outputs) for p in outputs.rglob("*") if p.is_file() and not p.is_symlink())


def _checked_source(text: str, what: str) -> str:
    if not text.strip():
        raise UserError(f"the {what} is empty", where=what)
    if len(text.encode()) > LARGEST_UPLOAD:
        raise UserError(f"the {what} is larger than {LARGEST_UPLOAD // 1024} KiB", where=what)
    if "\x00" in text:
        raise UserError(f"the {what} contains a NUL character; upload a Python source file", where=what)
    return text


def submit_job(
    db: Database, actor: Actor, project_id: int, definition: str, script: str, *, gate: AccessGate | None = None
) -> int:
    """Queue a job for a member of a project in its access stage with a built extract; returns the job's id."""
    gate = gate or AccessGate(db)
    purpose = project_purpose(db, project_id)
    with gate.open_project(
        actor, project_id, purpose, action=Action.EXECUTE, entity_type="SdeJob", entity_id=str(project_id)
    ) as pa:
        definition = _checked_source(definition, "definition")
        script = _checked_source(script, "script")
        extract = latest_extract(pa.session, project_id)
        if extract is None:
            raise UserError(f"project {project_id} has no extract yet: build it first", where="extract")
        job = SdeJob(project_id=project_id, submitted_by=actor.user_id, extract_id=extract.id, state=JobState.QUEUED)
        pa.session.add(job)
        pa.session.flush()
        workspace = private_dir(job_workspace(db.settings, job.id))
        (workspace / "outputs").mkdir()
        (workspace / DEFINITION_FILE).write_text(definition)
        (workspace / SCRIPT_FILE).write_text(script)
        pa.detail.update({"job_id": job.id, "extract_id": extract.id})
        return job.id


def _set_state(db: Database, job_id: int, state: JobState, *, only_from: set[JobState], **fields: object) -> bool:
    """Move the job to `state` unless something else (a cancel) moved it first; True when it moved."""
    with db.session() as s:
        moved = s.execute(
            update(SdeJob)
            .where(SdeJob.id == job_id, SdeJob.state.in_([str(x) for x in only_from]))
            .values(state=state, **fields)
        )
        return bool(moved.rowcount)  # type: ignore[attr-defined]


def _begin(db: Database, job_id: int, limits: JobLimits) -> tuple[Path, list[str], bool]:
    """The extract to run against, the log's opening lines, and whether the job may start at all."""
    isolation = probe_isolation()
    with db.session() as s:
        job = s.get(SdeJob, job_id)
        if job is None:
            raise UserError(f"there is no job {job_id}", where="job")
        extract = s.get(ProjectExtract, job.extract_id) if job.extract_id is not None else None
    header = [
        f"job {job_id} of project {job.project_id}, against extract {job.extract_id}",
        *isolation.describe(limits),
    ]
    exposed = [tree for tree in readable_trees() if db.settings.home.is_relative_to(tree)]
    if exposed:
        header.append(f"Refused: SDF_HOME ({db.settings.home}) lies under {exposed[0]}, which a job can read.")
    elif isolation.available and (extract is None or extract.status != "built" or not Path(extract.path).exists()):
        header.append("Refused: the extract this job was submitted against has been replaced or deleted.")
    runnable = isolation.available and not header[-1].startswith("Refused")
    return Path(extract.path if extract is not None else "/nonexistent"), header, runnable


def run_job(db: Database, job_id: int, *, limits: JobLimits | None = None) -> JobView:
    """Run a queued job to its end in the sandbox (blocking); the state, exit code and log record how it went."""
    limits = limits or JobLimits()
    if job_view(db, job_id).state != JobState.QUEUED:
        return job_view(db, job_id)  # cancelled before it started, or already run: its log stays as it is
    extract, header, runnable = _begin(db, job_id, limits)
    isolation = "\n".join(header)
    log_path = job_log_path(db.settings, job_id)
    log_path.write_text(isolation + "\n\n")
    if not runnable:
        _set_state(
            db,
            job_id,
            JobState.FAILED,
            only_from={JobState.QUEUED},
            finished_at=utcnow(),
            isolation=isolation,
            message=header[-1],
        )
        return job_view(db, job_id)
    root = Path(tempfile.mkdtemp(prefix=f"sde-job-{job_id}-"))
    try:
        with log_path.open("ab") as log:
            command = sandbox_command(
                root, job_workspace(db.settings, job_id), extract, [sys.executable, "-m", "socialdata.sde.job_runner"]
            )
            process = subprocess.Popen(  # noqa: S603 (the sandbox command is built from fixed program names)
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=limiter(limits),
            )
            started = _set_state(
                db,
                job_id,
                JobState.RUNNING,
                only_from={JobState.QUEUED},
                started_at=utcnow(),
                isolation=isolation,
                pid=process.pid,
            )
            if not started:
                _kill(process.pid)
            code, timed_out = _wait(process, limits.wall_seconds)
        if timed_out:
            message = f"stopped: it ran longer than the wall-clock limit of {limits.wall_seconds} s"
        elif code == 0:
            message = "finished"
        else:
            message = f"failed with exit code {code}" + (" (killed by a signal or a limit)" if code < 0 else "")
        state = JobState.SUCCEEDED if code == 0 and not timed_out else JobState.FAILED
        ended = _set_state(
            db,
            job_id,
            state,
            only_from={JobState.RUNNING},
            finished_at=utcnow(),
            exit_code=code,
            message=message,
            pid=None,
        )
        if ended:  # otherwise it was cancelled, and the cancel has said so in the log
            with log_path.open("a") as log:
                log.write(f"\n{message}\n")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return job_view(db, job_id)


def _wait(process: subprocess.Popen[bytes], wall_seconds: int) -> tuple[int, bool]:
    try:
        return process.wait(timeout=wall_seconds), False
    except subprocess.TimeoutExpired:
        _kill(process.pid)
        return process.wait(), True


def _kill(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def start_job(db: Database, job_id: int, *, limits: JobLimits | None = None) -> threading.Thread:
    """Run the job on a background thread (the web app does this, so the page can come back at once)."""
    thread = threading.Thread(target=run_job, args=(db, job_id), kwargs={"limits": limits}, daemon=True)
    thread.start()
    return thread


def job_view(db: Database, job_id: int) -> JobView:
    with db.session() as s:
        job = s.get(SdeJob, job_id)
        if job is None:
            raise UserError(f"there is no job {job_id}", where="job")
        return _view(job)


def _project_of(db: Database, job_id: int) -> int:
    """The job's project, or NO_PROJECT when there is no such job (the gate then refuses, and audits the attempt)."""
    with db.session() as s:
        job = s.get(SdeJob, job_id)
        return job.project_id if job is not None else NO_PROJECT


def cancel_job(db: Database, actor: Actor, job_id: int, *, gate: AccessGate | None = None) -> JobView:
    """Cancel a queued or running job (its whole process group is killed); a finished job stays as it ended."""
    gate = gate or AccessGate(db)
    project_id = _project_of(db, job_id)
    with gate.open_project(
        actor,
        project_id,
        project_purpose(db, project_id),
        action=Action.UPDATE,
        entity_type="SdeJob",
        entity_id=str(job_id),
    ) as pa:
        job = pa.session.get(SdeJob, job_id)
        assert job is not None
        if job.state in FINISHED:
            raise UserError(f"job {job_id} has already {job.state}", where="job")
        pid = job.pid
        job.state, job.finished_at, job.message = JobState.CANCELLED, pa.at, f"cancelled by {actor.username}"
        pa.detail.update({"job_id": job_id, "cancelled": True})
    if pid is not None:
        _kill(pid)
        with job_log_path(db.settings, job_id).open("a") as log:
            log.write(f"\ncancelled by {actor.username}\n")
    return job_view(db, job_id)


def job_log(
    db: Database, actor: Actor, job_id: int, *, gate: AccessGate | None = None, tail_bytes: int | None = None
) -> str:
    """The job's log for a member of its project (it may quote the extract's rows, so the gate decides, audited);
    with `tail_bytes`, its opening (the isolation in force) and at most that much of its end."""
    gate = gate or AccessGate(db)
    project_id = _project_of(db, job_id)
    with gate.open_project(
        actor,
        project_id,
        project_purpose(db, project_id),
        action=Action.READ,
        entity_type="SdeJobLog",
        entity_id=str(job_id),
    ):
        return _read_log(job_log_path(db.settings, job_id), tail_bytes)


def _read_log(path: Path, tail_bytes: int | None) -> str:
    if not path.exists():
        return ""
    size = path.stat().st_size
    with path.open("rb") as log:
        if tail_bytes is None or size <= 2 * tail_bytes:
            return log.read().decode(errors="replace")
        head = log.read(tail_bytes // 4)
        log.seek(size - tail_bytes)
        tail = log.read()
    skipped = size - len(head) - len(tail)
    return (
        f"{head.decode(errors='replace')}\n… {skipped:,} bytes of the log not shown …\n{tail.decode(errors='replace')}"
    )


def project_jobs(db: Database, actor: Actor, project_id: int) -> list[JobView]:
    """A project's jobs, newest first, for its members (no person-level data: states and times only)."""
    with db.session() as s:
        if s.get(ProjectMember, (project_id, actor.user_id)) is None:
            raise UserError(f"you are not a member of project {project_id}", where="project")
        jobs = s.scalars(select(SdeJob).where(SdeJob.project_id == project_id).order_by(SdeJob.id.desc()))
        return [_view(job) for job in jobs]
