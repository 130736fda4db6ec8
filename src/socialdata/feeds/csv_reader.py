"""Streams a CSV extract row by row (the csv module over decoded lines), naming the line of any bad byte."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from socialdata.errors import UserError
from socialdata.feeds.csv_layouts import match_layout
from socialdata.feeds.problems import FileRejected, RecordProblem
from socialdata.feeds.progress import PROGRESS_EVERY, Progress
from socialdata.feeds.read_summary import ReadSummary
from socialdata.feeds.writer import SubmissionWriter

_BOM = b"\xef\xbb\xbf"


def checked_encoding(encoding: str | None) -> str:
    """The codec to decode CSV files with; UTF-8 (with or without a byte-order mark) unless told otherwise."""
    name = encoding or "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise UserError(f"unknown encoding '{name}' (try utf-8, latin-1 or cp1252)", where="--encoding") from None


def _lines(raw: BinaryIO, encoding: str, file_name: str) -> Iterator[str]:
    """Decodes line by line so that a byte the encoding cannot read is reported with its line number."""
    first = raw.read(3)
    if first != _BOM or not encoding.startswith("utf-8"):
        raw.seek(0)
    for number, line in enumerate(raw, start=1):
        try:
            yield line.decode(encoding)
        except UnicodeDecodeError as exc:
            hint = " (if it is Latin-1, run again with --encoding latin-1)" if encoding == "utf-8" else ""
            raise FileRejected(
                f"line {number} is not valid {encoding}: byte 0x{line[exc.start]:02X} at column {exc.start + 1}{hint}",
                where=file_name,
            ) from None


def _as_csv_line(row: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(row)
    return buffer.getvalue()


def read_csv(path: Path, writer: SubmissionWriter, progress: Progress | None, encoding: str | None) -> ReadSummary:
    """Matches the header to a layout, then hands each row to it; rows are numbered as a spreadsheet shows them."""
    codec = checked_encoding(encoding)
    with path.open("rb") as raw:
        reader = csv.reader(_lines(raw, codec, path.name))
        try:
            header = next(reader, None)
            if not header or not any(h.strip() for h in header):
                raise FileRejected("the file has no header row", where=path.name)
            matched = match_layout(header, path.name)
            width, load_row, pick = len(header), matched.layout.load_row, matched.pick
            accepted = records = 0
            row_start = reader.line_num + 1
            for row in reader:
                if row:
                    records += 1
                    writer.location = f"row {row_start}"
                    try:
                        if len(row) != width:
                            raise RecordProblem(None, f"the row has {len(row)} fields; the header has {width}")
                        load_row(pick(row), writer)
                        accepted += 1
                    except RecordProblem as problem:
                        writer.quarantine(problem, _as_csv_line(row))
                    if progress is not None and records % PROGRESS_EVERY == 0:
                        progress.advance(raw.tell(), records)
                row_start = reader.line_num + 1
        except csv.Error as exc:
            raise FileRejected(f"line {reader.line_num}: the CSV cannot be read ({exc})", where=path.name) from None
    return ReadSummary(matched.layout.format, accepted)
