"""Batch linkage of a DuckDB table of source persons: block, compare, score, link, cluster, and say what happened."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb
import numpy as np
import numpy.typing as npt

from socialdata.linkage.blocking import BLOCKING_RULES, RuleStats, candidate_pairs
from socialdata.linkage.clustering import RefusedMerge, cluster
from socialdata.linkage.comparisons import PairFlags, compare
from socialdata.linkage.explain import scored_pairs
from socialdata.linkage.features import MISSING, RawColumns, Vocabulary, build_frame
from socialdata.linkage.model import DEFAULT_BLOCK_PAIR_CAP, LinkageModel
from socialdata.linkage.records import LinkRecord, MatchDecision, ScoredPair
from socialdata.linkage.scoring import Scorer, probabilities
from socialdata.linkage.training import fit

RULE_STEWARD = "steward"
RULE_DETERMINISTIC = "deterministic"


@dataclass(frozen=True)
class Link:
    """An applied link; `rule` is "steward", "deterministic" or "probabilistic"."""

    left_key: int
    right_key: int
    match_weight: float
    match_probability: float
    rule: str


@dataclass(frozen=True)
class IdentifierConflict:
    """An identifier that says two records are one person while the rest says otherwise: a steward should look."""

    identifier: str  # "nhs_number"
    value: str  # the identifier's value, for the steward (never logged)
    keys: tuple[int, ...]  # record keys involved
    reason: str
    cluster_ids: tuple[int, ...]


@dataclass(frozen=True)
class LinkStats:
    records: int
    comparisons: int
    blocking: tuple[RuleStats, ...]
    caps_hit: tuple[str, ...]  # rules where a block exceeded the cap (its comparisons were bounded)
    links: int
    review_candidates: int
    clusters: int
    seconds: dict[str, float] = field(default_factory=dict)  # phase → wall seconds


@dataclass(frozen=True)
class BatchResult:
    """What `link_batch` found. `clusters` maps record key → cluster id (the smallest record key in the cluster)."""

    clusters: dict[int, int]
    link_arrays: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64], tuple[str, ...]]
    review: list[ScoredPair]
    conflicts: list[IdentifierConflict]
    stats: LinkStats
    model: LinkageModel

    @property
    def links(self) -> list[Link]:
        left, right, weight, rules = self.link_arrays
        probability = probabilities(weight)
        return [
            Link(int(a), int(b), float(w), float(p), r)
            for a, b, w, p, r in zip(left, right, weight, probability, rules, strict=True)
        ]


@contextmanager
def _phase(seconds: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    seconds[name] = round(time.perf_counter() - start, 3)


def records_to_duckdb(con: duckdb.DuckDBPyConnection, records: Sequence[LinkRecord], table: str) -> None:
    """`records_to_duckdb(con, records, "records")`: (re)creates a table of LinkRecord columns from a Python list."""
    columns = {
        "key": ("BIGINT", [r.key for r in records]),
        "organisation_id": ("VARCHAR", [r.organisation_id for r in records]),
        "source_id": ("VARCHAR", [r.source_id for r in records]),
        "nhs_number": ("VARCHAR", [r.nhs_number for r in records]),
        "given_name": ("VARCHAR", [r.given_name for r in records]),
        "other_given_names": ("VARCHAR", [r.other_given_names for r in records]),
        "family_name": ("VARCHAR", [r.family_name for r in records]),
        "birth_date": ("DATE", [r.birth_date for r in records]),
        "sex": ("VARCHAR", [r.sex for r in records]),
        "postcode": ("VARCHAR", [r.postcode for r in records]),
        "address": ("VARCHAR", [r.address for r in records]),
        "death_date": ("DATE", [r.death_date for r in records]),
    }
    select = ", ".join(f"unnest(?::{kind}[]) AS {name}" for name, (kind, _) in columns.items())
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {select}", [values for _, values in columns.values()])


def link_batch(
    con: duckdb.DuckDBPyConnection,
    table: str,
    model: LinkageModel | None = None,
    decisions: Mapping[tuple[int, int], MatchDecision] | None = None,
) -> BatchResult:
    """`link_batch(con, "records", model, {(k1, k2): MatchDecision.MATCH})` links a table of LinkRecord columns.

    Without a model one is trained on the table (returned in `result.model`). Steward decisions are honoured:
    MATCH always links, NON_MATCH never lets the two records share a cluster; UNSURE pairs stay in review.
    """
    seconds: dict[str, float] = {}
    decided = {(min(a, b), max(a, b)): d for (a, b), d in (decisions or {}).items()}
    with _phase(seconds, "features"):
        raw = RawColumns.from_duckdb(con, table)
        vocabulary = Vocabulary()
        frame = build_frame(raw, vocabulary)
        n = len(frame)
        row_of = {int(k): i for i, k in enumerate(raw.key.tolist())}
    with _phase(seconds, "blocking"):
        cap = model.block_pair_cap if model is not None else DEFAULT_BLOCK_PAIR_CAP
        pairs = candidate_pairs(frame, cap)
    with _phase(seconds, "comparing"):
        compared = compare(frame, pairs.left, frame, pairs.right)
    if model is None:
        with _phase(seconds, "training"):
            model = fit(frame, pairs, compared, decided, block_pair_cap=cap)
    with _phase(seconds, "scoring"):
        scorer = Scorer.of(model, vocabulary)
        field_weights = scorer.field_weights(compared)
        weights = scorer.match_weights(field_weights)
        flags = PairFlags.of(compared)
        pair_code = pairs.left * n + pairs.right
        decision_rows = [(row_of.get(a), row_of.get(b), d) for (a, b), d in decided.items()]
        known = [(min(a, b), max(a, b), d) for a, b, d in decision_rows if a is not None and b is not None]
        must = np.array([a * n + b for a, b, d in known if d is MatchDecision.MATCH], dtype=np.int64)
        cannot = np.array([a * n + b for a, b, d in known if d is MatchDecision.NON_MATCH], dtype=np.int64)
        vetoed = np.isin(pair_code, cannot)
        probabilistic = (weights >= model.upper_weight) & flags.identified & ~flags.clearly_different
        linked = ((flags.deterministic | probabilistic) & ~vetoed) | np.isin(pair_code, must)
        order = np.flatnonzero(linked)[np.argsort(-weights[linked], kind="stable")]
        order = order[np.argsort(~flags.deterministic[order], kind="stable")]
    with _phase(seconds, "clustering"):
        extra_must = must[~np.isin(must, pair_code)]
        edge_left = np.r_[extra_must // max(n, 1), pairs.left[order]]
        edge_right = np.r_[extra_must % max(n, 1), pairs.right[order]]
        edge_must = np.r_[np.ones(len(extra_must), bool), np.isin(pair_code[order], must)]
        # Only records some link touches can be kept apart by a veto; the rest need no bookkeeping.
        linked_rows = np.zeros(n, dtype=bool)
        linked_rows[edge_left] = linked_rows[edge_right] = True
        veto_rows = np.flatnonzero(
            (flags.clearly_different | vetoed) & linked_rows[pairs.left] & linked_rows[pairs.right]
        )
        clustering = cluster(
            n,
            np.where(frame.nhs_valid, frame.nhs, MISSING),
            frame.nhs_text,
            edge_left,
            edge_right,
            edge_must,
            np.r_[pairs.left[veto_rows], cannot // max(n, 1)],
            np.r_[pairs.right[veto_rows], cannot % max(n, 1)],
        )
    with _phase(seconds, "reporting"):
        cluster_key = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(cluster_key, clustering.root, raw.key)
        cluster_of_row = cluster_key[clustering.root]
        clusters = dict(zip(raw.key.tolist(), cluster_of_row.tolist(), strict=True))
        # Steward links between records no blocking rule compared are scored here, so every link has its weight.
        extra_compared = compare(frame, edge_left[: len(extra_must)], frame, edge_right[: len(extra_must)])
        extra_weights = scorer.match_weights(scorer.field_weights(extra_compared))
        edge_weights = np.r_[extra_weights, weights[order]]
        edge_rules = [RULE_STEWARD] * len(extra_must) + [
            RULE_STEWARD if m else RULE_DETERMINISTIC if d else "probabilistic"
            for m, d in zip(edge_must[len(extra_must) :].tolist(), flags.deterministic[order].tolist(), strict=True)
        ]
        accepted = clustering.accepted
        link_arrays = (
            raw.key[edge_left[accepted]],
            raw.key[edge_right[accepted]],
            edge_weights[accepted],
            tuple(r for r, a in zip(edge_rules, accepted.tolist(), strict=True) if a),
        )
        same = cluster_of_row[pairs.left] == cluster_of_row[pairs.right]
        undecided = ~np.isin(pair_code, np.r_[must, cannot])
        review_rows = np.flatnonzero((weights >= model.lower_weight) & ~same & undecided)
        review = scored_pairs(
            scorer,
            compared,
            field_weights,
            review_rows,
            (raw, pairs.left),
            (raw, pairs.right),
            [BLOCKING_RULES[int(r)].name for r in pairs.rule[review_rows]],
        )
        conflicts = _conflicts(raw, frame.nhs, cluster_of_row, clustering.refused, edge_left, edge_right, edge_weights)
    caps = tuple(s.rule for s in pairs.stats if s.capped_blocks)
    stats = LinkStats(
        records=n,
        comparisons=len(pairs.left),
        blocking=pairs.stats,
        caps_hit=caps,
        links=int(accepted.sum()),
        review_candidates=len(review),
        clusters=len(np.unique(cluster_of_row)),
        seconds=seconds,
    )
    return BatchResult(clusters, link_arrays, review, conflicts, stats, model)


def _conflicts(
    raw: RawColumns,
    nhs: npt.NDArray[np.int64],
    cluster_of_row: npt.NDArray[np.int64],
    refused: Sequence[RefusedMerge],
    edge_left: npt.NDArray[np.int64],
    edge_right: npt.NDArray[np.int64],
    edge_weights: npt.NDArray[np.float64],
) -> list[IdentifierConflict]:
    """NHS numbers carried by records in more than one cluster, and strong links refused for different NHS numbers."""
    result = []
    has = np.flatnonzero(nhs != MISSING)
    codes, clusters = nhs[has], cluster_of_row[has]
    order = np.lexsort((clusters, codes))
    codes, clusters, rows = codes[order], clusters[order], has[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.zeros(0, dtype=np.int64)
    ends = np.r_[starts[1:], len(codes)] if len(codes) else starts
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        distinct = np.unique(clusters[start:end])
        if len(distinct) > 1:
            result.append(
                IdentifierConflict(
                    "nhs_number",
                    str(raw.nhs_number[int(rows[start])]),
                    tuple(int(raw.key[r]) for r in rows[start:end]),
                    f"one NHS number on records kept apart as {len(distinct)} different people",
                    tuple(int(c) for c in distinct),
                )
            )
    for refusal in refused:
        edge = refusal.edge
        if refusal.reason == "different NHS numbers":
            a, b = int(edge_left[edge]), int(edge_right[edge])
            result.append(
                IdentifierConflict(
                    "nhs_number",
                    f"{raw.nhs_number[a]} / {raw.nhs_number[b]}",
                    (int(raw.key[a]), int(raw.key[b])),
                    f"records match strongly (weight {edge_weights[edge]:.1f}) but their clusters hold different "
                    "NHS numbers",
                    (int(cluster_of_row[a]), int(cluster_of_row[b])),
                )
            )
    return result
