"""The master person index keeps ids stable across runs, logs merges and splits, and keeps the review queue honest.

The engine's result is built by hand here (a LinkOutcome), so these tests pin the index's own behaviour.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from socialdata.errors import UserError
from socialdata.linkage.batch import IdentifierConflict as Conflict
from socialdata.linkage.mpi import LinkOutcome, persist_run, resolve_person
from socialdata.linkage.records import FieldWeight, MatchDecision, ScoredPair
from socialdata.linkage.review import decide, list_items, reviewer_named, show_item, steward_decisions
from socialdata.linkage.stable_ids import assign_person_ids, new_person_id
from socialdata.store import Database
from socialdata.store.models import (
    AuditEventRecord,
    FeedSubmission,
    IdentifierConflict,
    LinkEvent,
    LinkRun,
    Organisation,
    PairDecision,
    Person,
    PersonLink,
    ReviewItem,
    SourcePerson,
    UserAccount,
)
from socialdata.store.types import utcnow

NAMES = ["ADA", "BEN", "CLEO", "DAN", "EVE", "FINN"]


def _seed(db: Database, n: int = 6) -> list[int]:
    """n source persons at one trust; returns their keys (source_person.id)."""
    with db.session() as s:
        s.add(Organisation(id="RZZ", name="Avonford Hospitals", kind="hospital_trust"))
        s.flush()
        sub = FeedSubmission(
            organisation_id="RZZ",
            file_name="bundle-0001.json",
            content_sha256="0" * 64,
            size_bytes=1,
            format="fhir",
            status="loaded",
        )
        s.add(sub)
        s.flush()
        people = [
            SourcePerson(
                organisation_id="RZZ",
                submission_id=sub.id,
                source_id=f"pat-{i}",
                nhs_number_status="missing",
                given_name=NAMES[i % len(NAMES)],
                family_name="SMITH",
                birth_date=dt.date(1950, 1, 1 + i),
            )
            for i in range(n)
        ]
        s.add_all(people)
        s.flush()
        return [p.id for p in people]


def _pair(a: int, b: int, weight: float, rule: str = "block_on_dob") -> ScoredPair:
    left, right = sorted((a, b))
    fields = (
        FieldWeight("given_name", "exact", "ADA", "ADA", 4.5),
        FieldWeight("birth_date", "one digit", "1950-01-01", "1950-01-07", -1.25),
    )
    return ScoredPair(left, right, weight, 2**weight / (1 + 2**weight), rule, fields)


def _outcome(clusters: Mapping[int, object], review: tuple[ScoredPair, ...] = (), **kw: object) -> LinkOutcome:
    return LinkOutcome(clusters=dict(clusters), links=(), review=review, **kw)  # type: ignore[arg-type]


def _persons(db: Database) -> dict[int, str]:
    with db.session() as s:
        return {key: person for key, person in s.execute(select(PersonLink.source_person_id, PersonLink.person_id))}


def _events(db: Database) -> list[LinkEvent]:
    with db.session() as s:
        return list(s.scalars(select(LinkEvent).order_by(LinkEvent.id)))


def _run(db: Database, outcome: LinkOutcome) -> None:
    with db.session() as s:
        persist_run(s, outcome, started_at=utcnow())


def test_first_run_creates_opaque_ids_and_a_rerun_changes_nothing(db: Database) -> None:
    k = _seed(db)
    clusters = {k[0]: "a", k[1]: "a", k[2]: "b", k[3]: "c", k[4]: "c", k[5]: "c"}
    _run(db, _outcome(clusters))
    first = _persons(db)
    assert len(set(first.values())) == 3
    assert all(re.fullmatch(r"P[A-Z2-7]{12}", p) for p in first.values())
    assert first[k[0]] == first[k[1]] != first[k[2]]
    created = _events(db)
    assert sorted(len(e.source_person_ids) for e in created) == [1, 2, 3]
    assert {e.kind for e in created} == {"created"}

    relabelled = {key: f"other-{label}" for key, label in clusters.items()}
    with db.session() as s:
        summary = persist_run(s, _outcome(relabelled), started_at=utcnow())
    assert _persons(db) == first
    assert len(_events(db)) == len(created)
    assert (summary.persons_created, summary.persons_merged, summary.records_moved) == (0, 0, 0)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(LinkRun)) == 2
        assert {
            basis for (basis,) in s.execute(select(PersonLink.basis).where(PersonLink.source_person_id == k[2]))
        } == {"singleton"}


def test_a_merge_keeps_the_majority_id_and_logs_the_retired_one(db: Database) -> None:
    k = _seed(db, 5)
    _run(db, _outcome({k[0]: 1, k[1]: 1, k[2]: 1, k[3]: 2, k[4]: 2}))
    before = _persons(db)
    survivor, retired = before[k[0]], before[k[3]]
    _run(db, _outcome(dict.fromkeys(k, 1)))
    after = _persons(db)
    assert set(after.values()) == {survivor}
    merged = [e for e in _events(db) if e.kind == "merged"]
    assert len(merged) == 1
    assert (merged[0].person_id, merged[0].other_person_id) == (survivor, retired)
    assert sorted(merged[0].source_person_ids) == [k[3], k[4]]
    with db.session() as s:
        gone = s.get_one(Person, retired)
        assert (gone.status, gone.merged_into) == ("merged", survivor)
        assert resolve_person(s, retired) == resolve_person(s, survivor) == survivor
        assert resolve_person(s, "PNOSUCHPERSON") is None


def test_a_tie_goes_to_the_oldest_person(db: Database) -> None:
    k = _seed(db, 4)
    _run(db, _outcome({k[0]: 1, k[1]: 1}))
    older = _persons(db)[k[0]]
    _run(db, _outcome({k[0]: 1, k[1]: 1, k[2]: 2, k[3]: 2}))
    younger = _persons(db)[k[2]]
    # Make the younger id sort first, so only age (not the id's spelling) can pick the survivor.
    _run(db, _outcome({k[2]: "z", k[3]: "z", k[0]: "z", k[1]: "z"}))
    assert set(_persons(db).values()) == {older}
    with db.session() as s:
        assert s.get_one(Person, younger).merged_into == older


def test_a_split_keeps_the_id_for_one_part_and_logs_the_new_person(db: Database) -> None:
    k = _seed(db, 5)
    _run(db, _outcome(dict.fromkeys(k, 1)))
    original = _persons(db)[k[0]]
    _run(db, _outcome({k[0]: 1, k[1]: 1, k[2]: 1, k[3]: 2, k[4]: 2}))
    after = _persons(db)
    assert after[k[0]] == after[k[1]] == after[k[2]] == original
    new = after[k[3]]
    assert new != original and after[k[4]] == new
    kinds = [(e.kind, e.person_id, e.other_person_id, sorted(e.source_person_ids)) for e in _events(db)[1:]]
    assert ("split", original, new, [k[3], k[4]]) in kinds
    assert ("created", new, None, [k[3], k[4]]) in kinds


def test_new_records_joining_a_person_are_logged_as_added(db: Database) -> None:
    k = _seed(db, 3)
    _run(db, _outcome({k[0]: 1, k[1]: 1}))
    person = _persons(db)[k[0]]
    _run(db, _outcome({k[0]: 1, k[1]: 1, k[2]: 1}))
    added = _events(db)[-1]
    assert (added.kind, added.person_id, added.source_person_ids) == ("record_added", person, [k[2]])


def test_review_queue_is_refreshed_and_keeps_ids_of_items_still_in_doubt(db: Database) -> None:
    k = _seed(db, 4)
    clusters = {key: key for key in k}
    _run(db, _outcome(clusters, review=(_pair(k[0], k[1], 1.0), _pair(k[2], k[3], -0.5))))
    with db.session() as s:
        items = list_items(s)
    assert [(i.left_key, i.right_key) for i in items] == [(k[2], k[3]), (k[0], k[1])]  # nearest zero first
    kept = items[1].id
    _run(db, _outcome(clusters, review=(_pair(k[0], k[1], 2.0), _pair(k[1], k[2], 0.25))))
    with db.session() as s:
        now = {(i.left_key, i.right_key): i for i in list_items(s)}
    assert set(now) == {(k[0], k[1]), (k[1], k[2])}
    assert now[(k[0], k[1])].id == kept
    assert now[(k[0], k[1])].match_weight == 2.0


def test_a_decision_persists_closes_the_item_and_keeps_the_pair_out_of_later_queues(db: Database) -> None:
    k = _seed(db, 2)
    with db.session() as s:
        s.add(UserAccount(username="sam", display_name="Sam Steward", role="data_steward", password_hash="x"))
    clusters = {k[0]: 1, k[1]: 2}
    _run(db, _outcome(clusters, review=(_pair(k[0], k[1], 0.5),)))
    with db.session() as s:
        (item,) = list_items(s)
        decide(s, item.id, MatchDecision.NON_MATCH, reviewer_named(s, "sam"), note="  different mothers' names  ")
    with db.session() as s:
        detail = show_item(s, item.id, reviewer_named(s, "sam"))
        assert steward_decisions(s) == {(k[0], k[1]): MatchDecision.NON_MATCH}
        assert list_items(s) == []
    assert detail.summary.decision == "non_match"
    assert (detail.decided_by, detail.note) == ("sam", "different mothers' names")
    assert detail.left.given_name == "ADA" and detail.right.given_name == "BEN"
    assert [f.field for f in detail.fields] == ["given_name", "birth_date"]
    persons = _persons(db)
    with db.session() as s:
        audited = s.execute(
            select(AuditEventRecord.entity_type, AuditEventRecord.action, AuditEventRecord.patient_id).where(
                AuditEventRecord.username == "sam"
            )
        ).all()
    expected = [
        (entity, action, persons[key])
        for entity, action in (("match_decision", "C"), ("review_item", "R"))
        for key in k
    ]
    assert sorted(audited) == sorted(expected)
    _run(db, _outcome(clusters, review=(_pair(k[0], k[1], 0.5),)))
    with db.session() as s:
        assert list_items(s) == []
        assert s.scalar(select(func.count()).select_from(ReviewItem)) == 1


@pytest.mark.parametrize(
    ("by", "item_offset", "note", "message"),
    [
        ("nobody", 0, None, "no active user account named 'nobody'"),
        ("rita", 0, None, "only a data steward or privacy officer may review"),
        ("sam", 99, None, "there is no review item"),
        ("sam", 0, "x" * 2001, "the note has 2001 characters"),
        ("sam", 0, "bad\x00note", "the note contains a NUL character"),
    ],
)
def test_a_bad_decision_is_refused_and_writes_nothing(
    db: Database, by: str, item_offset: int, note: str | None, message: str
) -> None:
    k = _seed(db, 2)
    with db.session() as s:
        s.add(UserAccount(username="sam", display_name="Sam", role="data_steward", password_hash="x"))
        s.add(UserAccount(username="rita", display_name="Rita", role="researcher", password_hash="x"))
    _run(db, _outcome({k[0]: 1, k[1]: 2}, review=(_pair(k[0], k[1], 0.5),)))
    with db.session() as s:
        (item,) = list_items(s)
    with pytest.raises(UserError, match=message), db.session() as s:
        decide(s, item.id + item_offset, MatchDecision.MATCH, reviewer_named(s, by), note=note)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(PairDecision)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEventRecord)) == 0
        assert [i.status for i in list_items(s, status=None)] == ["open"]


def test_conflicts_are_recorded_with_the_people_they_touch(db: Database) -> None:
    k = _seed(db, 3)
    conflict = Conflict("nhs_number", "9990000018", (k[0], k[1]), "same NHS number, different people", (1, 2))
    _run(db, _outcome({k[0]: 1, k[1]: 2, k[2]: 2}, conflicts=(conflict,)))
    persons = _persons(db)
    with db.session() as s:
        row = s.scalars(select(IdentifierConflict)).one()
    assert row.source_person_ids == [k[0], k[1]]
    assert row.person_ids == sorted({persons[k[0]], persons[k[1]]})


def test_a_run_that_fails_part_way_writes_nothing(db: Database) -> None:
    k = _seed(db, 2)
    missing = max(k) + 1000  # a record the store does not hold
    with pytest.raises(Exception, match=r"(?i)foreign key|violates"), db.session() as s:
        persist_run(s, _outcome({k[0]: 1, k[1]: 1, missing: 2}), started_at=utcnow())
    with db.session() as s:
        for model in (LinkRun, Person, PersonLink, LinkEvent):
            assert s.scalar(select(func.count()).select_from(model)) == 0


def test_person_ids_are_never_reused() -> None:
    taken = {new_person_id() for _ in range(50)}
    assert len(taken) == 50
    assert new_person_id(taken) not in taken


@given(st.dictionaries(st.integers(0, 30), st.integers(0, 6), min_size=1))
def test_the_same_clusters_under_any_labels_keep_every_id(clusters: dict[int, int]) -> None:
    counter = iter(range(10_000))
    first = assign_person_ids({}, clusters, [], lambda: f"P{next(counter):012d}")
    relabelled = {key: -label for key, label in clusters.items()}
    again = assign_person_ids(
        first.person_of_record, relabelled, sorted(set(first.person_of_record.values())), lambda: ""
    )
    assert again.person_of_record == first.person_of_record
    assert again.changes == () and again.created == ()
