"""Reading a CSV output back as a table, in the layouts documented in docs/outputs.md:

- long frequency: dimension columns and a count column (`count`, `n`, `people`, `patients`, `persons` or
  `frequency`), one row per cell;
- long magnitude: the same plus `sum`, `largest` and `second_largest` (and optionally `negatives`) — the contributor
  evidence the dominance rules need, which is stripped from the released copy — and any of the derived statistics
  (`mean`, `median`, `rate`, ...);
- crosstab: leading text columns holding the row keys, then one integer column per column key (as pandas.crosstab
  writes it), optionally with a last row and column named Total or All.

Suppressed cells may read blank, [c], *, x, c, <N, suppressed or redacted. Anything else is "unrecognised": the
file-level checks still run, and a checker must read the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from socialdata.outputs.tables import CellTable, Magnitude, Mask, Values

COUNT_COLUMNS = ("count", "n", "people", "patients", "persons", "frequency")
EVIDENCE_COLUMNS = ("largest", "second_largest", "negatives")
MAGNITUDE_COLUMNS = ("sum", "mean", "average", "total")
SINGLE_VALUE_COLUMNS = ("median", "min", "max", "minimum", "maximum")
DERIVED_COLUMNS = ("rate", "percent", "percentage", "proportion", "std", "sd", "se", "ci_lower", "ci_upper")
STATISTIC_COLUMNS = frozenset(
    COUNT_COLUMNS + EVIDENCE_COLUMNS + MAGNITUDE_COLUMNS + SINGLE_VALUE_COLUMNS + DERIVED_COLUMNS
)
TOTAL_LABELS = frozenset({"total", "all"})
_SUPPRESSED = re.compile(r"^\s*(|\[c\]|\*|x|c|<\s*\d+|suppressed|redacted|nan|na)\s*$", re.IGNORECASE)
_INTEGER = re.compile(r"^\s*\d+\s*$")


def column_key(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


@dataclass(frozen=True)
class ReadTable:
    """A CSV read as a table: `table` is None when the layout was not recognised (`why` says what was missing)."""

    layout: str
    table: CellTable | None
    why: str = ""
    single_values: tuple[str, ...] = ()
    duplicate_cells: int = 0


def _is_suppressed(values: pd.Series) -> Mask:
    marks: Mask = values.map(lambda v: bool(_SUPPRESSED.match(v))).to_numpy(bool)
    return marks


def _numbers(values: pd.Series) -> Values:
    numbers: Values = pd.to_numeric(values.where(~_is_suppressed(values), "0"), errors="coerce").to_numpy(np.float64)
    return numbers


def _long(frame: pd.DataFrame, keys: dict[str, str]) -> ReadTable:
    dims = [c for c in frame.columns if keys[c] not in STATISTIC_COLUMNS]
    count_col = next(c for c in frame.columns if keys[c] in COUNT_COLUMNS)
    by_key = {keys[c]: c for c in frame.columns}
    singles = tuple(by_key[k] for k in SINGLE_VALUE_COLUMNS if k in by_key)
    suppressed = _is_suppressed(frame[count_col])
    counts = _numbers(frame[count_col])
    if np.isnan(counts).any() or (counts != np.round(counts)).any() or (counts < 0).any():
        return ReadTable("unrecognised", None, f"column {count_col!r} holds values that are not whole counts")
    has_magnitude = any(k in by_key for k in MAGNITUDE_COLUMNS)
    has_evidence = all(k in by_key for k in ("sum", "largest", "second_largest"))
    layout = "magnitude" if has_magnitude else "frequency"
    if has_magnitude and not has_evidence:
        why = "a magnitude table needs sum, largest and second_largest columns for the dominance rules"
        return ReadTable(layout, None, why, singles)
    row_dims, col_dims = (dims[:-1], dims[-1:]) if len(dims) > 1 else (dims, [])
    row_keys = list(dict.fromkeys(tuple(r) for r in frame[row_dims].itertuples(index=False, name=None)))
    col_keys = list(dict.fromkeys(tuple(r) for r in frame[col_dims].itertuples(index=False, name=None))) or [()]
    row_at = {k: n for n, k in enumerate(row_keys)}
    col_at = {k: n for n, k in enumerate(col_keys)}
    rows = [row_at[tuple(r)] for r in frame[row_dims].itertuples(index=False, name=None)]
    cols = (
        [col_at[tuple(r)] for r in frame[col_dims].itertuples(index=False, name=None)] if col_dims else [0] * len(frame)
    )
    shape = (len(row_keys), len(col_keys))
    grid = np.zeros(shape, dtype=np.int64)
    hidden = np.ones(shape, dtype=bool)  # cells the file does not list publish nothing
    seen = np.zeros(shape, dtype=np.int64)
    np.add.at(seen, (rows, cols), 1)
    grid[rows, cols] = counts.astype(np.int64)
    hidden[rows, cols] = suppressed
    magnitude = None
    if has_magnitude:
        parts = {}
        for name in ("sum", "largest", "second_largest", "negatives"):
            values = np.zeros(shape)
            if name in by_key:
                values[rows, cols] = np.nan_to_num(_numbers(frame[by_key[name]]))
            parts[name] = values
        magnitude = Magnitude(
            parts["sum"], parts["largest"], parts["second_largest"], parts["negatives"].astype(np.int64)
        )
    table = CellTable(
        tuple(row_dims),
        tuple(col_dims),
        tuple(row_keys),
        tuple(col_keys),
        grid,
        hidden,
        magnitude,
        _has_one_way_total(row_keys) and not col_dims,
    )
    return ReadTable(layout, table, single_values=singles, duplicate_cells=int((seen > 1).sum()))


def _has_one_way_total(row_keys: list[tuple[str, ...]]) -> bool:
    return bool(row_keys) and all(k.strip().lower() in TOTAL_LABELS for k in row_keys[-1])


def _crosstab(frame: pd.DataFrame) -> ReadTable | None:
    """A crosstab when, after the leading label columns (those holding any text; at least the first), every column
    holds only counts or suppression marks."""

    def counts_only(column: str) -> bool:
        return bool(frame[column].map(lambda v: bool(_INTEGER.match(v) or _SUPPRESSED.match(v))).all())

    columns = list(frame.columns)
    lead = 1
    while lead < len(columns) and not counts_only(columns[lead]):
        lead += 1
    body, labels = frame.iloc[:, lead:], frame.iloc[:, :lead]
    if body.empty or not all(counts_only(c) for c in body.columns):
        return None
    suppressed = np.column_stack([_is_suppressed(body[c]) for c in body.columns])
    counts = np.column_stack([_numbers(body[c]) for c in body.columns]).astype(np.int64)
    row_keys = tuple(tuple(r) for r in labels.itertuples(index=False, name=None))
    col_keys = tuple((str(c),) for c in body.columns)
    margins = (
        len(row_keys) > 1
        and len(col_keys) > 1
        and _has_one_way_total(list(row_keys))
        and col_keys[-1][0].strip().lower() in TOTAL_LABELS
    )
    table = CellTable(
        tuple(map(str, labels.columns)), ("column",), row_keys, col_keys, counts, suppressed, None, margins
    )
    return ReadTable("crosstab", table)


def read_table(frame: pd.DataFrame) -> ReadTable:
    """The CSV (read as text, every cell a string) as a table, if its layout is one of the documented ones."""
    keys = {c: column_key(str(c)) for c in frame.columns}
    if any(k in COUNT_COLUMNS for k in keys.values()):
        if not any(k not in STATISTIC_COLUMNS for k in keys.values()):
            return ReadTable("unrecognised", None, "a count column but no dimension columns to say what it counts")
        return _long(frame, keys)
    if len(frame.columns) >= 2 and len(frame) >= 1:
        crosstab = _crosstab(frame)
        if crosstab is not None:
            return crosstab
    return ReadTable("unrecognised", None, "not a documented table layout (see docs/outputs.md)")
