"""Records arriving through a feed join the master person index at once, so the shared care record sees them.

Each new record is matched against the index with the last batch run's model and linked, queued for a steward or made
a new person. Merging existing persons is left to `sdf link`, which sees every pair.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from socialdata.identity import NhsNumberStatus
from socialdata.linkage.model import LinkageModel
from socialdata.linkage.mpi import MPI_LOCK_KEY
from socialdata.linkage.realtime import Candidate, MatchIndex
from socialdata.linkage.records import LinkRecord, MatchDecision, ScoredPair
from socialdata.linkage.review import PairKey, steward_decisions
from socialdata.linkage.service import LINK_RECORD_COLUMNS
from socialdata.linkage.stable_ids import new_person_id
from socialdata.store import Database
from socialdata.store.models import SourcePerson
from socialdata.store.models.linkage import (
    LinkBasis,
    LinkEvent,
    LinkEventKind,
    LinkRun,
    Person,
    PersonLink,
    PersonStatus,
    ReviewItem,
    ReviewStatus,
)
from socialdata.store.types import utcnow

ARRIVAL_ACTOR = "feed arrival"
NO_RUN_MESSAGE = "no records were linked: there is no linkage run yet; run `sdf link` first"


class ArrivalOutcome(enum.StrEnum):
    LINKED = "linked"  # joined an existing person
    REVIEW = "review"  # a new person, with an open review item against the doubtful candidate
    NEW_PERSON = "new_person"


@dataclass(frozen=True)
class ArrivalReport:
    """What linking a load's new records came to; `message` says why nothing was done when nothing could be."""

    records: int = 0
    linked: int = 0
    review: int = 0
    new_persons: int = 0
    run_id: int | None = None
    message: str | None = None
    index_records: int = 0  # records the index held once this load had joined it
    index_build_seconds: float | None = None  # None when a warm index was reused
    match_p50_ms: float | None = None
    match_p99_ms: float | None = None

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)

    def summary(self) -> str:
        """One line for a person: "12 new records: 9 linked to existing people, 1 sent for review, 2 new people"."""
        if self.message is not None:
            return self.message
        return (
            f"{self.records:,} new records: {self.linked:,} linked to existing people, "
            f"{self.review:,} sent for review, {self.new_persons:,} new people"
        )


@dataclass
class WarmIndex:
    """The MatchIndex of the index's current links, kept by a long-running process (the web app) between loads.

    It is rebuilt when a batch run replaces the model or someone else's load has added links it has not seen.
    """

    index: MatchIndex | None = None
    run_id: int | None = None
    links: int = -1

    def current(self, session: Session, run: LinkRun) -> tuple[MatchIndex, float | None]:
        """The index for this run, and its build time in seconds when it had to be (re)built."""
        links = session.scalar(select(func.count()).select_from(PersonLink)) or 0
        if self.index is not None and self.run_id == run.id and self.links == links:
            return self.index, None
        started = time.perf_counter()
        model = LinkageModel.from_json(json.dumps(run.model))
        query = select(*LINK_RECORD_COLUMNS).join(PersonLink, PersonLink.source_person_id == SourcePerson.id)
        records = [LinkRecord(*row) for row in session.execute(query.order_by(SourcePerson.id))]
        self.index, self.run_id, self.links = MatchIndex(model, records), run.id, links
        return self.index, round(time.perf_counter() - started, 3)

    def forget(self) -> None:
        self.index, self.run_id, self.links = None, None, -1


@dataclass(frozen=True)
class _Verdict:
    outcome: ArrivalOutcome
    person_id: str | None = None  # the existing person it joins
    basis: LinkBasis = LinkBasis.SINGLETON
    weight: float | None = None
    review: ScoredPair | None = None


@dataclass
class _Tally:
    counts: dict[ArrivalOutcome, int] = field(default_factory=lambda: dict.fromkeys(ArrivalOutcome, 0))
    seconds: list[float] = field(default_factory=list)


def link_arrivals(db: Database, submission_ids: Sequence[int], *, index: WarmIndex | None = None) -> ArrivalReport:
    """Match the not-yet-linked source persons these submissions stored or updated, and write the outcome whole.

    Honours stewards' decisions (a rejected pair never links, an accepted one always does) and never links across
    different valid NHS numbers. Without a link run there is no model: nothing is done and the report says so.
    """
    warm = index or WarmIndex()
    tally = _Tally()
    try:
        with db.session() as s:
            if s.get_bind().dialect.name == "postgresql":
                s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MPI_LOCK_KEY})  # one index writer
            run = s.scalar(select(LinkRun).order_by(LinkRun.id.desc()).limit(1))
            if run is None:
                return ArrivalReport(message=NO_RUN_MESSAGE)
            records = _unlinked(s, submission_ids)
            if not records:
                return ArrivalReport(run_id=run.id)
            matcher, build_seconds = warm.current(s, run)
            decisions = steward_decisions(s)
            for record in records:
                started = time.perf_counter()
                candidates = matcher.match_candidates(record)
                tally.seconds.append(time.perf_counter() - started)
                verdict = _decide(s, record, candidates, decisions, matcher.model)
                _write(s, record, verdict, run.id)
                tally.counts[verdict.outcome] += 1
                matcher.add(record)  # a later record of this load may be the same person
            run_id = run.id
    except BaseException:
        warm.forget()  # it may hold records the rolled-back transaction never stored
        raise
    warm.links += len(records)
    seconds = np.array(tally.seconds) * 1000
    return ArrivalReport(
        records=len(records),
        linked=tally.counts[ArrivalOutcome.LINKED],
        review=tally.counts[ArrivalOutcome.REVIEW],
        new_persons=tally.counts[ArrivalOutcome.REVIEW] + tally.counts[ArrivalOutcome.NEW_PERSON],
        run_id=run_id,
        index_records=len(matcher),
        index_build_seconds=build_seconds,
        match_p50_ms=round(float(np.percentile(seconds, 50)), 3),
        match_p99_ms=round(float(np.percentile(seconds, 99)), 3),
    )


