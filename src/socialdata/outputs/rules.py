"""The disclosure rules an output is checked against: the Foundation's defaults (ACRO's, so decisions compare), with
the minimum cell count taken from the project."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from socialdata.errors import UserError


class ZeroPolicy(enum.StrEnum):
    """Which zero cells are disclosive: every one (ACRO's `zeros_are_disclosive`), or only a zero that reveals an
    attribute of a group (its row or column has every member in one other cell)."""

    ALL = "all"
    GROUP = "group"


@dataclass(frozen=True)
class DisclosureRules:
    """Thresholds for the automatic checks; `nk_n`/`nk_k` is the (n,k) dominance rule, `p_ratio` the p% rule."""

    min_cell_count: int = 10
    nk_n: int = 2
    nk_k: float = 0.9
    p_ratio: float = 0.1
    zeros: ZeroPolicy = ZeroPolicy.GROUP
    max_rows: int = 1000
    max_bytes: int = 5_000_000
    round_base: int = 5

    def __post_init__(self) -> None:
        if self.min_cell_count < 1:
            raise UserError("the minimum cell count must be at least 1", where="min_cell_count")
        if self.nk_n != 2:
            raise UserError("the dominance rule is checked for the two largest contributors (n=2)", where="nk_n")
        if not 0 < self.nk_k <= 1 or not 0 < self.p_ratio < 1:
            raise UserError("k and p are fractions between 0 and 1", where="nk_k/p_ratio")
        if self.max_rows < 1 or self.max_bytes < 1 or self.round_base < 1:
            raise UserError("row, size and rounding limits must be positive", where="rules")

    def with_min_cell_count(self, count: int) -> DisclosureRules:
        """The same rules with a project's own minimum cell count."""
        return replace(self, min_cell_count=count)


DEFAULT_RULES = DisclosureRules()
