"""Loading one file as one submission: hashed, loaded whole in one transaction or rejected whole, never twice."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy import select, update
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from socialdata.errors import UserError
from socialdata.feeds.csv_reader import read_csv
from socialdata.feeds.fhir_bundle import read_bundle
from socialdata.feeds.problems import FileRejected
from socialdata.feeds.progress import Progress
from socialdata.feeds.read_summary import ReadSummary
from socialdata.feeds.results import ResultStatus, SubmissionResult
from socialdata.feeds.writer import SubmissionWriter
from socialdata.store import Database
from socialdata.store.models import FeedSubmission, QuarantineItem, SubmissionStatus

DEFAULT_MAX_SUBMISSION_BYTES = 4 * 1024**3
_HASH_CHUNK = 1024 * 1024


def max_submission_bytes() -> int:
    """SDF_MAX_SUBMISSION_BYTES, default 4 GiB: the largest file one submission may be."""
    raw = os.environ.get("SDF_MAX_SUBMISSION_BYTES", "").strip()
    if not raw:
        return DEFAULT_MAX_SUBMISSION_BYTES
    if not raw.isdigit() or int(raw) == 0:
        raise UserError(f"SDF_MAX_SUBMISSION_BYTES must be a whole number of bytes, not '{raw}'")
    return int(raw)


@dataclass(frozen=True)
class _Received:
    """A file as it arrived: its bytes' SHA-256, its size, and the submission already recorded for it, if any."""

    path: Path
    organisation: str
    sha256: str
    size: int
    earlier: FeedSubmission | None


def _format_guess(path: Path) -> str:
    return {".json": "fhir-bundle", ".csv": "csv"}.get(path.suffix.lower(), "unknown")


def ingest_file(
    db: Database, path: Path, organisation: str, encoding: str | None, progress: Progress | None
) -> SubmissionResult:
    received = _receive(db, path, organisation)
    if progress is not None:
        progress.start(path.name, received.size)
    earlier = received.earlier
    if earlier is not None and earlier.status == SubmissionStatus.LOADED:
        result = SubmissionResult(
            earlier.id,
            str(path),
            earlier.format,
            ResultStatus.DUPLICATE,
            0,
            0,
            f"already loaded as submission {earlier.id} on {earlier.received_at:%Y-%m-%d %H:%M} UTC; nothing changed",
        )
    else:
        try:
            result = _load(db, received, encoding, progress)
        except FileRejected as rejection:
            result = _record_rejection(db, received, rejection)
        except (DataError, psycopg.DataError) as exc:
            refused = FileRejected(f"the store cannot hold a value in this file ({_first_line(exc)})", where=path.name)
            result = _record_rejection(db, received, refused)
        except IntegrityError:
            # Another process recorded the same bytes while this one was loading: it is now a duplicate.
            if _receive(db, path, organisation).earlier is None:
                raise
            return ingest_file(db, path, organisation, encoding, None)
        except OperationalError as exc:
            if "database is locked" not in str(exc.orig):
                raise
            raise UserError(
                "the store is busy with another load; try again when it has finished", where=path.name
            ) from None
    if progress is not None:
        progress.finish(result)
    return result


def _first_line(exc: Exception) -> str:
    """The database's own reason (e.g. an invalid byte sequence), without the statement or its values."""
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]


def _receive(db: Database, path: Path, organisation: str) -> _Received:
    digest = hashlib.sha256()
    with path.open("rb") as raw:
        while chunk := raw.read(_HASH_CHUNK):
            digest.update(chunk)
    sha256 = digest.hexdigest()
    with db.session() as session:
        earlier = session.scalars(
            select(FeedSubmission).where(
                FeedSubmission.organisation_id == organisation, FeedSubmission.content_sha256 == sha256
            )
        ).one_or_none()
    return _Received(path, organisation, sha256, path.stat().st_size, earlier)


