"""Records arriving through `sdf ingest` are matched against the person index at once, and a later run keeps the ids.

A small population is stored and linked by `sdf link`'s service, then new feed files bring a typo'd record of an
existing person, a brand-new person, a doubtful record and a record whose pair a steward rejected.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from socialdata.cli import app
from socialdata.feeds import ingest_path
from socialdata.linkage.arrivals import WarmIndex, link_arrivals
from socialdata.linkage.explain import explain
from socialdata.linkage.model import LinkageModel
from socialdata.linkage.records import LinkRecord, MatchDecision
from socialdata.linkage.service import run_linkage
from socialdata.store import Database
from socialdata.store.models import (
    LinkEvent,
    LinkRun,
    PairDecision,
    Person,
    PersonLink,
    ReviewItem,
    SourcePerson,
)
from test_feeds_builders import nhs_number, patient, write_bundle
from test_linkage_mpi_runs import add_population

PEOPLE = 60


def _sdf(cli_env: dict[str, str], *args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], env=cli_env)


def _record(person: SourcePerson) -> LinkRecord:
    return LinkRecord(
        key=person.id,
        organisation_id=person.organisation_id,
        source_id=person.source_id,
        nhs_number=person.nhs_number,
        given_name=person.given_name,
        other_given_names=None,
        family_name=person.family_name,
        birth_date=person.birth_date,
        sex=person.sex,
        postcode=person.postcode,
    )


def _resource(pid: str, record: LinkRecord) -> dict[str, Any]:
    """A FHIR Patient carrying the record's identifiers (no address when it has no postcode)."""
    assert record.birth_date is not None and record.family_name and record.given_name
    extra: dict[str, Any] = {} if record.postcode else {"address": []}
    return patient(
        pid,
        nhs=record.nhs_number,
        family=record.family_name,
        given=(record.given_name,),
        birth=record.birth_date.isoformat(),
        postcode=record.postcode or "",
        **extra,
    )


def _typo(name: str) -> str:
    return name[:1] + name[2] + name[1] + name[3:]


def _hospital_records(db: Database) -> list[SourcePerson]:
    with db.session() as s:
        query = select(SourcePerson).where(SourcePerson.organisation_id == "RZZ", SourcePerson.nhs_number.is_not(None))
        return list(s.scalars(query.order_by(SourcePerson.id)))


def _model(db: Database) -> LinkageModel:
    with db.session() as s:
        run = s.scalars(select(LinkRun).order_by(LinkRun.id.desc())).first()
        assert run is not None
        return LinkageModel.from_json(json.dumps(run.model))


def _borderline(model: LinkageModel, original: LinkRecord) -> LinkRecord:
    """A version of the record the model scores between its thresholds (no NHS number, a changed surname...)."""
    assert original.family_name is not None
    given, born = original.given_name, original.birth_date
    variants = [
        LinkRecord(0, "RZZ", "x", None, given, None, _typo(original.family_name), born, "F", None),
        LinkRecord(0, "RZZ", "x", None, given, None, original.family_name, born, "F", "BS99 9ZZ"),
        LinkRecord(0, "RZZ", "x", None, given, None, "QUIGLEY", born, "F", None),
    ]
    for variant in variants:
        weight = explain(model, original, variant).match_weight
        if model.lower_weight <= weight < model.upper_weight:
            return variant
    raise AssertionError("no variant of the record scores between the model's thresholds")


def _link_of(db: Database, source_id: str) -> PersonLink:
    with db.session() as s:
        key = s.scalar(select(SourcePerson.id).where(SourcePerson.source_id == source_id))
        link = s.get(PersonLink, key)
        assert link is not None, f"{source_id} has no person link"
        s.expunge(link)
        return link


def _events(db: Database, key: int) -> list[tuple[str, str]]:
    with db.session() as s:
        events = s.scalars(select(LinkEvent).order_by(LinkEvent.id))
        return [(e.kind, e.person_id) for e in events if key in e.source_person_ids]


