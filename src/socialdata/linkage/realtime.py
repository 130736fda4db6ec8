"""Real-time match: one arriving record against every linked record at once, in milliseconds.

The index holds the records' features in memory, keyed by the same blocking keys and bounded by the same cap as
batch linkage, and scores candidates with the same comparisons and model, so a pair scores as it would in batch.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from socialdata.linkage.blocking import BLOCKING_RULES, SORT_FEATURES, feature, window_for
from socialdata.linkage.comparisons import PairFlags, compare
from socialdata.linkage.explain import scored_pairs
from socialdata.linkage.features import MISSING, FeatureFrame, RawColumns, Vocabulary, build_frame
from socialdata.linkage.model import LinkageModel
from socialdata.linkage.records import LinkRecord, ScoredPair
from socialdata.linkage.scoring import Scorer

_NUMERIC = ("key", "birth_date")
BlockKey = tuple[int, ...]
SortKey = tuple[int, ...]


def _room(column: npt.NDArray[Any] | None, new: npt.NDArray[Any], start: int) -> npt.NDArray[Any]:
    """`column` with `new` written from row `start`, reallocated (doubling) only when it is full."""
    needed = start + len(new)
    if column is None or len(column) < needed:
        grown = np.empty(max(needed, 2 * (0 if column is None else len(column))), dtype=new.dtype)
        if column is not None:
            grown[:start] = column[:start]
        column = grown
    column[start:needed] = new
    return column


@dataclass(frozen=True)
class Candidate:
    """A scored candidate and the rules batch linkage applies beside its weight, so a link decided now matches batch."""

    pair: ScoredPair
    deterministic: bool  # same valid NHS number and same birth date
    linkable: bool  # a weight over the upper threshold may link it: an identifier beyond the name agrees, none differs


class MatchIndex:
    """`index = MatchIndex(model, records)` (or `MatchIndex.from_duckdb(model, con, table)`), then
    `index.match(record)` → candidates as ScoredPair, best first, and `index.add(record)` once it is stored."""

    def __init__(self, model: LinkageModel, records: Sequence[LinkRecord] = ()) -> None:
        self.model = model
        self._vocabulary = Vocabulary()
        self._features: dict[str, npt.NDArray[Any]] = {}  # FeatureFrame columns, with room to grow
        self._raw_arrays: dict[str, npt.NDArray[np.int64]] = {}  # RawColumns' numeric columns, with room to grow
        self._raw_lists: dict[str, list[str]] = {f.name: [] for f in fields(RawColumns) if f.name not in _NUMERIC}
        self._blocks: list[dict[BlockKey, list[tuple[SortKey, int]]]] = [{} for _ in BLOCKING_RULES]
        self._size = 0
        if records:
            self._extend(RawColumns.from_records(records))
        self._scorer = Scorer.of(model, self._vocabulary)

    @classmethod
    def from_duckdb(cls, model: LinkageModel, con: duckdb.DuckDBPyConnection, table: str) -> MatchIndex:
        """An index over a DuckDB table of LinkRecord columns (as passed to link_batch)."""
        index = cls(model)
        index._extend(RawColumns.from_duckdb(con, table))
        index._scorer = Scorer.of(model, index._vocabulary)
        return index

    def __len__(self) -> int:
        return self._size

    def _extend(self, raw: RawColumns) -> None:
        frame = build_frame(raw, self._vocabulary)
        start = self._size
        keys = [feature(frame, f).tolist() for f in SORT_FEATURES]
        sort_keys = list(zip(*keys, strict=True)) if keys[0] else []
        for rule, blocks in zip(BLOCKING_RULES, self._blocks, strict=True):
            columns = [feature(frame, f).tolist() for f in rule.features]
            for offset, block_key in enumerate(zip(*columns, strict=True)):
                if MISSING in block_key:
                    continue
                entry = (sort_keys[offset], start + offset)
                members = blocks.get(block_key)
                if members is None:
                    blocks[block_key] = [entry]
                elif members[-1] < entry:
                    members.append(entry)
                else:
                    bisect.insort(members, entry)
        end = start + len(frame)
        for f in fields(FeatureFrame):
            self._features[f.name] = _room(self._features.get(f.name), getattr(frame, f.name), start)
        for name in _NUMERIC:
            self._raw_arrays[name] = _room(self._raw_arrays.get(name), getattr(raw, name), start)
        for name, values in self._raw_lists.items():
            values.extend(getattr(raw, name))
        self._size = end

    def _all(self) -> tuple[FeatureFrame, RawColumns]:
        """Views of the stored rows (no copy)."""
        size = self._size
        frame = FeatureFrame(**{name: column[:size] for name, column in self._features.items()})
        raw = RawColumns(
            key=self._raw_arrays["key"][:size],
            birth_date=self._raw_arrays["birth_date"][:size],
            **self._raw_lists,
        )
        return frame, raw

    def add(self, record: LinkRecord) -> None:
        """Makes a stored record findable by later matches."""
        self._extend(RawColumns.from_records([record]))

    def candidates(self, query: FeatureFrame) -> list[int]:
        """Rows sharing a blocking key with the query's first row; a capped block gives its nearest neighbours."""
        found: set[int] = set()
        sort_key = tuple(int(feature(query, f)[0]) for f in SORT_FEATURES)
        for rule, blocks in zip(BLOCKING_RULES, self._blocks, strict=True):
            block_key = tuple(int(feature(query, f)[0]) for f in rule.features)
            members = blocks.get(block_key) if MISSING not in block_key else None
            if not members:
                continue
            window = window_for(len(members) + 1, self.model.block_pair_cap)
            if window is None:
                found.update(row for _, row in members)
            else:
                at = bisect.bisect_left(members, (sort_key, -1))
                found.update(row for _, row in members[max(0, at - window) : at + window])
        return sorted(found)

    def match(self, record: LinkRecord, limit: int = 10) -> list[ScoredPair]:
        """Stored records that may be this person, best first, scored with field breakdowns (at most `limit`)."""
        return [candidate.pair for candidate in self.match_candidates(record, limit)]

    def match_candidates(self, record: LinkRecord, limit: int = 10) -> list[Candidate]:
        """As `match`, with each pair's deterministic and linkable flags."""
        if self._size == 0:
            return []
        frame, raw = self._all()
        query_raw = RawColumns.from_records([record])
        query = build_frame(query_raw, self._vocabulary)
        rows = np.array(self.candidates(query), dtype=np.int64)
        if len(rows) == 0:
            return []
        zeros = np.zeros(len(rows), dtype=np.int64)
        compared = compare(query, zeros, frame, rows)
        field_weights = self._scorer.field_weights(compared)
        best = np.argsort(-field_weights.sum(axis=1), kind="stable")[:limit]
        pairs = scored_pairs(
            self._scorer,
            compared,
            field_weights,
            best.astype(np.int64),
            (query_raw, zeros),
            (raw, rows),
            ["realtime"] * len(best),
        )
        flags = PairFlags.of(compared)
        deterministic = flags.deterministic[best].tolist()
        linkable = (flags.identified & ~flags.clearly_different)[best].tolist()
        return [Candidate(*c) for c in zip(pairs, deterministic, linkable, strict=True)]
