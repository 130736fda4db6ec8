"""A statistical table as the checks see it: a grid of cells (row keys x column keys) holding counts, which cells are
suppressed, and — for a magnitude table — the evidence the dominance rules need (each cell's total and its two
largest contributions). Built from row-level data inside the SDE by `tabulate`, or read back from a CSV output.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from socialdata.errors import UserError

Counts = npt.NDArray[np.int64]
Values = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

TOTAL_LABEL = "Total"
SUPPRESSED_MARK = "[c]"


class TableKind(enum.StrEnum):
    FREQUENCY = "frequency"  # each cell counts people
    MAGNITUDE = "magnitude"  # each cell sums (or averages) a value over the people it counts


@dataclass(frozen=True)
class Magnitude:
    """Per cell: the total of the value, its largest and second largest contribution, and how many were negative.
    The contributions are evidence for the checks only: they are never released."""

    total: Values
    largest: Values
    second: Values
    negatives: Counts


@dataclass(frozen=True, eq=False)
class CellTable:
    """Cells are `counts[i, j]` for row key `row_keys[i]` and column key `col_keys[j]`. A one-way table has no column
    dimensions and one column. With `margins`, the last row (and, two-way, the last column) hold the totals."""

    row_dims: tuple[str, ...]
    col_dims: tuple[str, ...]
    row_keys: tuple[tuple[str, ...], ...]
    col_keys: tuple[tuple[str, ...], ...]
    counts: Counts
    suppressed: Mask
    magnitude: Magnitude | None = None
    margins: bool = False

    @property
    def kind(self) -> TableKind:
        return TableKind.FREQUENCY if self.magnitude is None else TableKind.MAGNITUDE

    @property
    def shape(self) -> tuple[int, int]:
        rows, cols = self.counts.shape
        return int(rows), int(cols)

    @property
    def is_one_way(self) -> bool:
        return not self.col_dims

    def interior(self) -> Mask:
        """True for the cells that are not totals."""
        inside = np.ones(self.counts.shape, dtype=bool)
        if self.margins:
            inside[-1, :] = False
            if not self.is_one_way:
                inside[:, -1] = False
        return inside

    def cell_name(self, i: int, j: int) -> str:
        """How a person reads a cell: "area=E02, age_band=90+"."""
        parts = [f"{d}={k}" for d, k in zip(self.row_dims, self.row_keys[i], strict=True)]
        parts += [f"{d}={k}" for d, k in zip(self.col_dims, self.col_keys[j], strict=True)]
        return ", ".join(parts)

    def with_suppressed(self, suppressed: Mask) -> CellTable:
        return CellTable(
            self.row_dims,
            self.col_dims,
            self.row_keys,
            self.col_keys,
            self.counts,
            suppressed,
            self.magnitude,
            self.margins,
        )

    def to_frame(self) -> pd.DataFrame:
        """The published form: long (one row per cell: dimensions, count and the magnitude columns) for one-way and
        magnitude tables, a crosstab (row keys down, column keys across) for two-way frequency tables. Suppressed
        cells read [c]. Evidence columns are included for magnitude tables, to be checked and stripped on release."""
        shown = np.where(self.suppressed, SUPPRESSED_MARK, self.counts.astype(str)).astype(object)
        if self.kind is TableKind.FREQUENCY and not self.is_one_way:
            header = [" / ".join(k) for k in self.col_keys]
            frame = pd.DataFrame(shown, columns=header)
            for n, dim in enumerate(self.row_dims):
                frame.insert(n, dim, [k[n] for k in self.row_keys])
            return frame
        records = []
        for i, j in itertools.product(range(self.shape[0]), range(self.shape[1])):
            row: dict[str, object] = dict(
                zip(self.row_dims + self.col_dims, self.row_keys[i] + self.col_keys[j], strict=True)
            )
            row["count"] = shown[i, j]
            if self.magnitude is not None:
                m = self.magnitude
                hidden = bool(self.suppressed[i, j])
                row["sum"] = SUPPRESSED_MARK if hidden else repr(float(m.total[i, j]))
                row["largest"] = SUPPRESSED_MARK if hidden else repr(float(m.largest[i, j]))
                row["second_largest"] = SUPPRESSED_MARK if hidden else repr(float(m.second[i, j]))
                row["negatives"] = SUPPRESSED_MARK if hidden else str(int(m.negatives[i, j]))
            records.append(row)
        return pd.DataFrame.from_records(records)

    def to_csv(self, path: str) -> None:
        self.to_frame().to_csv(path, index=False)


def _codes(frame: pd.DataFrame, dims: Sequence[str]) -> tuple[npt.NDArray[np.int64], tuple[tuple[str, ...], ...]]:
    """Each row's key number over the full cartesian product of the dimensions' observed values (sorted), as a
    crosstab shows them, and the keys in that order."""
    code = np.zeros(len(frame), dtype=np.int64)
    levels: list[list[str]] = []
    for dim in dims:
        if dim not in frame.columns:
            raise UserError(f"no column named {dim!r} (columns: {', '.join(map(str, frame.columns))})", where=dim)
        column = frame[dim]
        if isinstance(column.dtype, pd.CategoricalDtype):
            values, uniques = column.cat.codes.to_numpy(np.int64), column.cat.categories
        else:
            values, uniques = pd.factorize(column, sort=True)
        if (values < 0).any():
            raise UserError("has missing values: give them a label (e.g. 'unknown') before tabulating", where=dim)
        code = code * len(uniques) + values.astype(np.int64)
        levels.append([str(u) for u in uniques])
    keys = tuple(itertools.product(*levels)) if dims else ((),)
    return code, keys


def _top_two(cell: npt.NDArray[np.int64], values: Values, cells: int) -> tuple[Values, Values]:
    """The largest and second largest value per cell (0 where a cell has fewer), without sorting the rows."""
    largest = np.full(cells, -np.inf)
    np.maximum.at(largest, cell, values)
    at_max = np.flatnonzero(values == largest[cell])
    _, first = np.unique(cell[at_max], return_index=True)
    rest = values.copy()
    rest[at_max[first]] = -np.inf
    second = np.full(cells, -np.inf)
    np.maximum.at(second, cell, rest)
    return np.where(np.isfinite(largest), largest, 0.0), np.where(np.isfinite(second), second, 0.0)


def tabulate(
    frame: pd.DataFrame, rows: Sequence[str] | str, columns: Sequence[str] | str = (), values: str | None = None
) -> CellTable:
    """Count the rows of `frame` by `rows` x `columns` (every combination of observed values, zeros included); with
    `values`, also keep each cell's total and two largest contributions of that column, for the dominance rules.
    Missing values in `values` are left out of the magnitude but the row is still counted."""
    row_dims = (rows,) if isinstance(rows, str) else tuple(rows)
    col_dims = (columns,) if isinstance(columns, str) else tuple(columns)
    if not row_dims:
        raise UserError("name at least one column to tabulate by", where="rows")
    row_code, row_keys = _codes(frame, row_dims)
    col_code, col_keys = _codes(frame, col_dims)
    n_rows, n_cols = len(row_keys), len(col_keys)
    cell = row_code * n_cols + col_code
    size = n_rows * n_cols
    counts = np.bincount(cell, minlength=size).astype(np.int64).reshape(n_rows, n_cols)
    magnitude = None
    if values is not None:
        if values not in frame.columns:
            raise UserError(f"no column named {values!r}", where="values")
        raw = pd.to_numeric(frame[values], errors="coerce").to_numpy(np.float64)
        present = ~np.isnan(raw)
        v, c = raw[present], cell[present]
        largest, second = _top_two(c, v, size)
        magnitude = Magnitude(
            total=np.bincount(c, weights=v, minlength=size).astype(np.float64).reshape(n_rows, n_cols),
            largest=largest.reshape(n_rows, n_cols),
            second=second.reshape(n_rows, n_cols),
            negatives=np.bincount(c, weights=(v < 0), minlength=size).astype(np.int64).reshape(n_rows, n_cols),
        )
    suppressed = np.zeros((n_rows, n_cols), dtype=bool)
    return CellTable(row_dims, col_dims, row_keys, col_keys, counts, suppressed, magnitude)


def with_margins(table: CellTable) -> CellTable:
    """The frequency table with its totals added (a last row, and a last column for a two-way table)."""
    if table.margins:
        return table
    if table.magnitude is not None:
        raise UserError("totals are added to frequency tables only", where="margins")
    counts = np.vstack([table.counts, table.counts.sum(axis=0, keepdims=True)])
    row_keys = (*table.row_keys, tuple(TOTAL_LABEL for _ in table.row_dims))
    col_keys = table.col_keys
    if not table.is_one_way:
        counts = np.hstack([counts, counts.sum(axis=1, keepdims=True)])
        col_keys = (*col_keys, tuple(TOTAL_LABEL for _ in table.col_dims))
    suppressed = np.zeros(counts.shape, dtype=bool)
    suppressed[: table.shape[0], : table.shape[1]] = table.suppressed
    return CellTable(table.row_dims, table.col_dims, row_keys, col_keys, counts, suppressed, None, True)