def test_arriving_records_link_review_or_become_people_and_keep_their_ids(
    db: Database, cli_env: dict[str, str], tmp_path: Path
) -> None:
    add_population(db, PEOPLE)
    run_linkage(db)
    model = _model(db)
    known, doubtful, rejected_twin = (_record(p) for p in _hospital_records(db)[:3])
    assert known.given_name is not None
    before = _link_of(db, known.source_id)
    typo = LinkRecord(**{**vars(known), "given_name": _typo(known.given_name)})
    newcomer = LinkRecord(0, "RZZ", "x", None, "XANTHIPPE", None, "ZWOLINSKI", dt.date(1911, 11, 11), "F", "BS9 9ZZ")
    resources = [
        _resource("arrival-known", typo),
        _resource("arrival-new", newcomer),
        _resource("arrival-doubtful", _borderline(model, doubtful)),
    ]
    result = _sdf(cli_env, "ingest", write_bundle(tmp_path / "arrivals.json", resources), "--org", "RZZ", "--json")
    assert result.exit_code == 0, result.output
    [loaded] = json.loads(result.stdout)
    linkage = loaded["linkage"]
    assert (linkage["records"], linkage["linked"], linkage["review"], linkage["new_persons"]) == (3, 1, 1, 2)
    assert linkage["summary"] == "3 new records: 1 linked to existing people, 1 sent for review, 2 new people"
    assert linkage["match_p99_ms"] >= linkage["match_p50_ms"] > 0

    # (a) the typo'd record joins the existing person, on NHS number and birth date, with a record_added event
    arrived = _link_of(db, "arrival-known")
    assert (arrived.person_id, arrived.basis) == (before.person_id, "deterministic")
    assert _events(db, arrived.source_person_id) == [("record_added", before.person_id)]
    # (b) the newcomer is a new person, created
    new = _link_of(db, "arrival-new")
    assert new.basis == "singleton" and new.person_id != before.person_id
    assert _events(db, new.source_person_id) == [("created", new.person_id)]
    # (c) the doubtful record is a new person waiting for a steward, the breakdown beside it
    held = _link_of(db, "arrival-doubtful")
    with db.session() as s:
        doubtful_person = s.scalar(select(PersonLink.person_id).where(PersonLink.source_person_id == doubtful.key))
        [item] = s.scalars(select(ReviewItem).where(ReviewItem.right_source_person_id == held.source_person_id))
        assert (item.left_source_person_id, item.status) == (doubtful.key, "open")
        assert {f["field"] for f in item.fields} >= {"prior", "given_name", "family_name", "birth_date"}
    assert held.basis == "singleton" and held.person_id != doubtful_person

    # (d) a record a steward has kept apart from its strongest match is not linked to that person
    assert rejected_twin.given_name is not None
    twin = LinkRecord(**{**vars(rejected_twin), "given_name": _typo(rejected_twin.given_name)})
    second = _sdf(cli_env, "ingest", write_bundle(tmp_path / "b.json", [_resource("arrival-rejected", twin)]),
                  "--org", "RZZ", "--no-link", "--json")  # fmt: skip
    assert second.exit_code == 0, second.output
    [loaded_second] = json.loads(second.stdout)
    assert loaded_second["linkage"] is None
    with db.session() as s:
        key = s.scalar(select(SourcePerson.id).where(SourcePerson.source_id == "arrival-rejected"))
        assert key is not None and s.get(PersonLink, key) is None
        s.add(PairDecision(left_source_person_id=rejected_twin.key, right_source_person_id=key,
                           decision=MatchDecision.NON_MATCH.value, decided_by="owen"))  # fmt: skip
        twin_person = s.scalar(select(PersonLink.person_id).where(PersonLink.source_person_id == rejected_twin.key))
    report = link_arrivals(db, [loaded_second["submission_id"]], index=WarmIndex())
    assert (report.records, report.linked, report.review, report.new_persons) == (1, 0, 0, 1)
    kept_apart = _link_of(db, "arrival-rejected")
    assert kept_apart.person_id != twin_person

    # A later batch run keeps every id the arrivals were given, and honours the steward.
    links = {name: _link_of(db, name).person_id for name in ("arrival-known", "arrival-new", "arrival-doubtful")}
    run_linkage(db)
    assert {name: _link_of(db, name).person_id for name in links} == links
    assert _link_of(db, "arrival-rejected").person_id != _link_of(db, rejected_twin.source_id).person_id


def test_without_a_link_run_arrivals_are_left_alone_and_the_message_says_why(
    db: Database, cli_env: dict[str, str], tmp_path: Path
) -> None:
    add_population(db, 3)
    path = write_bundle(tmp_path / "a.json", [patient("arrival-1")])
    result = _sdf(cli_env, "ingest", path, "--org", "RZZ")
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())
    assert "Loaded a.json" in said and "there is no linkage run yet; run `sdf link` first" in said
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(PersonLink)) == 0
        assert s.scalar(select(func.count()).select_from(Person)) == 0
    [again] = ingest_path(db, write_bundle(tmp_path / "b.json", [patient("arrival-2")]), "RZZ")
    assert again.submission_id is not None
    report = link_arrivals(db, [again.submission_id])
    assert report.records == 0 and report.message is not None and "run `sdf link` first" in report.message


def test_a_record_is_never_linked_to_a_person_holding_another_valid_nhs_number(db: Database, tmp_path: Path) -> None:
    add_population(db, PEOPLE)
    run_linkage(db)
    with db.session() as s:
        person_of = {
            key: person for key, person in s.execute(select(PersonLink.source_person_id, PersonLink.person_id))
        }
        numbered = {person_of[p.id]: p.nhs_number for p in s.scalars(select(SourcePerson)) if p.nhs_number}
        council = next(
            p
            for p in s.scalars(select(SourcePerson).where(SourcePerson.organisation_id == "LA900"))
            if p.nhs_number is None and person_of[p.id] in numbered
        )
        original = _record(council)
    other_number = nhs_number(400_000)
    assert other_number != numbered[person_of[original.key]]
    arrival = LinkRecord(**{**vars(original), "nhs_number": other_number})
    [loaded] = ingest_path(db, write_bundle(tmp_path / "c.json", [_resource("arrival-conflict", arrival)]), "RZZ")
    assert loaded.submission_id is not None
    report = link_arrivals(db, [loaded.submission_id])
    assert (report.records, report.linked, report.review) == (1, 0, 1)
    assert _link_of(db, "arrival-conflict").person_id != person_of[original.key]
