"""Stable person ids across linkage runs, and the merges and splits that a change of clusters means.

A new cluster keeps the id most of its records had before (ties → the oldest person), so re-running on the same
data changes no id; whatever moved is described as index changes for the event log.
"""

from __future__ import annotations

import base64
import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from socialdata.store.models.linkage import LinkEventKind

PERSON_ID_LENGTH = 13


def new_person_id(taken: Iterable[str] = ()) -> str:
    """An opaque id: P and 12 base32 characters (60 random bits), never one already used."""
    used = set(taken)
    while True:
        candidate = "P" + base64.b32encode(secrets.token_bytes(8)).decode("ascii")[:12]
        if candidate not in used:
            return candidate


@dataclass(frozen=True)
class IndexChange:
    """One event for the log: what happened to `person_id` (and `other_person_id`), and which records it concerned."""

    kind: LinkEventKind
    person_id: str
    other_person_id: str | None
    record_keys: tuple[int, ...]


@dataclass(frozen=True)
class Assignment:
    """Person id per record, which ids are new, which old ids went away (and where to), and the events to log."""

    person_of_record: Mapping[int, str]
    created: tuple[str, ...]
    merged_into: dict[str, str]
    retired: tuple[str, ...]
    changes: tuple[IndexChange, ...] = field(default_factory=tuple)

    @property
    def records_moved(self) -> int:
        moving = (LinkEventKind.MERGED, LinkEventKind.SPLIT, LinkEventKind.RECORD_MOVED)
        return sum(len(c.record_keys) for c in self.changes if c.kind in moving)

    @property
    def persons_split(self) -> int:
        return len({c.person_id for c in self.changes if c.kind is LinkEventKind.SPLIT})


def assign_person_ids(
    previous: Mapping[int, str],
    clusters: Mapping[int, Hashable],
    oldest_first: Sequence[str],
    mint: Callable[[], str],
) -> Assignment:
    """Map clusters (record key → cluster label) onto person ids, given each record's previous person.

    `oldest_first` ranks the existing persons for ties; `mint` makes a fresh, unused id.
    """
    rank = {person: i for i, person in enumerate(oldest_first)}
    members: dict[Hashable, list[int]] = defaultdict(list)
    for key in sorted(clusters):
        members[clusters[key]].append(key)
    votes = Counter((clusters[key], previous[key]) for key in clusters if key in previous)
    # Strongest claims first: most records, then the oldest person, then the cluster's smallest record key.
    claims = sorted(votes.items(), key=lambda item: (-item[1], rank.get(item[0][1], len(rank)), members[item[0][0]][0]))
    person_of_cluster: dict[Hashable, str] = {}
    kept: set[str] = set()
    for (cluster, person), _count in claims:
        if cluster not in person_of_cluster and person not in kept:
            person_of_cluster[cluster] = person
            kept.add(person)
    created: list[str] = []
    for cluster in sorted(members, key=lambda c: members[c][0]):
        if cluster not in person_of_cluster:
            person_of_cluster[cluster] = mint()
            created.append(person_of_cluster[cluster])
    person_of_record = {key: person_of_cluster[label] for key, label in clusters.items()}
    return _describe(previous, members, person_of_cluster, person_of_record, kept, created)


def _describe(
    previous: Mapping[int, str],
    members: Mapping[Hashable, list[int]],
    person_of_cluster: Mapping[Hashable, str],
    person_of_record: Mapping[int, str],
    kept: set[str],
    created: list[str],
) -> Assignment:
    flows: dict[tuple[str, str], list[int]] = defaultdict(list)
    added: dict[str, list[int]] = defaultdict(list)
    for key in sorted(person_of_record):
        new, old = person_of_record[key], previous.get(key)
        if old is None:
            added[new].append(key)
        elif old != new:
            flows[(old, new)].append(key)
    gone = sorted(set(previous.values()) - kept)
    merged_into: dict[str, str] = {}
    for old in gone:
        outflows = [(len(keys), new) for (source, new), keys in flows.items() if source == old]
        if outflows:
            merged_into[old] = max(outflows)[1]
    new_ids = set(created)
    changes = [
        IndexChange(LinkEventKind.CREATED, person_of_cluster[c], None, tuple(keys))
        for c, keys in members.items()
        if person_of_cluster[c] in new_ids
    ]
    for (old, new), keys in sorted(flows.items()):
        if merged_into.get(old) == new:
            changes.append(IndexChange(LinkEventKind.MERGED, new, old, tuple(keys)))
        elif new in new_ids:
            changes.append(IndexChange(LinkEventKind.SPLIT, old, new, tuple(keys)))
        else:
            changes.append(IndexChange(LinkEventKind.RECORD_MOVED, old, new, tuple(keys)))
    changes.extend(
        IndexChange(LinkEventKind.RECORD_ADDED, person, None, tuple(keys))
        for person, keys in sorted(added.items())
        if person not in new_ids
    )
    retired = tuple(old for old in gone if old not in merged_into)
    changes.extend(IndexChange(LinkEventKind.RETIRED, old, None, ()) for old in retired)
    return Assignment(person_of_record, tuple(created), merged_into, retired, tuple(changes))
