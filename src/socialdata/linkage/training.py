"""Estimating the model from the data itself: u from random pairs, m from the deterministic links refined by EM.

Steward decisions enter EM as pairs whose class is known (a MATCH counts fully as a match, a NON_MATCH not at all).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import duckdb
import numpy as np
import numpy.typing as npt

from socialdata.linkage.blocking import CandidatePairs, candidate_pairs
from socialdata.linkage.comparisons import (
    BIRTH,
    COMPARISONS,
    FAMILY,
    GIVEN,
    NHS,
    POSTCODE,
    ComparedPairs,
    PairFlags,
    compare,
)
from socialdata.linkage.features import FeatureFrame, RawColumns, Vocabulary, build_frame
from socialdata.linkage.model import DEFAULT_BLOCK_PAIR_CAP, LinkageModel, TermFrequencies
from socialdata.linkage.records import MatchDecision

LabelledPair = tuple[int, int, MatchDecision]
MIN_NAME_COUNT = 5  # names rarer than this are not stored in the model, only their average frequency
M_FLOOR = 0.002
MIN_PAIRS_FOR_M = 20  # fewer sure pairs than this: start from DEFAULT_M instead
DEFAULT_M = {
    "nhs_number": [1.0, 0.95, 0.01, 0.04],
    "given_name": [1.0, 0.85, 0.03, 0.01, 0.01, 0.06, 0.02, 0.02],
    "family_name": [1.0, 0.85, 0.01, 0.06, 0.02, 0.06],
    "birth_date": [1.0, 0.9, 0.02, 0.05, 0.03],
    "postcode": [1.0, 0.8, 0.02, 0.03, 0.15],
    "sex": [1.0, 0.99, 0.01],
}
DEFAULT_UPPER_WEIGHT = 8.0
DEFAULT_LOWER_WEIGHT = 0.0


def _level_shares(
    levels: npt.NDArray[np.int8], weights: npt.NDArray[np.float64], size: int, floor: float = 0.0
) -> list[float]:
    """Share of each non-missing level (index 0 kept at 1.0), lightly smoothed so no level has probability 0;
    `floor` keeps every level of m at least that likely (no error is impossible in a true match)."""
    counts = np.bincount(levels.astype(np.int64), weights=weights, minlength=size)[:size].astype(np.float64)
    counts[1:] += 0.5
    shares = counts / counts[1:].sum()
    shares[1:] = np.maximum(shares[1:], floor)
    shares[1:] /= shares[1:].sum()
    shares[0] = 1.0
    return [float(x) for x in shares]


def estimate_u(frame: FeatureFrame, pairs: int, seed: int = 1) -> dict[str, list[float]]:
    """u: level shares among random pairs of records (nearly all of them different people)."""
    n = len(frame)
    rng = np.random.default_rng(seed)
    left = rng.integers(0, max(n, 1), size=pairs if n > 1 else 0)
    right = rng.integers(0, max(n, 1), size=pairs if n > 1 else 0)
    keep = left != right
    compared = compare(frame, left[keep], frame, right[keep])
    ones = np.ones(int(keep.sum()))
    return {c.name: _level_shares(compared.levels[:, i], ones, len(c.levels)) for i, c in enumerate(COMPARISONS)}


def term_frequencies(frame: FeatureFrame) -> dict[str, TermFrequencies]:
    """Share of records carrying each name; only names at least MIN_NAME_COUNT records share are kept by name."""
    result = {}
    for name, texts in (
        ("given_name", frame.given_text),
        ("family_name", np.array([t.replace(" ", "") for t in frame.family_text], dtype=object)),
    ):
        present = texts[texts != ""]
        values, counts = np.unique(present.astype(str), return_counts=True)
        total = max(int(counts.sum()), 1)
        common = counts >= MIN_NAME_COUNT
        rare = counts[~common]
        rare_frequency = float(rare.mean() / total) if len(rare) else 1.0 / total
        frequencies = {str(v): float(c / total) for v, c in zip(values[common], counts[common], strict=True)}
        result[name] = TermFrequencies(frequencies, rare_frequency)
    return result


def _patterns(levels: npt.NDArray[np.int8]) -> npt.NDArray[np.int64]:
    code = np.zeros(len(levels), dtype=np.int64)
    for i in range(levels.shape[1]):
        code = code * 16 + levels[:, i]
    return code


def _expectation_maximisation(
    compared: ComparedPairs,
    known: npt.NDArray[np.float64],  # 1 known match, 0 known non-match, NaN unknown
    m: dict[str, list[float]],
    u: dict[str, list[float]],
    iterations: int,
    fixed_m: frozenset[str],
) -> tuple[dict[str, list[float]], float]:
    """EM over distinct level patterns with u (and the `fixed_m` comparisons' m) held; returns m and the share of
    compared pairs that match."""
    codes = _patterns(compared.levels) * 4 + np.where(np.isnan(known), 2, known).astype(np.int64)
    unique, first, counts = np.unique(codes, return_index=True, return_counts=True)
    levels = compared.levels[first].astype(np.int64)
    fixed = known[first]
    weights = counts.astype(np.float64)
    share = 0.01
    for _ in range(iterations if len(unique) else 0):
        log_m = np.zeros(len(unique))
        log_u = np.zeros(len(unique))
        for i, c in enumerate(COMPARISONS):
            log_m += np.log(np.asarray(m[c.name]))[levels[:, i]]
            log_u += np.log(np.asarray(u[c.name]))[levels[:, i]]
        odds = np.exp(np.clip(np.log(share / (1 - share)) + log_m - log_u, -700, 700))
        responsibility = np.where(np.isnan(fixed), odds / (1 + odds), fixed)
        matched = responsibility * weights
        share = float(np.clip(matched.sum() / weights.sum(), 1e-9, 1 - 1e-9))
        m = {
            c.name: m[c.name]
            if c.name in fixed_m
            else _level_shares(levels[:, i].astype(np.int8), matched, len(c.levels), M_FLOOR)
            for i, c in enumerate(COMPARISONS)
        }
    return m, share


def _initial_m(compared: ComparedPairs) -> dict[str, list[float]]:
    """m from pairs that are almost surely one person: names from the deterministic links, the birth date from
    agreeing NHS numbers, the NHS number from agreeing names, birth date and address. EM keeps the last two, so a
    crowd of people sharing a common name cannot teach it that NHS numbers and birth dates often differ."""
    flags = PairFlags.of(compared)
    column = compared.column
    same_name_birth_address = (
        np.isin(column(GIVEN), [GIVEN.level("exact"), GIVEN.level("nickname")])
        & (column(FAMILY) == FAMILY.level("exact"))
        & (column(BIRTH) == BIRTH.level("exact"))
        & np.isin(column(POSTCODE), [POSTCODE.level("exact"), POSTCODE.level("sector")])
        & (column(NHS) != 0)
    )
    basis = {NHS.name: same_name_birth_address, BIRTH.name: column(NHS) == NHS.level("exact")}
    m: dict[str, list[float]] = {}
    for i, c in enumerate(COMPARISONS):
        rows = basis.get(c.name, flags.deterministic)
        m[c.name] = (
            _level_shares(compared.levels[rows, i], np.ones(int(rows.sum())), len(c.levels), M_FLOOR)
            if rows.sum() >= MIN_PAIRS_FOR_M
            else DEFAULT_M[c.name]
        )
    return m


def fit(
    frame: FeatureFrame,
    pairs: CandidatePairs,
    compared: ComparedPairs,
    labelled: Mapping[tuple[int, int], MatchDecision],
    *,
    block_pair_cap: int = DEFAULT_BLOCK_PAIR_CAP,
    u_pairs: int = 1_000_000,
    em_iterations: int = 20,
) -> LinkageModel:
    """The model for these records, given their candidate pairs already compared (batch linkage reuses them)."""
    u = estimate_u(frame, min(u_pairs, max(10, len(frame) * 20)))
    m = _initial_m(compared)
    known = np.full(len(pairs.left), np.nan)
    if labelled:
        by_pair = {
            (int(frame.key[a]), int(frame.key[b])): k
            for k, (a, b) in enumerate(zip(pairs.left, pairs.right, strict=True))
        }
        for (left, right), decision in labelled.items():
            at = by_pair.get((min(left, right), max(left, right)))
            if at is not None and decision is not MatchDecision.UNSURE:
                known[at] = 1.0 if decision is MatchDecision.MATCH else 0.0
    m, share = _expectation_maximisation(compared, known, m, u, em_iterations, frozenset({NHS.name, BIRTH.name}))
    n = len(frame)
    all_pairs = max(n * (n - 1) / 2, 1.0)
    prior = min(max(share * len(pairs.left) / all_pairs, 1e-12), 0.5)
    return LinkageModel(
        m=m,
        u=u,
        prior_weight=math.log2(prior / (1 - prior)),
        upper_weight=DEFAULT_UPPER_WEIGHT,
        lower_weight=DEFAULT_LOWER_WEIGHT,
        term_frequencies=term_frequencies(frame),
        block_pair_cap=block_pair_cap,
    )


def decisions_by_pair(labelled: Iterable[LabelledPair]) -> dict[tuple[int, int], MatchDecision]:
    return {(min(a, b), max(a, b)): d for a, b, d in labelled}


def train_model(
    con: duckdb.DuckDBPyConnection,
    table: str,
    labelled: Iterable[LabelledPair] = (),
    *,
    block_pair_cap: int = DEFAULT_BLOCK_PAIR_CAP,
) -> LinkageModel:
    """Trains on a DuckDB table of LinkRecord columns: `train_model(con, "records", labelled=[(k1, k2, MATCH)])`.

    `labelled` are steward decisions on pairs of record keys; the model's JSON can be saved and passed to link_batch.
    """
    frame = build_frame(RawColumns.from_duckdb(con, table), Vocabulary())
    pairs = candidate_pairs(frame, block_pair_cap)
    compared = compare(frame, pairs.left, frame, pairs.right)
    return fit(frame, pairs, compared, decisions_by_pair(labelled), block_pair_cap=block_pair_cap)
