"""The automatic checks on one output file, by type: CSV tables get the full statistical disclosure control; PNG,
SVG, TXT and MD are allowed within size limits, screened for identifiers and marked for a checker's eye; anything
else is refused."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from socialdata.outputs.cell_checks import cell_findings
from socialdata.outputs.differencing import NamedTable, differencing_finding
from socialdata.outputs.findings import FileCheck, Finding, Outcome
from socialdata.outputs.identifiers import identifier_findings, identifier_tokens
from socialdata.outputs.rules import DEFAULT_RULES, DisclosureRules
from socialdata.outputs.suppression import determined_cells
from socialdata.outputs.table_files import ReadTable, read_table

ALLOWED_TYPES = {".csv": "table", ".png": "image", ".svg": "image", ".txt": "text", ".md": "text"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SVG_ACTIVE = ("script", "foreignobject", "iframe", "embed", "object")


def read_csv_text(data: bytes) -> pd.DataFrame:
    """Every cell as text, nothing guessed (so "007" stays "007" and blanks stay blank)."""
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, skipinitialspace=True)


def _table_layout_findings(read: ReadTable, frame: pd.DataFrame, rules: DisclosureRules) -> list[Finding]:
    findings: list[Finding] = []
    table = read.table
    if table is None:
        outcome = Outcome.FAIL if read.layout == "magnitude" else Outcome.REVIEW
        findings.append(Finding("table_layout", outcome, f"the cell checks could not run: {read.why}"))
        if len(frame) >= rules.min_cell_count and any(frame[c].is_unique for c in frame.columns):
            findings.append(
                Finding(
                    "one_row_per_person",
                    Outcome.REVIEW,
                    "a column is different on every row: check it is not one row per person",
                )
            )
        return findings
    findings.append(
        Finding("table_layout", Outcome.PASS, f"read as a {read.layout} table of {table.counts.size} cells")
    )
    if read.duplicate_cells:
        findings.append(
            Finding(
                "duplicate_cells",
                Outcome.FAIL,
                f"{read.duplicate_cells} cell(s) appear on more than one row: one row per cell",
            )
        )
    published = table.counts[~table.suppressed & table.interior()]
    if len(published) >= 2 and (published == 1).all():
        findings.append(Finding("one_row_per_person", Outcome.FAIL, "every cell counts one person: row-level data"))
    findings += cell_findings(table, rules)
    if read.single_values:
        findings.append(
            Finding(
                "single_values",
                Outcome.REVIEW,
                "columns that show one person's value (median, minimum, maximum) need a checker's judgement",
                read.single_values,
            )
        )
    recoverable = determined_cells(table)
    if recoverable:
        names = tuple(table.cell_name(i, j) for i, j in recoverable)
        findings.append(
            Finding(
                "suppression_recoverable",
                Outcome.FAIL,
                "suppressed cells can be worked out from the totals: suppress further cells (suppress() does)",
                names[:20],
                max(0, len(names) - 20),
            )
        )
    return findings


def check_table(
    data: bytes, name: str, rules: DisclosureRules = DEFAULT_RULES, others: Sequence[NamedTable] = ()
) -> tuple[FileCheck, ReadTable | None]:
    """A CSV output's findings, and the table read from it (for later differencing against it)."""
    try:
        frame = read_csv_text(data)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        finding = Finding("csv", Outcome.FAIL, f"not a readable CSV file: {str(exc).splitlines()[0]}")
        return FileCheck(name, "table", "unrecognised", (finding,)), None
    findings: list[Finding] = []
    if len(frame) > rules.max_rows:
        findings.append(
            Finding(
                "row_limit",
                Outcome.FAIL,
                f"{len(frame)} rows; the limit is {rules.max_rows}: outputs are aggregate tables, not extracts",
            )
        )
    else:
        findings.append(Finding("row_limit", Outcome.PASS, f"{len(frame)} rows (limit {rules.max_rows})"))
    findings += identifier_findings(frame)
    read = read_table(frame)
    findings += _table_layout_findings(read, frame, rules)
    if read.table is not None and others:
        findings.append(differencing_finding(read.table, others, rules.min_cell_count))
    return FileCheck(name, "table", read.layout, tuple(findings)), read


