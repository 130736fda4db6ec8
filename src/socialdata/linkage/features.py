"""Records turned into columns of small integer codes, so batch and real-time matching compare them the same way.

Every string feature is coded through one shared `Vocabulary` (so a given name can be compared with a family name,
as a first/last swap needs), and each distinct raw value is normalised once, however many records carry it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import jellyfish
import numpy as np
import numpy.typing as npt

from socialdata.identity import NhsNumberStatus, check_nhs_number, normalise_name, parse_postcode
from socialdata.linkage.name_variants import canonical_given_name
from socialdata.linkage.records import LinkRecord

MISSING = -1
Codes = npt.NDArray[np.int64]


class Vocabulary:
    """Strings to dense integer codes, shared by every frame that will be compared with another."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}

    def code(self, value: str | None) -> int:
        if not value:
            return MISSING
        found = self._codes.get(value)
        if found is None:
            found = len(self._codes)
            self._codes[value] = found
        return found

    def __len__(self) -> int:
        return len(self._codes)


@dataclass(frozen=True)
class NameForm:
    """One raw name, normalised, with the forms compared: its canonical (nickname) form and its phonetic key."""

    text: str | None
    canonical: str | None
    phonetic: str | None


def name_form(raw: str | None, *, given: bool) -> NameForm:
    text = normalise_name(raw)
    if text is None:
        return NameForm(None, None, None)
    first = text.split(" ")[0]
    canonical = canonical_given_name(first) if given else text.replace(" ", "")
    return NameForm(text, canonical, "ph:" + jellyfish.metaphone(text.replace(" ", "")))


@dataclass(frozen=True)
class RawColumns:
    """LinkRecord fields as parallel columns (the NHS number is taken as already validated, so any national id
    can stand in for it, and a postcode that is not UK-shaped is compared whole); missing strings are '' and
    missing dates MISSING (dates as yyyymmdd ints)."""

    key: npt.NDArray[np.int64]
    nhs_number: Sequence[str]
    given_name: Sequence[str]
    other_given_names: Sequence[str]
    family_name: Sequence[str]
    birth_date: npt.NDArray[np.int64]
    sex: Sequence[str]
    postcode: Sequence[str]

    @classmethod
    def from_records(cls, records: Sequence[LinkRecord]) -> RawColumns:
        return cls(
            key=np.array([r.key for r in records], dtype=np.int64),
            nhs_number=[r.nhs_number or "" for r in records],
            given_name=[r.given_name or "" for r in records],
            other_given_names=[r.other_given_names or "" for r in records],
            family_name=[r.family_name or "" for r in records],
            birth_date=np.array([date_number(r.birth_date) for r in records], dtype=np.int64),
            sex=[r.sex or "" for r in records],
            postcode=[r.postcode or "" for r in records],
        )

    @classmethod
    def from_duckdb(cls, con: duckdb.DuckDBPyConnection, table: str) -> RawColumns:
        """Reads a table (or view) with LinkRecord's columns; `table` is an identifier the caller controls."""
        strings = ("nhs_number", "given_name", "other_given_names", "family_name", "sex", "postcode")
        select = ", ".join(f"coalesce(CAST({c} AS VARCHAR), '') AS {c}" for c in strings)
        birth = "coalesce(year(birth_date) * 10000 + month(birth_date) * 100 + day(birth_date), -1) AS birth_date"
        data = con.execute(
            f"SELECT CAST(key AS BIGINT) AS key, {select}, {birth} FROM {table} ORDER BY key"
        ).fetchnumpy()
        return cls(
            key=np.asarray(data["key"], dtype=np.int64),
            birth_date=np.asarray(data["birth_date"], dtype=np.int64),
            **{c: np.asarray(data[c], dtype=object).tolist() for c in strings},
        )


def date_number(value: dt.date | None) -> int:
    return MISSING if value is None else value.year * 10000 + value.month * 100 + value.day


