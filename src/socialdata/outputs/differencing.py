"""Differencing: two tables of one project that count the same cells, one a subset of the other (the same table with
and without a filter), give away their difference. If that difference has a cell below the threshold, the pair
reveals a small group — even when each table passes on its own, and even when the small cell is suppressed
elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from socialdata.outputs.findings import Finding, Outcome, listed
from socialdata.outputs.tables import CellTable


@dataclass(frozen=True)
class NamedTable:
    """A table already released or requested in the project, and where it is (for the message)."""

    name: str
    table: CellTable


def _aligned(a: CellTable, b: CellTable) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]] | None:
    """The counts of the cells both tables publish, in the same order, when they have the same dimensions."""
    if a.row_dims != b.row_dims or len(a.col_dims) != len(b.col_dims):
        return None
    rows_b = {k: n for n, k in enumerate(b.row_keys)}
    cols_b = {k: n for n, k in enumerate(b.col_keys)}
    pairs = [
        ((i, j), (rows_b[rk], cols_b[ck]))
        for i, rk in enumerate(a.row_keys)
        if rk in rows_b
        for j, ck in enumerate(a.col_keys)
        if ck in cols_b
    ]
    pairs = [(pa, pb) for pa, pb in pairs if not a.suppressed[pa] and not b.suppressed[pb]]
    if not pairs:
        return None
    va = np.array([a.counts[pa] for pa, _ in pairs])
    vb = np.array([b.counts[pb] for _, pb in pairs])
    return va, vb, [pa for pa, _ in pairs]


def differencing_finding(table: CellTable, others: Sequence[NamedTable], threshold: int) -> Finding:
    """FAIL when some other table counts a subset (or superset) of this one's people cell by cell and differs from it
    by fewer than `threshold` people in some cell."""
    flagged: list[str] = []
    partners: list[str] = []
    for other in others:
        aligned = _aligned(table, other.table)
        if aligned is None:
            continue
        va, vb, positions = aligned
        diff = va - vb
        if not ((diff >= 0).all() or (diff <= 0).all()) or not diff.any():
            continue
        small = (np.abs(diff) > 0) & (np.abs(diff) < threshold)
        if small.any():
            partners.append(other.name)
            flagged += [
                f"{table.cell_name(*positions[n])}: {int(va[n])} here, {int(vb[n])} in {other.name}"
                for n in np.flatnonzero(small)
            ]
    if not flagged:
        return Finding("differencing", Outcome.PASS, "no other output of the project differs from it by a small group")
    cells, more = listed(flagged)
    message = (
        f"differs from {', '.join(partners)} by fewer than {threshold} people in {len(flagged)} cell(s): "
        "subtracting one from the other reveals a small group"
    )
    return Finding("differencing", Outcome.FAIL, message, cells, more)
