"""Streams a FHIR R4 transaction Bundle entry by entry (ijson's C backend), so memory stays flat at any file size."""

from __future__ import annotations

import ast
import contextlib
from pathlib import Path
from typing import BinaryIO

import ijson
import orjson

from socialdata.feeds.fhir_resources import load_entry
from socialdata.feeds.problems import FileRejected, RecordProblem
from socialdata.feeds.progress import PROGRESS_EVERY, Progress
from socialdata.feeds.read_summary import ReadSummary
from socialdata.feeds.writer import SubmissionWriter

FORMAT = "fhir-bundle"
_BOM = b"\xef\xbb\xbf"
_CHUNK = 64 * 1024


class _CountingReader:
    """Counts the bytes the parser has taken; from `slow_after` on it hands them over one at a time (to find errors)."""

    def __init__(self, raw: BinaryIO, slow_after: int | None = None) -> None:
        self.raw = raw
        self.slow_after = slow_after
        self.position = 3 if raw.read(3) == _BOM else 0
        raw.seek(self.position)
        self.chunk_start = self.position

    def read(self, size: int = _CHUNK) -> bytes:
        if size == 0:  # ijson probes with read(0) to see whether the file gives bytes or text
            return b""
        if self.slow_after is not None:
            size = 1 if self.position >= self.slow_after else min(size, self.slow_after - self.position)
        data = self.raw.read(size)
        self.chunk_start = self.position
        self.position += len(data)
        return data


def read_bundle(path: Path, writer: SubmissionWriter, progress: Progress | None) -> ReadSummary:
    """Checks the Bundle's header, then hands each entry to the writer; a malformed file is rejected whole."""
    _check_header(path)
    accepted = 0
    with path.open("rb") as raw:
        reader = _CountingReader(raw)
        try:
            for number, entry in enumerate(ijson.items(reader, "entry.item", use_float=True), start=1):
                writer.location = f"entry {number}"
                try:
                    load_entry(entry, writer)
                    accepted += 1
                except RecordProblem as problem:
                    writer.quarantine(problem, orjson.dumps(entry, default=str).decode())
                if progress is not None and number % PROGRESS_EVERY == 0:
                    progress.advance(reader.position, number)
        except ijson.JSONError as exc:
            raise _malformed(path, reader.chunk_start, exc) from None
    return ReadSummary(FORMAT, accepted)


def _check_header(path: Path) -> None:
    """resourceType Bundle and type transaction, read from the top-level keys without loading the entries."""
    found: dict[str, object] = {}
    with path.open("rb") as raw:
        reader = _CountingReader(raw)
        try:
            events = ijson.parse(reader)
            _prefix, first, _value = next(events)
            if first != "start_map":
                raise FileRejected(
                    f"not a FHIR Bundle: the file holds a JSON {first.removeprefix('start_')}, not an object",
                    where=path.name,
                )
            for prefix, event, value in events:
                if prefix in ("resourceType", "type") and event not in ("map_key", "start_map", "start_array"):
                    found[prefix] = value
                    if len(found) == 2:
                        break
        except ijson.JSONError as exc:
            raise _malformed(path, reader.chunk_start, exc) from None
    if found.get("resourceType") != "Bundle":
        got = f"resourceType is {found['resourceType']!r}" if "resourceType" in found else "there is no resourceType"
        raise FileRejected(f"not a FHIR Bundle: {got}", where=path.name, field="resourceType")
    if found.get("type") != "transaction":
        got = f"its type is {found['type']!r}" if "type" in found else "it has no type"
        raise FileRejected(
            f"the Bundle is not a transaction ({got}); partners submit transaction Bundles",
            where=path.name,
            field="type",
        )


def _malformed(path: Path, chunk_start: int, exc: Exception) -> FileRejected:
    """Says where the JSON breaks: the parser is re-run, one byte at a time from the failing chunk on."""
    offset = path.stat().st_size
    with path.open("rb") as raw:
        reader = _CountingReader(raw, slow_after=chunk_start)
        try:
            for _event in ijson.parse(reader):
                pass
        except ijson.JSONError:
            offset = max(reader.position - 1, 0)
    line, column = _line_and_column(path, offset)
    return FileRejected(
        f"malformed JSON at byte {offset} (line {line}, column {column}): {_reason(exc)}", where=path.name
    )


def _line_and_column(path: Path, offset: int) -> tuple[int, int]:
    line, line_start, done = 1, 0, 0
    with path.open("rb") as raw:
        while done < offset:
            chunk = raw.read(min(_CHUNK, offset - done))
            if not chunk:
                break
            newlines = chunk.count(b"\n")
            if newlines:
                line += newlines
                line_start = done + chunk.rindex(b"\n") + 1
            done += len(chunk)
    return line, offset - line_start + 1


def _reason(exc: Exception) -> str:
    """yajl's first line ("parse error: premature EOF"), without the excerpt of the file it appends."""
    text = str(exc)
    if text.startswith(("b'", 'b"')):
        with contextlib.suppress(ValueError, SyntaxError):
            text = ast.literal_eval(text).decode("utf-8", "replace")
    first = text.strip().splitlines()[0] if text.strip() else "the JSON is not well formed"
    first = first.removeprefix("parse error: ").removeprefix("lexical error: ")
    if first.startswith("premature EOF"):
        return "the file ends before the JSON is complete"
    return first
