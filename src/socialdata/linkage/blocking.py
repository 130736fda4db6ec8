"""Which pairs are compared at all: records sharing a blocking key under any of a few rules, with a bound per block.

A block larger than the cap allows (a very common name born on a common day) is not compared all against all:
its records are sorted by name, birth date and postcode and each is compared with its nearest neighbours only, so
the pairs stay within the cap. Every capped block is counted in the stats.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from socialdata.linkage.features import MISSING, Codes, FeatureFrame


@dataclass(frozen=True)
class BlockingRule:
    """Records agreeing on all these features (none missing) are compared."""

    name: str
    features: tuple[str, ...]


BLOCKING_RULES: tuple[BlockingRule, ...] = (
    BlockingRule("nhs_number", ("nhs",)),
    BlockingRule("family_name+birth_date", ("family_canonical", "birth_date")),
    BlockingRule("given_name+birth_date", ("given_canonical", "birth_date")),
    BlockingRule("postcode+birth_date", ("postcode", "birth_date")),
    BlockingRule(
        "phonetic_names+birth_year+district", ("family_phonetic", "given_phonetic", "birth_year", "postcode_district")
    ),
    BlockingRule("names+postcode", ("family_canonical", "given_canonical", "postcode")),
)
SORT_FEATURES = ("given_canonical", "family_canonical", "birth_date", "postcode")  # order within a capped block


def feature(frame: FeatureFrame, name: str) -> Codes:
    if name == "birth_year":
        dates = frame.birth_date
        return np.where(dates == MISSING, MISSING, dates // 10000)
    codes: Codes = getattr(frame, name)
    return codes


def window_for(block_size: int, cap: int) -> int | None:
    """Neighbours each record is compared with in a block of this size; None when the whole block fits the cap.
    (The real-time matcher's form of the rule `_rule_pairs` applies to every block at once.)"""
    if block_size * (block_size - 1) // 2 <= cap:
        return None
    return max(1, cap // block_size)


@dataclass(frozen=True)
class RuleStats:
    """What one blocking rule produced; `capped_blocks` > 0 means the cap was hit and pairs were skipped."""

    rule: str
    pairs: int  # pairs this rule compared (before removing pairs an earlier rule already produced)
    new_pairs: int  # pairs no earlier rule produced
    largest_block: int
    capped_blocks: int
    pairs_skipped_by_cap: int


@dataclass(frozen=True)
class CandidatePairs:
    """Row indices (left < right) of the pairs to compare and the rule that first produced each."""

    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]
    rule: npt.NDArray[np.int8]  # index into BLOCKING_RULES
    stats: tuple[RuleStats, ...]


def _combined_key(frame: FeatureFrame, rule: BlockingRule) -> tuple[npt.NDArray[np.int64], Codes]:
    """Rows with every feature present, and one dense key per row equal exactly when all features are equal."""
    columns = [feature(frame, f) for f in rule.features]
    present = np.ones(len(frame), dtype=bool)
    for column in columns:
        present &= column != MISSING
    rows = np.flatnonzero(present)
    key = np.zeros(len(rows), dtype=np.int64)
    for column in columns:
        values = column[rows]
        key = key * (int(values.max(initial=0)) + 1) + values
        key = np.unique(key, return_inverse=True, sorted=True)[1].astype(np.int64).ravel()
    return rows, key


def _rule_pairs(frame: FeatureFrame, rule: BlockingRule, cap: int) -> tuple[Codes, Codes, int, int, int]:
    rows, key = _combined_key(frame, rule)
    sort_keys = [feature(frame, f)[rows] for f in reversed(SORT_FEATURES)]
    order = np.lexsort((*sort_keys, key))
    rows, key = rows[order], key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=np.int64)
    sizes = np.diff(np.r_[starts, len(key)])
    group = np.repeat(np.arange(len(starts)), sizes)
    position = np.arange(len(key))
    count = (starts + sizes)[group] - position - 1
    full = sizes * (sizes - 1) // 2
    capped = full > cap
    window = np.maximum(1, cap // np.maximum(sizes, 1))
    count = np.where(capped[group], np.minimum(count, window[group]), count)
    left_pos = np.repeat(position, count)
    offsets = np.arange(len(left_pos)) - np.repeat(np.cumsum(count) - count, count)
    left, right = rows[left_pos], rows[left_pos + 1 + offsets]
    skipped = int(full[capped].sum()) - int(count[capped[group]].sum())
    largest = int(sizes.max(initial=0))
    return np.minimum(left, right), np.maximum(left, right), largest, int(capped.sum()), skipped


def _distinct(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Sorted distinct values (by sorting: numpy's hash-based unique is slow on wide pair codes)."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def candidate_pairs(frame: FeatureFrame, cap: int) -> CandidatePairs:
    """Union of every rule's pairs, each pair once, labelled with the first rule that produced it."""
    n = len(frame)
    codes, rules, stats = [], [], []
    seen = np.zeros(0, dtype=np.int64)
    for index, rule in enumerate(BLOCKING_RULES):
        left, right, largest, capped, skipped = _rule_pairs(frame, rule, cap)
        code = _distinct(left * n + right)
        new = code[~np.isin(code, seen, assume_unique=True)]
        seen = np.sort(np.concatenate([seen, new]))
        codes.append(new)
        rules.append(np.full(len(new), index, dtype=np.int8))
        stats.append(RuleStats(rule.name, len(code), len(new), largest, capped, skipped))
    all_codes = np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)
    return CandidatePairs(all_codes // max(n, 1), all_codes % max(n, 1), np.concatenate(rules), tuple(stats))
