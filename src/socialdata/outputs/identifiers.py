"""Spotting person-level content in an output: columns named for identifiers, values shaped like the platform's
pseudonyms (32 hex characters), MPI person ids (P + 12 base32 characters) or valid NHS numbers, and tables with one
row (a count of one) per person."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from socialdata.identity.nhs_number import NhsNumberStatus, check_nhs_number
from socialdata.outputs.findings import Finding, Outcome, listed

IDENTIFIER_COLUMNS = frozenset(
    {
        "patient_id",
        "person_id",
        "pseudonym",
        "pseudo_id",
        "nhs_number",
        "nhs_no",
        "nhsnumber",
        "mrn",
        "hospital_number",
        "local_patient_id",
        "date_of_birth",
        "dob",
        "birth_date",
        "postcode",
        "address",
        "name",
        "full_name",
        "given_name",
        "family_name",
        "forename",
        "surname",
        "email",
        "phone",
        "telephone",
    }
)
_WORDS = re.compile(r"[A-Za-z0-9]+")
_HEX_ID = re.compile(r"^[0-9a-fA-F]{16,}$")
_PERSON_ID = re.compile(r"^P[A-Z2-7]{12}$")
_NHS_SHAPE = re.compile(r"(?<![0-9])\d{3}[ -]?\d{3}[ -]?\d{4}(?![0-9])")


def _candidates(text: str) -> Iterable[tuple[str, str]]:
    for word in _WORDS.findall(text):
        if _HEX_ID.match(word):
            yield word, "a pseudonym"
        elif _PERSON_ID.match(word):
            yield word, "a person id"
    for number in _NHS_SHAPE.findall(text):
        if check_nhs_number(number).status is NhsNumberStatus.VALID:
            yield number, "an NHS number"


def identifier_tokens(texts: Iterable[str]) -> list[str]:
    """'value (what it looks like)' for every token of the texts shaped like an identifier (each once)."""
    found: dict[str, str] = {}
    for text in texts:
        for token, what in _candidates(text):
            found.setdefault(token, what)
    return [f"{token[:6]}… ({what})" for token, what in found.items()]


def identifier_columns(columns: Iterable[str]) -> list[str]:
    return [c for c in columns if c.strip().lower().replace(" ", "_") in IDENTIFIER_COLUMNS]


def identifier_findings(frame: pd.DataFrame) -> list[Finding]:
    """Identifier-named columns and identifier-shaped values anywhere in the table (header included)."""
    named = identifier_columns(map(str, frame.columns))
    texts = [*map(str, frame.columns), *(v for c in frame.columns for v in frame[c].unique())]
    shaped = identifier_tokens(texts)
    findings = []
    if named:
        cells, more = listed(named)
        findings.append(
            Finding(
                "identifier_columns",
                Outcome.FAIL,
                "columns named for a person identifier: outputs hold aggregates only",
                cells,
                more,
            )
        )
    else:
        findings.append(Finding("identifier_columns", Outcome.PASS, "no column is named for a person identifier"))
    if shaped:
        cells, more = listed(shaped)
        findings.append(
            Finding(
                "identifier_values",
                Outcome.FAIL,
                f"{len(shaped)} value(s) look like pseudonyms, person ids or NHS numbers",
                cells,
                more,
            )
        )
    else:
        findings.append(Finding("identifier_values", Outcome.PASS, "no value looks like a pseudonym or identifier"))
    return findings
