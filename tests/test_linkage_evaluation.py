"""Evaluation counts pairs through cluster intersections; check it against brute force on small clusterings."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given
from hypothesis import strategies as st

from socialdata.linkage.evaluation import evaluate


def _brute_pairs(labels: dict[int, int]) -> set[tuple[int, int]]:
    return {(a, b) for a, b in combinations(sorted(labels), 2) if labels[a] == labels[b]}


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=25))
def test_pairwise_scores_match_brute_force(rows: list[tuple[int, int]]) -> None:
    predicted = {i: p for i, (p, _t) in enumerate(rows)}
    truth = {i: t for i, (_p, t) in enumerate(rows)}
    result = evaluate(predicted, truth)
    pred_pairs, true_pairs = _brute_pairs(predicted), _brute_pairs(truth)
    assert result.predicted_pairs == len(pred_pairs)
    assert result.true_pairs == len(true_pairs)
    assert result.correct_pairs == len(pred_pairs & true_pairs)


def test_a_chained_cluster_loses_precision_and_a_split_loses_recall() -> None:
    truth = {1: "a", 2: "a", 3: "b", 4: "b"}
    chained = evaluate({1: 0, 2: 0, 3: 0, 4: 0}, truth)
    split = evaluate({1: 0, 2: 1, 3: 2, 4: 2}, truth)
    assert chained.pairwise.recall == 1.0 and chained.pairwise.precision == 2 / 6
    assert split.pairwise.precision == 1.0 and split.pairwise.recall == 0.5
    assert split.exact_clusters == 0.5