def _check_readable(received: _Received) -> None:
    path, size = received.path, received.size
    limit = max_submission_bytes()
    if size > limit:
        raise FileRejected(
            f"the file is {size:,} bytes, over the {limit:,}-byte limit for one submission (SDF_MAX_SUBMISSION_BYTES); "
            "split it into smaller files",
            where=path.name,
        )
    if size == 0:
        raise FileRejected("the file is empty", where=path.name)
    if _format_guess(path) == "unknown":
        raise FileRejected("not a feed file: expected a .json FHIR Bundle or a .csv extract", where=path.name)


def _load(db: Database, received: _Received, encoding: str | None, progress: Progress | None) -> SubmissionResult:
    """One transaction: submission row, staged facts, merge and quarantine commit together or not at all."""
    _check_readable(received)
    path = received.path
    with db.session() as session:
        submission = _submission_row(session, received)
        writer = SubmissionWriter(
            session.connection(), organisation=received.organisation, submission_id=submission.id, file_name=path.name
        )
        summary: ReadSummary = (
            read_bundle(path, writer, progress)
            if path.suffix.lower() == ".json"
            else read_csv(path, writer, progress, encoding)
        )
        orphans = writer.finish()
        loaded = summary.records_accepted - orphans
        submission.format = summary.format
        submission.status = SubmissionStatus.LOADED
        submission.loaded_at = writer.loaded_at
        submission.records_loaded = loaded
        submission.records_quarantined = writer.quarantined
        submission.message = None
        if received.earlier is not None:
            session.execute(
                update(QuarantineItem).where(QuarantineItem.submission_id == submission.id).values(resolved=True)
            )
        session.flush()
    return SubmissionResult(
        submission.id, str(path), summary.format, ResultStatus.LOADED, loaded, writer.quarantined, None
    )


def _submission_row(session: Session, received: _Received) -> FeedSubmission:
    """The rejected submission of the same bytes is reused (and becomes loaded); otherwise a new one."""
    if received.earlier is not None:
        submission = session.get(FeedSubmission, received.earlier.id)
        assert submission is not None
        return submission
    submission = FeedSubmission(
        organisation_id=received.organisation,
        file_name=received.path.name[:500],
        content_sha256=received.sha256,
        size_bytes=received.size,
        format=_format_guess(received.path),
        status=SubmissionStatus.LOADED,
        received_at=dt.datetime.now(dt.UTC),
    )
    session.add(submission)
    session.flush()
    return submission


def _record_rejection(db: Database, received: _Received, rejection: FileRejected) -> SubmissionResult:
    """A rejected file is recorded with its reason and one quarantine item, so the partner sees why.

    The same bytes rejected again (say, before --encoding was given) reuse that submission and its one item.
    """
    path = received.path
    where = rejection.where or path.name
    location = where.removeprefix(path.name).removeprefix(", ") or "whole file"
    with db.session() as session:
        if received.earlier is not None:
            submission = session.get(FeedSubmission, received.earlier.id)
            assert submission is not None
            submission.message = rejection.message
            session.execute(
                update(QuarantineItem)
                .where(QuarantineItem.submission_id == submission.id)
                .values(location=location, field=rejection.field, message=rejection.message, resolved=False)
            )
        else:
            submission = FeedSubmission(
                organisation_id=received.organisation,
                file_name=path.name[:500],
                content_sha256=received.sha256,
                size_bytes=received.size,
                format=_format_guess(path),
                status=SubmissionStatus.REJECTED,
                received_at=dt.datetime.now(dt.UTC),
                message=rejection.message,
            )
            session.add(submission)
            session.flush()
            session.add(
                QuarantineItem(
                    organisation_id=received.organisation,
                    submission_id=submission.id,
                    file_name=path.name[:500],
                    location=location[:100],
                    field=(rejection.field or None) and rejection.field[:200],
                    message=rejection.message,
                )
            )
    return SubmissionResult(submission.id, str(path), submission.format, ResultStatus.REJECTED, 0, 1, str(rejection))