def _unlinked(session: Session, submission_ids: Sequence[int]) -> list[LinkRecord]:
    query = (
        select(*LINK_RECORD_COLUMNS)
        .outerjoin(PersonLink, PersonLink.source_person_id == SourcePerson.id)
        .where(SourcePerson.submission_id.in_(list(submission_ids)), PersonLink.source_person_id.is_(None))
        .order_by(SourcePerson.id)
    )
    return [LinkRecord(*row) for row in session.execute(query)]


def _decide(
    session: Session,
    record: LinkRecord,
    candidates: Sequence[Candidate],
    decisions: dict[PairKey, MatchDecision],
    model: LinkageModel,
) -> _Verdict:
    """Link to the best person the batch rules would link it to; else review the best doubtful undecided pair."""
    decided = {(a if b == record.key else b): d for (a, b), d in decisions.items() if record.key in (a, b)}
    person_of = _persons_of(session, {c.pair.left_key for c in candidates} | {c.pair.right_key for c in candidates})
    person_of |= _persons_of(session, decided)
    rejected = {person_of[k] for k, d in decided.items() if d is MatchDecision.NON_MATCH and k in person_of}
    accepted = [person_of[k] for k, d in decided.items() if d is MatchDecision.MATCH and k in person_of]
    for chosen in accepted:
        if chosen not in rejected:
            return _Verdict(ArrivalOutcome.LINKED, chosen, LinkBasis.STEWARD)
    review: ScoredPair | None = None
    for candidate in candidates:
        pair = candidate.pair
        other = pair.right_key if pair.left_key == record.key else pair.left_key
        person = person_of.get(other)
        if person is None or person in rejected:
            continue
        strong = candidate.deterministic or (candidate.linkable and pair.match_weight >= model.upper_weight)
        if strong and not _nhs_conflict(session, record, person):
            basis = LinkBasis.DETERMINISTIC if candidate.deterministic else LinkBasis.PROBABILISTIC
            return _Verdict(ArrivalOutcome.LINKED, person, basis, round(pair.match_weight, 3))
        if review is None and other not in decided and pair.match_weight >= model.lower_weight:
            review = pair
    if review is not None:
        return _Verdict(ArrivalOutcome.REVIEW, review=review)
    return _Verdict(ArrivalOutcome.NEW_PERSON)


def _persons_of(session: Session, keys: Collection[int]) -> dict[int, str]:
    if not keys:
        return {}
    rows = session.execute(
        select(PersonLink.source_person_id, PersonLink.person_id).where(PersonLink.source_person_id.in_(list(keys)))
    )
    return {key: person for key, person in rows}


def _nhs_conflict(session: Session, record: LinkRecord, person_id: str) -> bool:
    """The person already holds a valid NHS number other than the record's: a data error for a steward, not a link."""
    if record.nhs_number is None:
        return False
    numbers = session.scalars(
        select(SourcePerson.nhs_number)
        .join(PersonLink, PersonLink.source_person_id == SourcePerson.id)
        .where(
            PersonLink.person_id == person_id,
            SourcePerson.nhs_number_status == NhsNumberStatus.VALID.value,
            SourcePerson.nhs_number != record.nhs_number,
        )
        .limit(1)
    )
    return numbers.first() is not None


def _write(session: Session, record: LinkRecord, verdict: _Verdict, run_id: int) -> None:
    now = utcnow()
    person_id = verdict.person_id
    kind = LinkEventKind.RECORD_ADDED
    if person_id is None:
        person_id = _mint(session)
        kind = LinkEventKind.CREATED
        session.execute(
            insert(Person),
            [{"id": person_id, "status": PersonStatus.ACTIVE.value, "created_at": now, "changed_at": now}],
        )
    session.execute(
        insert(PersonLink),
        [
            {
                "source_person_id": record.key,
                "person_id": person_id,
                "basis": verdict.basis.value,
                "weight": verdict.weight,
                "run_id": run_id,
            }
        ],
    )
    session.execute(
        insert(LinkEvent),
        [
            {
                "kind": kind.value,
                "person_id": person_id,
                "source_person_ids": [record.key],
                "actor": ARRIVAL_ACTOR,
                "at": now,
            }
        ],
    )
    if verdict.review is not None:
        pair = verdict.review
        session.execute(
            insert(ReviewItem),
            [
                {
                    "left_source_person_id": pair.left_key,
                    "right_source_person_id": pair.right_key,
                    "match_weight": pair.match_weight,
                    "match_probability": pair.match_probability,
                    "rule": pair.rule,
                    "fields": [dataclasses.asdict(f) for f in pair.fields],
                    "status": ReviewStatus.OPEN.value,
                    "run_id": run_id,
                    "created_at": now,
                }
            ],
        )


def _mint(session: Session) -> str:
    """A fresh person id, checked against the store rather than a set of every id (the index may hold millions)."""
    while True:
        person_id = new_person_id()
        if session.get(Person, person_id) is None:
            return person_id
