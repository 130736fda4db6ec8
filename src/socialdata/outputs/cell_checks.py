"""The cell-by-cell rules on a table: minimum cell count, disclosive zeros, and for magnitude tables the (n,k)
dominance and p% rules. Each rule is a mask over the cells (True = disclosive), so a whole table is checked in a few
array operations; suppressed cells are never flagged (they publish no value).

The definitions follow ACRO's, so the two make the same decisions on the same table (bench/outputs.py):
- minimum count: a published count below the threshold (a zero is judged by the zero rule, not this one);
- (n,k) dominance, n=2: the two largest contributions make up at least k of the cell's total;
- p%: what is left after the two largest is less than p of the largest (a cell of one or two contributors fails);
- zeros: every zero (ZeroPolicy.ALL, ACRO's default), or a zero in a row or column whose people all sit in one
  other cell, which reveals that they all share that cell's attribute (ZeroPolicy.GROUP).
Dominance is not defined for negative contributions: such cells go to a checker instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from socialdata.outputs.findings import Finding, Outcome, listed
from socialdata.outputs.rules import DisclosureRules, ZeroPolicy
from socialdata.outputs.tables import CellTable, Mask, TableKind


@dataclass(frozen=True)
class CellMasks:
    """Each rule's disclosive cells; `negatives` marks magnitude cells where dominance could not be judged."""

    small: Mask
    zeros: Mask
    nk: Mask
    p_ratio: Mask
    negatives: Mask

    @property
    def any(self) -> Mask:
        """The primary suppressions: every cell some rule finds disclosive."""
        return self.small | self.zeros | self.nk | self.p_ratio


def _group_zeros(table: CellTable, zero: Mask) -> Mask:
    """Zeros in a row (or column) whose non-zero count sits in exactly one cell; a one-way table is one group."""
    inside = table.interior()
    counts = np.where(inside, table.counts, 0)
    nonzero = (counts > 0) & inside
    if table.is_one_way:
        return zero if int(nonzero.sum()) == 1 else np.zeros_like(zero)
    rows_one = nonzero.sum(axis=1, keepdims=True) == 1
    cols_one = nonzero.sum(axis=0, keepdims=True) == 1
    grouped: Mask = zero & (rows_one | cols_one)
    return grouped


def cell_masks(table: CellTable, rules: DisclosureRules) -> CellMasks:
    """Every rule's mask over the table."""
    published = ~table.suppressed
    counts = table.counts
    small = published & (counts > 0) & (counts < rules.min_cell_count)
    zero = published & (counts == 0)
    zeros = zero if rules.zeros is ZeroPolicy.ALL else _group_zeros(table, zero)
    none = np.zeros(counts.shape, dtype=bool)
    m = table.magnitude
    if m is None:
        return CellMasks(small, zeros, none, none, none)
    negatives = published & (m.negatives > 0)
    if negatives.any():
        return CellMasks(small, zeros, none, none, negatives)
    with np.errstate(divide="ignore", invalid="ignore"):
        top_two = m.largest + m.second
        nk = published & (m.total > 0) & (top_two / m.total >= rules.nk_k)
        rest = m.total - top_two
        p_value = np.where(m.largest == 0, rest, rest / m.largest)
    p_ratio = published & (counts > 0) & (p_value < rules.p_ratio)
    return CellMasks(small, zeros, nk, p_ratio, none)


def _finding(table: CellTable, rule: str, mask: Mask, outcome: Outcome, message: str, ok: str) -> Finding:
    where = np.argwhere(mask)
    if len(where) == 0:
        return Finding(rule, Outcome.PASS, ok)
    names = [f"{table.cell_name(int(i), int(j))}: {_shown(table, int(i), int(j))}" for i, j in where]
    cells, more = listed(names)
    return Finding(rule, outcome, message.format(n=len(where)), cells, more)


def _shown(table: CellTable, i: int, j: int) -> str:
    return str(int(table.counts[i, j]))


def cell_findings(table: CellTable, rules: DisclosureRules) -> list[Finding]:
    """The table's findings, one per rule that applies to its kind."""
    masks = cell_masks(table, rules)
    t = rules.min_cell_count
    zero_rule = "every zero" if rules.zeros is ZeroPolicy.ALL else "a zero that reveals a group's attribute"
    findings = [
        _finding(
            table,
            "min_cell_count",
            masks.small,
            Outcome.FAIL,
            f"{{n}} cell(s) count fewer than {t} people: suppress them (suppress()) or combine categories",
            f"every published count is 0 or at least {t}",
        ),
        _finding(
            table,
            "disclosive_zeros",
            masks.zeros,
            Outcome.FAIL,
            f"{{n}} zero cell(s) are disclosive ({zero_rule}): suppress or combine categories",
            "no disclosive zeros",
        ),
    ]
    if table.kind is TableKind.MAGNITUDE:
        findings += [
            _finding(
                table,
                "dominance_nk",
                masks.nk,
                Outcome.FAIL,
                f"{{n}} cell(s) are dominated: the {rules.nk_n} largest contributions make up at least "
                f"{rules.nk_k:.0%} of the total",
                f"no cell's total is dominated by {rules.nk_n} contributors",
            ),
            _finding(
                table,
                "p_percent",
                masks.p_ratio,
                Outcome.FAIL,
                f"{{n}} cell(s) fail the p% rule: the rest of the total is under {rules.p_ratio:.0%} of the "
                "largest contribution, so the second largest contributor could estimate it",
                f"every cell passes the p% rule (p = {rules.p_ratio:.0%})",
            ),
            _finding(
                table,
                "negative_values",
                masks.negatives,
                Outcome.REVIEW,
                "{n} cell(s) have negative contributions, where dominance is not defined: a checker must judge",
                "no negative contributions",
            ),
        ]
    return findings
