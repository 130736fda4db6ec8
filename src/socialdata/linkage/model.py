"""The Fellegi–Sunter model: m and u per comparison level, the prior, name frequencies and the thresholds, as JSON.

A saved model is what makes a later run (batch or real-time) score a pair exactly as this one did.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

from socialdata.errors import UserError
from socialdata.linkage.comparisons import COMPARISONS, Comparison

FORMAT = "socialdata-linkage-model/1"
DEFAULT_BLOCK_PAIR_CAP = 20_000


@dataclass(frozen=True)
class TermFrequencies:
    """How common each name is (share of records); rarer names than `min_count` records share `rare_frequency`."""

    frequencies: dict[str, float]
    rare_frequency: float


@dataclass(frozen=True)
class LinkageModel:
    """Fellegi–Sunter parameters. Weights are log2 Bayes factors; thresholds are total match weights.

    Build one with `train_model(...)`; save with `to_json()`, load with `LinkageModel.from_json(text)`.
    A pair at or above `upper_weight` is linked, between `lower_weight` and `upper_weight` goes to clerical review.
    """

    m: dict[str, list[float]]  # comparison name → probability of each level among true matches (level 0 unused)
    u: dict[str, list[float]]  # ... among non-matches (estimated from random pairs)
    prior_weight: float  # log2 odds that two random records are the same person
    upper_weight: float = 8.0
    lower_weight: float = 0.0
    term_frequencies: dict[str, TermFrequencies] = field(default_factory=dict)  # comparison name → frequencies
    block_pair_cap: int = DEFAULT_BLOCK_PAIR_CAP  # most pairs compared within one block of one blocking rule

    def __post_init__(self) -> None:
        for comparison in COMPARISONS:
            for table in (self.m, self.u):
                if len(table.get(comparison.name, [])) != len(comparison.levels):
                    raise UserError(f"linkage model: '{comparison.name}' needs {len(comparison.levels)} levels")
        if self.lower_weight > self.upper_weight:
            raise UserError("linkage model: lower_weight is above upper_weight")

    def level_weight(self, comparison: Comparison, level: int) -> float:
        """log2(m/u) of a level; 0 for a missing value (no evidence either way)."""
        if level == 0:
            return 0.0
        return math.log2(self.m[comparison.name][level] / self.u[comparison.name][level])

    def tf_weight(self, comparison: Comparison, value: str) -> float:
        """The exact-agreement weight for this value: log2(m / how often the value occurs)."""
        assert comparison.tf_level is not None
        tf = self.term_frequencies[comparison.name]
        frequency = tf.frequencies.get(value, tf.rare_frequency)
        return math.log2(self.m[comparison.name][comparison.tf_level] / frequency)

    @staticmethod
    def probability(weight: float) -> float:
        return 1.0 / (1.0 + 2.0 ** (-weight)) if weight > -1000 else 0.0

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, **asdict(self)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> LinkageModel:
        """Loads `to_json()` output; a file of another shape raises UserError saying what is wrong."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(f"linkage model: not JSON ({exc})") from exc
        if not isinstance(data, dict) or data.pop("format", None) != FORMAT:
            raise UserError(f"linkage model: not a {FORMAT} document")
        try:
            tfs = {k: TermFrequencies(**v) for k, v in data.pop("term_frequencies", {}).items()}
            return cls(term_frequencies=tfs, **data)
        except TypeError as exc:
            raise UserError(f"linkage model: {exc}") from exc
