"""`sdf link` end to end with the real engine: stable ids on re-runs, stewards' decisions honoured, the report scored.

These run the service (and the CLI in process) on a small seeded population stored on each backend: each person has
records at up to three partners (the council's often without an NHS number, some names shortened), and
`add_ambiguous` adds council records differing from a hospital record in one strong field, for the review queue.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from socialdata.cli import app
from socialdata.identity import nhs_check_digit
from socialdata.linkage.records import MatchDecision
from socialdata.linkage.report import quality_report
from socialdata.linkage.review import decide, list_items, reviewer_named
from socialdata.linkage.service import run_linkage
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
    SourcePerson,
    UserAccount,
)

PEOPLE = 120

GIVEN = ["OLIVIA", "AMELIA", "ISLA", "AVA", "MIA", "NOAH", "OLIVER", "GEORGE", "ARTHUR", "LEO", "HARRY", "OSCAR"]
FAMILY = ["SMITH", "JONES", "TAYLOR", "BROWN", "WILLIAMS", "WILSON", "JOHNSON", "DAVIES", "PATEL", "WRIGHT", "KHAN"]
PARTNERS = ("RZZ", "Y90001", "LA900")


@dataclass(frozen=True)
class Population:
    truth: dict[tuple[str, str], str]  # (organisation, source id) → true person

    def write_truth(self, path: Path) -> Path:
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["organisation_id", "source_id", "person_id"])
            writer.writerows((org, source, person) for (org, source), person in sorted(self.truth.items()))
        return path


def _nhs_number(rng: random.Random) -> str:
    while True:
        nine = f"999{rng.randrange(10**6):06d}"
        digit = nhs_check_digit(nine)
        if digit is not None:
            return nine + str(digit)


def _submissions(db: Database) -> dict[str, int]:
    with db.session() as s:
        for org in PARTNERS:
            if s.get(Organisation, org) is None:
                s.add(Organisation(id=org, name=f"Partner {org}", kind="council" if org == "LA900" else "gp_practice"))
        s.flush()
        subs = {}
        for org in PARTNERS:
            sub = FeedSubmission(
                organisation_id=org,
                file_name=f"{org}.csv",
                content_sha256=f"{org}-{random.random()}".ljust(64, "0")[:64],
                size_bytes=1,
                format="csv",
                status="loaded",
            )
            s.add(sub)
            s.flush()
            subs[org] = sub.id
        return subs


def add_population(db: Database, people: int, seed: int = 7) -> Population:
    rng = random.Random(seed)
    subs = _submissions(db)
    truth: dict[tuple[str, str], str] = {}
    with db.session() as s:
        for i in range(people):
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            born = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(30_000))
            postcode = f"BS{rng.randrange(1, 20)} {rng.randrange(1, 9)}{rng.choice('ABDEFG')}{rng.choice('HJLNPQ')}"
            nhs = _nhs_number(rng)
            for org in PARTNERS:
                if org != "RZZ" and rng.random() < 0.3:
                    continue
                number = nhs if org != "LA900" or rng.random() < 0.5 else None
                s.add(
                    SourcePerson(
                        organisation_id=org,
                        submission_id=subs[org],
                        source_id=f"{org}-{i}",
                        nhs_number=number,
                        nhs_number_status="valid" if number else "missing",
                        given_name=given if rng.random() > 0.2 else given[:-1],
                        family_name=family,
                        birth_date=born,
                        sex="F",
                        postcode=postcode,
                    )
                )
                truth[(org, f"{org}-{i}")] = f"T{i}"
    return Population(truth)


def add_ambiguous(db: Database, count: int) -> list[int]:
    """Council records copying a hospital record but for a changed surname and no postcode; returns their keys."""
    subs = _submissions(db)
    with db.session() as s:
        originals = s.scalars(
            select(SourcePerson).where(SourcePerson.organisation_id == "RZZ").order_by(SourcePerson.id).limit(count)
        ).all()
        added = [
            SourcePerson(
                organisation_id="LA900",
                submission_id=subs["LA900"],
                source_id=f"ambiguous-{original.id}",
                nhs_number_status="missing",
                given_name=original.given_name,
                family_name=f"{original.family_name}-NEWNAME",
                birth_date=original.birth_date,
                sex=original.sex,
            )
            for original in originals
        ]
        s.add_all(added)
        s.flush()
        return [p.id for p in added]


def _links(db: Database) -> dict[int, str]:
    with db.session() as s:
        return {key: person for key, person in s.execute(select(PersonLink.source_person_id, PersonLink.person_id))}


def _event_count(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(LinkEvent)) or 0


def _steward(db: Database) -> None:
    with db.session() as s:
        s.add(UserAccount(username="owen", display_name="Owen James", role="data_steward", password_hash="x"))


def test_a_rerun_on_the_same_data_changes_no_id_and_records_no_event(db: Database, tmp_path: Path) -> None:
    population = add_population(db, PEOPLE)
    first = run_linkage(db)
    links, events = _links(db), _event_count(db)
    assert first.records == len(population.truth) == len(links)
    assert first.persons_created == first.persons == len(set(links.values()))
    second = run_linkage(db)
    assert _links(db) == links
    assert _event_count(db) == events
    assert (second.persons_created, second.persons_merged, second.persons_split, second.records_moved) == (0, 0, 0, 0)
    with db.session() as s:
        report = quality_report(s, population.write_truth(tmp_path / "truth.csv"))
    assert report.truth is not None and report.truth.records == len(population.truth)
    assert report.truth.pairwise.f1 > 0.9 and report.truth.bcubed.f1 > 0.9
    assert report.persons == second.persons and report.last_run is not None and report.last_run.id == second.run_id
    assert sum(src.records for src in report.sources) == len(links)


def test_steward_decisions_are_honoured_by_the_next_run(db: Database) -> None:
    add_population(db, PEOPLE)
    ambiguous = add_ambiguous(db, 4)
    _steward(db)
    run_linkage(db)
    before = _links(db)
    with db.session() as s:
        items = list_items(s)
    by_record = {item.right_key: item for item in items if item.right_key in ambiguous}
    assert len(by_record) >= 2, "the ambiguous records should wait for review"
    accepted, rejected = list(by_record.values())[:2]
    assert before[accepted.left_key] != before[accepted.right_key]
    with db.session() as s:
        steward = reviewer_named(s, "owen")
        decide(s, accepted.id, MatchDecision.MATCH, steward)
        decide(s, rejected.id, MatchDecision.NON_MATCH, steward, note="different people")
    # A pair the engine links on NHS number and birth date, split by a steward's decision outside the queue.
    person_sizes: dict[str, list[int]] = {}
    for key, person in before.items():
        person_sizes.setdefault(person, []).append(key)
    left, right = next(sorted(keys)[:2] for keys in person_sizes.values() if len(keys) == 2)
    with db.session() as s:
        s.add(
            PairDecision(
                left_source_person_id=left, right_source_person_id=right, decision="non_match", decided_by="owen"
            )
        )
    run_linkage(db)
    after = _links(db)
    assert after[accepted.left_key] == after[accepted.right_key]
    assert after[rejected.left_key] != after[rejected.right_key]
    assert after[left] != after[right]
    with db.session() as s:
        kinds = {
            (e.kind, e.person_id, e.other_person_id) for e in s.scalars(select(LinkEvent).where(LinkEvent.run_id == 2))
        }
        merged_away = s.get_one(Person, before[accepted.right_key])
        still_open = {(i.left_key, i.right_key) for i in list_items(s)}
    assert ("merged", after[accepted.left_key], before[accepted.right_key]) in kinds
    assert (merged_away.status, merged_away.merged_into) == ("merged", after[accepted.left_key])
    assert any(kind == "split" and person == before[left] for kind, person, _other in kinds)
    assert (accepted.left_key, accepted.right_key) not in still_open
    assert (rejected.left_key, rejected.right_key) not in still_open
    run_linkage(db)
    assert _links(db) == after, "decisions keep holding on later runs"


def _sdf(cli_env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=cli_env)
    return result.exit_code, result.output


def test_the_cli_links_reviews_and_reports(db: Database, cli_env: dict[str, str], tmp_path: Path) -> None:
    population = add_population(db, 60)
    ambiguous = add_ambiguous(db, 2)
    _steward(db)
    code, out = _sdf(cli_env, "link", "--json")
    assert code == 0, out
    summary = json.loads(out[out.index("{") :])
    assert summary["records"] == len(population.truth) + len(ambiguous)
    code, out = _sdf(cli_env, "link", "review", "list", "--json")
    items = json.loads(out)
    assert code == 0 and items and all(item["status"] == "open" for item in items)
    item = items[0]["id"]
    code, out = _sdf(cli_env, "link", "review", "show", str(item), "--by", "owen")
    assert code == 0 and "Why: match weight" in out and "NHS number" in out
    code, out = _sdf(cli_env, "link", "review", "decide", str(item), "--decision", "match", "--by", "owen", "--json")
    assert code == 0 and json.loads(out)["decision"] == "match"
    truth = population.write_truth(tmp_path / "truth.csv")
    code, out = _sdf(cli_env, "link", "report", "--truth", str(truth), "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["review_open"] == len(items) - 1
    assert 0.9 < report["truth"]["pairwise"]["f1"] <= 1.0
    assert {src["organisation_id"] for src in report["sources"]} == {"RZZ", "Y90001", "LA900"}
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(LinkRun)) == 1


def test_the_cli_asks_the_gate_and_a_refused_look_is_audited(db: Database, cli_env: dict[str, str]) -> None:
    add_population(db, 10)
    add_ambiguous(db, 1)
    _steward(db)
    with db.session() as s:
        s.add(UserAccount(username="rita", display_name="Rita", role="researcher", password_hash="x"))
    run_linkage(db)
    with db.session() as s:
        item = list_items(s)[0].id
    code, out = _sdf(cli_env, "link", "review", "show", str(item), "--by", "rita")
    assert code == 2 and "NHS number" not in out
    code, out = _sdf(cli_env, "link", "review", "show", str(item), "--by", "owen")
    assert code == 0 and "NHS number" in out
    with db.session() as s:
        looks = s.execute(
            select(AuditEventRecord.username, AuditEventRecord.outcome, AuditEventRecord.purpose).where(
                AuditEventRecord.entity_type == "ReviewItem", AuditEventRecord.entity_id == str(item)
            )
        ).all()
    assert sorted((u, o) for u, o, _ in looks) == [("owen", 0), ("rita", 4)]
    assert {p for _, _, p in looks} == {"HOPERAT"}  # the v3 purpose of use the gate gives oversight


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["link", "review", "decide", "999999", "--decision", "match", "--by", "owen"],
            "there is no review item 999999",
        ),
        (["link", "review", "decide", "1", "--decision", "perhaps", "--by", "owen"], "unknown decision 'perhaps'"),
        (["link", "review", "decide", "1", "--decision", "match", "--by", "rita"], "is for data stewards and privacy"),
        (["link", "review", "show", "1", "--by", "nobody"], "no active user account named 'nobody'"),
        (["link", "report", "--truth", "missing.csv"], "missing.csv: no such file"),
        (["link", "report", "--truth", "bad.csv"], "missing column 'person_id'"),
        (["link", "report", "--truth", "other.csv"], "none of its 1 records is in the index"),
    ],
)
def test_bad_cli_input_is_one_clear_line_and_changes_nothing(
    db: Database,
    cli_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    add_population(db, 10)
    add_ambiguous(db, 1)
    _steward(db)
    with db.session() as s:
        s.add(UserAccount(username="rita", display_name="Rita", role="researcher", password_hash="x"))
    run_linkage(db)
    (tmp_path / "bad.csv").write_text("organisation_id,source_id\nRZZ,RZZ-0\n")
    (tmp_path / "other.csv").write_text("organisation_id,source_id,person_id\nXYZ,1,T1\n")
    monkeypatch.chdir(tmp_path)
    with db.session() as s:
        items = list_items(s)
    code, out = _sdf(cli_env, *args)
    assert code == 2
    assert message in " ".join(out.split())
    assert "Traceback" not in out
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(PairDecision)) == 0
        assert list_items(s) == items


def test_bad_records_each_get_a_person_and_a_shared_nhs_number_is_flagged_not_merged(db: Database) -> None:
    add_population(db, 40)
    with db.session() as s:
        sub = s.scalars(select(SourcePerson.submission_id).where(SourcePerson.organisation_id == "RZZ")).first()
        assert sub is not None

        def person(source_id: str, **fields: object) -> SourcePerson:
            row = SourcePerson(organisation_id="RZZ", submission_id=sub, source_id=source_id, **fields)
            s.add(row)
            return row

        shared = [
            person("shared-1", nhs_number="9990000018", nhs_number_status="valid", given_name="GEORGE",
                   family_name="KHAN", birth_date=dt.date(1950, 1, 1), sex="M", postcode="BS1 1AA"),
            person("shared-2", nhs_number="9990000018", nhs_number_status="valid", given_name="MIA",
                   family_name="PATEL", birth_date=dt.date(1988, 7, 7), sex="F", postcode="BS9 9ZZ"),
        ]  # fmt: skip
        twins = [
            person(f"twin-{given}", nhs_number_status="missing", given_name=given, family_name="WRIGHT",
                   birth_date=dt.date(2001, 5, 5), sex="F", postcode="BS2 2BB", address="3 Mill Lane")
            for given in ("AVA", "ISLA")
        ]  # fmt: skip
        bare = [
            person("name-only", nhs_number_status="missing", given_name="ISLA", family_name="JONES"),
            person("nothing", nhs_number_status="missing"),
        ]
        s.flush()
        keys = {row.source_id: row.id for row in (*shared, *twins, *bare)}
    run_linkage(db)
    links = _links(db)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(SourcePerson)) == len(links)
        basis = {key: b for key, b in s.execute(select(PersonLink.source_person_id, PersonLink.basis))}
        conflicts = s.scalars(select(IdentifierConflict)).all()
        report = quality_report(s)
    assert links[keys["shared-1"]] != links[keys["shared-2"]]
    assert links[keys["twin-AVA"]] != links[keys["twin-ISLA"]]
    assert basis[keys["name-only"]] == basis[keys["nothing"]] == "singleton"
    flagged = [c for c in conflicts if {keys["shared-1"], keys["shared-2"]} <= set(c.source_person_ids)]
    assert len(flagged) == 1 and flagged[0].identifier == "nhs_number"
    assert set(flagged[0].person_ids) == {links[keys["shared-1"]], links[keys["shared-2"]]}
    assert report.conflicts == len(conflicts) >= 1


def test_linking_an_empty_or_uninitialised_store_says_what_to_do(
    db: Database, cli_env: dict[str, str], tmp_path: Path
) -> None:
    code, out = _sdf(cli_env, "link")
    assert code == 2 and "no source records to link yet" in out
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(LinkRun)) == 0
    blank = {**cli_env, "SDF_HOME": str(tmp_path / "blank"), "SDF_DATABASE_URL": ""}
    code, out = _sdf(blank, "link", "report")
    assert code == 2 and "run `sdf init`" in " ".join(out.split())
