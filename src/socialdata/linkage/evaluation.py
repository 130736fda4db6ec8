"""How good a clustering is against the truth: pairwise and B-cubed precision, recall and F1.

Counts pairs through cluster intersections, so a million records cost a pass over them, never a pass over pairs.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path

SourceKey = tuple[str, str]  # (organisation_id, source_id)


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float

    @classmethod
    def of(cls, precision: float, recall: float) -> Scores:
        f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
        return cls(precision, recall, f1)


@dataclass(frozen=True)
class Evaluation:
    records: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    pairwise: Scores
    bcubed: Scores
    exact_clusters: float  # share of true people whose records form exactly one predicted cluster


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def evaluate(predicted: Mapping[Hashable, Hashable], truth: Mapping[Hashable, Hashable]) -> Evaluation:
    """Score predicted cluster ids against true person ids over the records both know."""
    keys = [k for k in predicted if k in truth]
    pred_sizes = Counter(predicted[k] for k in keys)
    true_sizes = Counter(truth[k] for k in keys)
    both = Counter((predicted[k], truth[k]) for k in keys)
    true_pairs = sum(_pairs(n) for n in true_sizes.values())
    predicted_pairs = sum(_pairs(n) for n in pred_sizes.values())
    correct_pairs = sum(_pairs(n) for n in both.values())
    pairwise = Scores.of(
        correct_pairs / predicted_pairs if predicted_pairs else 1.0,
        correct_pairs / true_pairs if true_pairs else 1.0,
    )
    n = len(keys)
    # B-cubed: per record, the share of its predicted cluster that is truly its person (precision) and the share of
    # its person that its predicted cluster holds (recall); each intersection cell contributes size² / cluster size.
    b_precision = sum(c * c / pred_sizes[p] for (p, _t), c in both.items()) / n if n else 1.0
    b_recall = sum(c * c / true_sizes[t] for (_p, t), c in both.items()) / n if n else 1.0
    exact = sum(1 for (p, t), c in both.items() if c == true_sizes[t] == pred_sizes[p])
    return Evaluation(
        records=n,
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        correct_pairs=correct_pairs,
        pairwise=pairwise,
        bcubed=Scores.of(b_precision, b_recall),
        exact_clusters=exact / len(true_sizes) if true_sizes else 1.0,
    )


def read_truth(path: Path) -> dict[SourceKey, str]:
    """The synthetic city's truth.csv: (organisation_id, source_id) → the real person's id."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {(row["organisation_id"], row["source_id"]): row["person_id"] for row in csv.DictReader(handle)}