@dataclass
class FeatureFrame:
    """The compared features of many records, one numpy column each (codes from one Vocabulary; MISSING = -1)."""

    key: Codes
    nhs: Codes
    given: Codes
    given_canonical: Codes
    given_phonetic: Codes
    other_given: Codes
    family: Codes
    family_canonical: Codes
    family_phonetic: Codes
    birth_date: Codes  # yyyymmdd
    sex: Codes
    postcode: Codes
    postcode_sector: Codes
    postcode_district: Codes
    nhs_valid: npt.NDArray[np.bool_]  # passes the NHS number check digit (other national ids are evidence only)
    nhs_text: npt.NDArray[np.object_]  # strings for edit distances ('' when missing)
    given_text: npt.NDArray[np.object_]
    family_text: npt.NDArray[np.object_]

    def __len__(self) -> int:
        return len(self.key)


def _factorise(values: Sequence[str]) -> tuple[list[str], Codes]:
    """Distinct values (first-seen order) and each record's index into them."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values))
    return list(index), codes


def _per_record(distinct: Sequence[Sequence[object]], codes: Codes, width: int) -> list[npt.NDArray[np.int64]]:
    """Columns of per-distinct-value features (`width` of them), spread to every record."""
    table = np.array(distinct, dtype=np.int64).reshape(len(distinct), width)
    return [table[:, j][codes] for j in range(width)]


def _texts(distinct: Sequence[str], codes: Codes) -> npt.NDArray[np.object_]:
    table = np.empty(len(distinct), dtype=object)
    table[:] = list(distinct)
    result: npt.NDArray[np.object_] = table[codes]
    return result


def _postcode_codes(value: str, vocabulary: Vocabulary) -> tuple[int, int, int]:
    parsed = parse_postcode(value)
    if parsed is None:
        compact = value.replace(" ", "").upper()
        return (vocabulary.code("pc:" + compact) if compact else MISSING, MISSING, MISSING)
    return (
        vocabulary.code("pc:" + str(parsed)),
        vocabulary.code("ps:" + parsed.sector),
        vocabulary.code("pd:" + parsed.district),
    )


def build_frame(raw: RawColumns, vocabulary: Vocabulary) -> FeatureFrame:
    """Normalises each distinct raw value once, then spreads the results to every record by index."""
    given_values, given_index = _factorise(raw.given_name)
    given_forms = [name_form(v, given=True) for v in given_values]
    given, given_canonical, given_phonetic = _per_record(
        [(vocabulary.code(f.text), vocabulary.code(f.canonical), vocabulary.code(f.phonetic)) for f in given_forms],
        given_index,
        3,
    )
    family_values, family_index = _factorise(raw.family_name)
    family_forms = [name_form(v, given=False) for v in family_values]
    family, family_canonical, family_phonetic = _per_record(
        [(vocabulary.code(f.text), vocabulary.code(f.canonical), vocabulary.code(f.phonetic)) for f in family_forms],
        family_index,
        3,
    )
    other_values, other_index = _factorise(raw.other_given_names)
    [other] = _per_record(
        [(vocabulary.code(name_form(v, given=True).canonical),) for v in other_values], other_index, 1
    )
    nhs_values, nhs_index = _factorise(raw.nhs_number)
    nhs_compact = [v.replace(" ", "") for v in nhs_values]
    nhs, nhs_valid = _per_record(
        [
            (vocabulary.code("nhs:" + v) if v else MISSING, check_nhs_number(v).status is NhsNumberStatus.VALID)
            for v in nhs_compact
        ],
        nhs_index,
        2,
    )
    postcode_values, postcode_index = _factorise(raw.postcode)
    postcode, sector, district = _per_record(
        [_postcode_codes(v, vocabulary) for v in postcode_values], postcode_index, 3
    )
    sex_values, sex_index = _factorise(raw.sex)
    sex_codes = {"M": 1, "MALE": 1, "F": 2, "FEMALE": 2}
    [sex] = _per_record([(sex_codes.get(v.strip().upper(), MISSING),) for v in sex_values], sex_index, 1)
    return FeatureFrame(
        key=raw.key,
        nhs=nhs,
        given=given,
        given_canonical=given_canonical,
        given_phonetic=given_phonetic,
        other_given=other,
        family=family,
        family_canonical=family_canonical,
        family_phonetic=family_phonetic,
        birth_date=raw.birth_date,
        sex=sex,
        postcode=postcode,
        postcode_sector=sector,
        postcode_district=district,
        nhs_valid=nhs_valid.astype(bool),
        nhs_text=_texts(nhs_compact, nhs_index),
        given_text=_texts([f.text or "" for f in given_forms], given_index),
        family_text=_texts([f.text or "" for f in family_forms], family_index),
    )
