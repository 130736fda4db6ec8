"""Helpers researchers apply before asking for release: suppression (primary and secondary, so a hidden cell cannot
be worked out from the totals) and rounding.

Secondary suppression works on the table's linear relations — each row and each column sums to its total. A hidden
cell can be recovered when it is the only unknown of a relation, or, more generally, when the relations pin it down;
so after the usual rule (no relation with exactly one hidden cell, and the hidden cells of a relation adding up to at
least the threshold) the exact test is made: a hidden cell is determined by the published numbers exactly when it
does not move in the null space of the relations over the hidden cells. Any such cell gets a further cell hidden
beside it until none is determined.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from socialdata.errors import UserError
from socialdata.outputs.cell_checks import cell_masks
from socialdata.outputs.rules import DEFAULT_RULES, DisclosureRules
from socialdata.outputs.tables import CellTable, Mask, TableKind, with_margins

Cell = tuple[int, int]


def _relations(table: CellTable) -> list[tuple[list[Cell], Cell]]:
    """Each (interior cells, total cell) pair that must add up, for a table with margins."""
    rows, cols = table.shape
    if table.is_one_way:
        return [([(i, 0) for i in range(rows - 1)], (rows - 1, 0))]
    across = [([(i, j) for j in range(cols - 1)], (i, cols - 1)) for i in range(rows)]
    down = [([(i, j) for i in range(rows - 1)], (rows - 1, j)) for j in range(cols)]
    return across + down


def determined_cells(table: CellTable) -> list[Cell]:
    """The hidden cells of a table with margins that the published cells and totals pin down exactly."""
    hidden = [(int(i), int(j)) for i, j in np.argwhere(table.suppressed)]
    if not hidden or not table.margins:
        return []
    position = {cell: n for n, cell in enumerate(hidden)}
    equations = []
    for interior, total in _relations(table):
        row = np.zeros(len(hidden))
        for cell in interior:
            if cell in position:
                row[position[cell]] = 1.0
        if total in position:
            row[position[total]] = -1.0
        if row.any():
            equations.append(row)
    if not equations:
        return hidden
    system = np.vstack(equations)
    _, singular, vt = np.linalg.svd(system)
    rank = int((singular > 1e-9).sum())
    null_space = vt[rank:]
    free = np.abs(null_space).max(axis=0) > 1e-9 if len(null_space) else np.zeros(len(hidden), dtype=bool)
    return [cell for cell, moves in zip(hidden, free, strict=True) if not moves]


def _cheapest(table: CellTable, cells: list[Cell], hidden: Mask, relations: list[list[Cell]]) -> Cell | None:
    """The visible cell whose hiding costs least: an interior cell before a total, a non-zero count before a zero,
    one that leaves no other row or column with a single hidden cell (which would need hiding in turn), then the
    smallest count."""
    inside = table.interior()
    candidates = [c for c in cells if not hidden[c]]
    if not candidates:
        return None

    def opened(cell: Cell) -> int:
        return sum(1 for members in relations if cell in members and not any(hidden[m] for m in members))

    return min(candidates, key=lambda c: (not inside[c], table.counts[c] == 0, opened(c), int(table.counts[c]), c))


def _protect(table: CellTable, hidden: Mask, threshold: int, relations: list[list[Cell]]) -> bool:
    """One pass of the relation rules; True when it hid something more."""
    changed = False
    for members in relations:
        interior, total = members[:-1], members[-1]
        hidden_members = [c for c in members if hidden[c]]
        hidden_sum = sum(int(table.counts[c]) for c in interior if hidden[c])
        exposed_sum = not hidden[total] and 0 < hidden_sum < threshold
        if len(hidden_members) == 1 or exposed_sum:
            extra = _cheapest(table, interior, hidden, relations) or _cheapest(table, members, hidden, relations)
            if extra is not None:
                hidden[extra] = True
                changed = True
    return changed


def suppress(table: CellTable, threshold: int | None = None, *, rules: DisclosureRules = DEFAULT_RULES) -> CellTable:
    """Hide every cell the rules find disclosive (counts below `threshold`, default the rules' minimum cell count;
    disclosive zeros; dominated magnitude cells). A frequency table gets its totals, and enough further cells hidden
    that no hidden cell can be recovered from them. A magnitude table is returned without totals (primary only)."""
    limit = rules.min_cell_count if threshold is None else threshold
    active = rules if threshold is None else rules.with_min_cell_count(threshold)
    if table.kind is TableKind.MAGNITUDE:
        return table.with_suppressed(table.suppressed | cell_masks(table, active).any)
    full = with_margins(table)
    hidden = full.suppressed | cell_masks(full, active).any
    relations = [[*interior, total] for interior, total in _relations(full)]
    while True:
        while _protect(full, hidden, limit, relations):
            pass
        determined = determined_cells(full.with_suppressed(hidden))
        if not determined:
            return full.with_suppressed(hidden)
        for cell in determined:
            around = [c for members in relations if cell in members for c in members]
            extra = _cheapest(full, around, hidden, relations)
            if extra is None:
                raise UserError("the table cannot be protected by suppression: combine categories", where="suppress")
            hidden[extra] = True


def round_counts(table: CellTable, base: int = DEFAULT_RULES.round_base) -> CellTable:
    """Counts rounded to the nearest `base` (halves away from zero); totals rounded on their own."""
    if base < 1:
        raise UserError("round to a positive base", where="base")
    counts: npt.NDArray[np.int64] = (np.floor(table.counts / base + 0.5) * base).astype(np.int64)
    return CellTable(
        table.row_dims,
        table.col_dims,
        table.row_keys,
        table.col_keys,
        counts,
        table.suppressed.copy(),
        table.magnitude,
        table.margins,
    )