def _svg_findings(data: bytes) -> list[Finding]:
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        return [Finding("svg", Outcome.FAIL, "an SVG with a DOCTYPE or entity declarations is not allowed")]
    try:
        # No DOCTYPE means no entities to expand or fetch, which is what makes XML parsing unsafe.
        root = ElementTree.fromstring(data)  # noqa: S314
    except ElementTree.ParseError as exc:
        return [Finding("svg", Outcome.FAIL, f"not a well-formed SVG: {exc}")]
    active = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1].lower()
        if tag in _SVG_ACTIVE:
            active.append(tag)
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1].lower()
            if local.startswith("on") or (local == "href" and not value.startswith("#")):
                active.append(f"{tag}@{local}")
    if active:
        return [
            Finding(
                "svg_content",
                Outcome.FAIL,
                "scripts, event handlers or links to other content are not allowed in a released SVG",
                tuple(dict.fromkeys(active))[:20],
            )
        ]
    texts = [t for e in root.iter() for t in (e.text, e.tail) if t and t.strip()]
    return [Finding("svg_content", Outcome.PASS, "a static drawing"), *_text_identifiers(texts)]


def _text_identifiers(texts: list[str]) -> list[Finding]:
    shaped = identifier_tokens(texts)
    if shaped:
        return [
            Finding(
                "identifier_values",
                Outcome.FAIL,
                f"{len(shaped)} value(s) look like pseudonyms, person ids or NHS numbers",
                tuple(shaped[:20]),
                max(0, len(shaped) - 20),
            )
        ]
    return [Finding("identifier_values", Outcome.PASS, "no value looks like a pseudonym or identifier")]


def _other_findings(data: bytes, suffix: str) -> list[Finding]:
    if suffix == ".png":
        if not data.startswith(_PNG_SIGNATURE):
            return [Finding("file_type", Outcome.FAIL, "named .png but it is not a PNG image")]
        return [
            Finding("file_type", Outcome.PASS, "a PNG image"),
            Finding(
                "manual_review",
                Outcome.REVIEW,
                "a picture: a checker must look for small counts, outliers or labels that identify people",
            ),
        ]
    if suffix == ".svg":
        findings = _svg_findings(data)
        return [
            *findings,
            Finding(
                "manual_review",
                Outcome.REVIEW,
                "a drawing: a checker must look for small counts, outliers or labels that identify people",
            ),
        ]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [Finding("file_type", Outcome.FAIL, f"named {suffix} but it is not UTF-8 text")]
    return [
        *_text_identifiers(text.splitlines()),
        Finding(
            "manual_review",
            Outcome.REVIEW,
            "free text: a checker must read it for numbers and details that identify people",
        ),
    ]


def check_output(
    path: Path, rules: DisclosureRules = DEFAULT_RULES, others: Sequence[NamedTable] = (), name: str | None = None
) -> tuple[FileCheck, ReadTable | None]:
    """Every automatic check on one file; the table read from it when it is a table."""
    shown = name or path.name
    suffix = path.suffix.lower()
    kind = ALLOWED_TYPES.get(suffix)
    if kind is None:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        refusal = Finding(
            "file_type", Outcome.FAIL, f"{suffix or 'no extension'} files cannot leave; allowed: {allowed}"
        )
        return FileCheck(shown, "other", "refused", (refusal,)), None
    size = path.stat().st_size
    if size > rules.max_bytes:
        refusal = Finding("size_limit", Outcome.FAIL, f"{size:,} bytes; the limit is {rules.max_bytes:,}")
        return FileCheck(shown, kind, "refused", (refusal,)), None
    data = path.read_bytes()
    if suffix == ".csv":
        return check_table(data, shown, rules, others)
    size_ok = Finding("size_limit", Outcome.PASS, f"{size:,} bytes (limit {rules.max_bytes:,})")
    return FileCheck(shown, kind, suffix.lstrip("."), (size_ok, *_other_findings(data, suffix))), None
