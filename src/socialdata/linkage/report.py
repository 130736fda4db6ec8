"""The linkage quality report: how well each partner's records link, what waits for review, and — given the
synthetic city's truth — how right the links are (pairwise and B-cubed precision, recall, F1).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from socialdata.errors import UserError
from socialdata.linkage.evaluation import Evaluation, evaluate, read_truth
from socialdata.linkage.review import open_count
from socialdata.store.models import IdentifierConflict, LinkRun, Person, PersonLink, PersonStatus, SourcePerson


@dataclass(frozen=True)
class SourceLinkRate:
    """One partner's records: how many share a person with another record, and with another partner's record."""

    organisation_id: str
    records: int
    linked: int
    linked_across_sources: int

    @property
    def link_rate(self) -> float:
        return self.linked / self.records if self.records else 0.0

    @property
    def cross_source_rate(self) -> float:
        return self.linked_across_sources / self.records if self.records else 0.0


@dataclass(frozen=True)
class RunFigures:
    """The last run: when, and what it changed."""

    id: int
    started_at: dt.datetime
    finished_at: dt.datetime
    records: int
    persons: int
    persons_created: int
    persons_merged: int
    persons_split: int
    records_moved: int
    stats: dict[str, Any]


@dataclass(frozen=True)
class QualityReport:
    persons: int
    records: int
    singletons: int
    not_yet_linked: int
    review_open: int
    conflicts: int
    sources: tuple[SourceLinkRate, ...]
    last_run: RunFigures | None
    truth: Evaluation | None = None

    def as_dict(self) -> dict[str, Any]:
        payload = dataclasses.asdict(self)
        payload["sources"] = [
            dataclasses.asdict(s) | {"link_rate": s.link_rate, "cross_source_rate": s.cross_source_rate}
            for s in self.sources
        ]
        return payload


def quality_report(session: Session, truth_file: Path | None = None) -> QualityReport:
    """The report over the index as it stands; with a truth file, scored against it."""
    truth = _read_truth(truth_file) if truth_file else None
    per_person = (
        select(
            PersonLink.person_id,
            func.count().label("size"),
            func.count(distinct(SourcePerson.organisation_id)).label("sources"),
        )
        .join(SourcePerson, SourcePerson.id == PersonLink.source_person_id)
        .group_by(PersonLink.person_id)
        .subquery()
    )
    rows = session.execute(
        select(
            SourcePerson.organisation_id,
            func.count(),
            func.sum(case((per_person.c.size > 1, 1), else_=0)),
            func.sum(case((per_person.c.sources > 1, 1), else_=0)),
        )
        .join(PersonLink, PersonLink.source_person_id == SourcePerson.id)
        .join(per_person, per_person.c.person_id == PersonLink.person_id)
        .group_by(SourcePerson.organisation_id)
        .order_by(SourcePerson.organisation_id)
    )
    sources = tuple(SourceLinkRate(org, int(n), int(linked or 0), int(across or 0)) for org, n, linked, across in rows)
    last = session.scalar(select(LinkRun).order_by(LinkRun.id.desc()).limit(1))
    all_records = session.scalar(select(func.count()).select_from(SourcePerson)) or 0
    linked_records = session.scalar(select(func.count()).select_from(PersonLink)) or 0
    return QualityReport(
        persons=session.scalar(select(func.count()).where(Person.status == PersonStatus.ACTIVE.value)) or 0,
        records=all_records,
        singletons=session.scalar(select(func.count()).select_from(per_person).where(per_person.c.size == 1)) or 0,
        not_yet_linked=all_records - linked_records,
        review_open=open_count(session),
        conflicts=(
            session.scalar(select(func.count()).where(IdentifierConflict.run_id == last.id)) or 0 if last else 0
        ),
        sources=sources,
        last_run=_figures(last) if last else None,
        truth=_score(session, truth) if truth is not None else None,
    )


def _read_truth(path: Path) -> Mapping[Hashable, Hashable]:
    if not path.is_file():
        raise UserError("no such file", where=str(path))
    try:
        return cast(Mapping[Hashable, Hashable], read_truth(path))
    except KeyError as exc:
        raise UserError(
            f"missing column {exc.args[0]!r}; a truth file has organisation_id, source_id, person_id", where=str(path)
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise UserError(f"not a readable CSV file ({exc})", where=str(path)) from None


def _score(session: Session, truth: Mapping[Hashable, Hashable]) -> Evaluation:
    predicted: dict[Hashable, Hashable] = {
        (org, source_id): person
        for org, source_id, person in session.execute(
            select(SourcePerson.organisation_id, SourcePerson.source_id, PersonLink.person_id).join(
                PersonLink, PersonLink.source_person_id == SourcePerson.id
            )
        )
    }
    result = evaluate(predicted, truth)
    if result.records == 0:
        raise UserError(
            f"none of its {len(truth)} records is in the index; is it the truth for the city that was loaded"
            " and has `sdf link` run?",
            where="--truth",
        )
    return result


def _figures(run: LinkRun) -> RunFigures:
    return RunFigures(
        id=run.id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        records=run.records,
        persons=run.persons,
        persons_created=run.persons_created,
        persons_merged=run.persons_merged,
        persons_split=run.persons_split,
        records_moved=run.records_moved,
        stats=run.stats,
    )
