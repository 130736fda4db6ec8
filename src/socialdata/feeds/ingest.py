"""`ingest_path`: a file or a folder of files, each its own submission, for one registered organisation."""

from __future__ import annotations

from pathlib import Path

from socialdata.errors import UserError
from socialdata.feeds.csv_reader import checked_encoding
from socialdata.feeds.progress import Progress
from socialdata.feeds.results import SubmissionResult
from socialdata.feeds.submission import ingest_file
from socialdata.store import Database
from socialdata.store.models import Organisation


def ingest_path(
    db: Database, path: Path, org: str, *, encoding: str | None = None, progress: Progress | None = None
) -> list[SubmissionResult]:
    """Loads each file (a folder's files sorted by name); a file that cannot be read is a `rejected` result."""
    org = org.strip().upper()  # codes are registered upper case
    if encoding is not None:
        checked_encoding(encoding)
    with db.session() as session:
        if session.get(Organisation, org) is None:
            raise UserError(
                f"unknown organisation '{org}'; register it first with `sdf org add {org} --name NAME --kind KIND`"
            )
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        if not files:
            raise UserError("the folder holds no files to ingest", where=str(path))
    elif path.is_file():
        files = [path]
    else:
        raise UserError("no such file or folder", where=str(path))
    return [ingest_file(db, file, org, encoding, progress) for file in files]
