"""The linkage engine on small hand-made records: each bad input, the constraints on clustering, steward decisions."""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import pytest

from socialdata.errors import UserError
from socialdata.linkage.batch import BatchResult, link_batch, records_to_duckdb
from socialdata.linkage.comparisons import FAMILY, GIVEN
from socialdata.linkage.explain import explain
from socialdata.linkage.model import LinkageModel, TermFrequencies
from socialdata.linkage.realtime import MatchIndex
from socialdata.linkage.records import LinkRecord, MatchDecision
from socialdata.linkage.training import train_model

NHS_A = "9434765919"
NHS_B = "9434765870"
NHS_C = "9990000018"


def record(
    key: int,
    given: str | None,
    family: str | None,
    born: str | None = None,
    *,
    nhs: str | None = None,
    postcode: str | None = None,
    sex: str | None = None,
    org: str = "ORG1",
) -> LinkRecord:
    return LinkRecord(
        key=key,
        organisation_id=org,
        source_id=f"S{key}",
        nhs_number=nhs,
        given_name=given,
        other_given_names=None,
        family_name=family,
        birth_date=dt.date.fromisoformat(born) if born else None,
        sex=sex,
        postcode=postcode,
    )


def model(**overrides: object) -> LinkageModel:
    """A fixed model with realistic parameters, so behaviour tests do not depend on training on a handful of rows."""
    values: dict[str, object] = {
        "m": {
            "nhs_number": [1.0, 0.96, 0.01, 0.03],
            "given_name": [1.0, 0.85, 0.03, 0.01, 0.01, 0.06, 0.02, 0.02],
            "family_name": [1.0, 0.85, 0.01, 0.06, 0.02, 0.06],
            "birth_date": [1.0, 0.9, 0.02, 0.05, 0.03],
            "postcode": [1.0, 0.8, 0.02, 0.03, 0.15],
            "sex": [1.0, 0.99, 0.01],
        },
        "u": {
            "nhs_number": [1.0, 0.0001, 0.0001, 0.9998],
            "given_name": [1.0, 0.02, 0.002, 0.0001, 0.0001, 0.003, 0.002, 0.9728],
            "family_name": [1.0, 0.003, 0.0001, 0.002, 0.002, 0.9929],
            "birth_date": [1.0, 0.0001, 0.00001, 0.003, 0.99689],
            "postcode": [1.0, 0.0005, 0.004, 0.03, 0.9655],
            "sex": [1.0, 0.5, 0.5],
        },
        "prior_weight": -16.0,
        "term_frequencies": {
            "given_name": TermFrequencies({"JOHN": 0.05}, 0.0005),
            "family_name": TermFrequencies({"SMITH": 0.04}, 0.0005),
        },
    }
    values.update(overrides)
    return LinkageModel(**values)  # type: ignore[arg-type]


def run(
    records: list[LinkRecord],
    fixed: LinkageModel | None = None,
    decisions: dict[tuple[int, int], MatchDecision] | None = None,
) -> BatchResult:
    con = duckdb.connect()
    records_to_duckdb(con, records, "records")
    return link_batch(con, "records", fixed or model(), decisions or {})


def together(result: BatchResult, a: int, b: int) -> bool:
    return result.clusters[a] == result.clusters[b]


def test_deterministic_pass_links_same_nhs_number_and_birth_date_despite_everything_else() -> None:
    result = run(
        [
            record(1, "Alice", "Brown", "1970-03-04", nhs=NHS_A, postcode="LS1 1AA", sex="F"),
            record(2, "Alicia", "Green", "1970-03-04", nhs=NHS_A, postcode="M1 2BB", sex="F"),
            record(3, "Alice", "Brown", "1971-03-04", nhs=NHS_B, postcode="LS1 1AA", sex="F"),
        ]
    )
    assert together(result, 1, 2)
    assert not together(result, 1, 3)
    [link] = [x for x in result.links if {x.left_key, x.right_key} == {1, 2}]
    assert link.rule == "deterministic"


def test_probabilistic_match_without_nhs_number_links_typos_and_nicknames() -> None:
    result = run(
        [
            record(1, "William", "Hargreaves", "1950-07-21", postcode="LS6 2AB", sex="M"),
            record(2, "Bill", "Hargraves", "1950-07-21", postcode="LS6 2AB", sex="M"),
            record(3, "William", "Hargreaves", "1950-07-12", postcode="LS6 2AB", sex="M"),
        ]
    )
    assert together(result, 1, 2)
    assert together(result, 1, 3)
    assert {x.rule for x in result.links} == {"probabilistic"}


def test_records_with_only_a_name_are_never_linked_on_the_name() -> None:
    result = run([record(1, "Zebedee", "Quartermaine"), record(2, "Zebedee", "Quartermaine")])
    assert not together(result, 1, 2)
    assert result.links == []


def test_records_with_every_identifier_missing_stay_apart_and_are_not_compared() -> None:
    result = run([record(1, None, None), record(2, None, None), record(3, None, None)])
    assert len(set(result.clusters.values())) == 3
    assert result.stats.comparisons == 0


def test_twins_stay_two_people() -> None:
    result = run(
        [
            record(1, "Amelia", "Okafor", "2001-05-06", postcode="LS2 9JT", sex="F"),
            record(2, "Isla", "Okafor", "2001-05-06", postcode="LS2 9JT", sex="F"),
            record(3, "Amelia", "Okafor", "2001-05-06", postcode="LS2 9JT", sex="F", org="ORG2"),
        ]
    )
    assert together(result, 1, 3)
    assert not together(result, 1, 2)
    assert not together(result, 2, 3)


def test_a_very_common_name_is_bounded_and_the_cap_is_reported() -> None:
    crowd = [record(k, "John", "Smith", "1980-01-01", postcode=f"LS{k % 40 + 1} 1AA") for k in range(1, 301)]
    result = run(crowd, model(block_pair_cap=400))
    all_against_all = 300 * 299 // 2
    assert result.stats.comparisons < all_against_all / 10
    assert "family_name+birth_date" in result.stats.caps_hit
    capped = [s for s in result.stats.blocking if s.capped_blocks]
    assert all(s.pairs <= s.capped_blocks * 400 + 1000 for s in capped)
    assert all(s.pairs_skipped_by_cap > 0 for s in capped)


def test_one_nhs_number_on_two_different_people_is_flagged_not_merged() -> None:
    result = run(
        [
            record(1, "Grace", "Mwangi", "1990-02-03", nhs=NHS_C, postcode="LS7 3QP", sex="F"),
            record(2, "Harold", "Pemberton", "1938-11-30", nhs=NHS_C, postcode="BD1 1AA", sex="M"),
        ]
    )
    assert not together(result, 1, 2)
    [conflict] = result.conflicts
    assert conflict.identifier == "nhs_number"
    assert set(conflict.keys) == {1, 2}
    assert conflict.value == NHS_C


def test_no_chaining_through_a_common_name_across_different_nhs_numbers() -> None:
    # Two different John Smiths, same birthday and street, each with an NHS number; a third record without one
    # matches both. Connected components would make one person of all three.
    result = run(
        [
            record(1, "John", "Smith", "1980-01-01", nhs=NHS_A, postcode="LS1 1AA", sex="M"),
            record(2, "John", "Smith", "1980-01-01", postcode="LS1 1AA", sex="M"),
            record(3, "John", "Smith", "1980-01-01", nhs=NHS_B, postcode="LS1 1AA", sex="M"),
        ]
    )
    assert not together(result, 1, 3)
    assert together(result, 2, 1) or together(result, 2, 3)


def test_steward_decisions_are_must_link_and_cannot_link() -> None:
    records = [
        record(1, "Maria", "Lopez", "1985-09-09", postcode="LS3 1AA", sex="F"),
        record(2, "Maria", "Lopez", "1985-09-09", postcode="LS3 1AA", sex="F", org="ORG2"),
        record(3, "Mia", "Fernandez", "1985-10-09", postcode="M4 4ZZ", sex="F"),
    ]
    plain = run(records)
    assert together(plain, 1, 2)
    assert not together(plain, 1, 3)
    decided = run(records, decisions={(2, 1): MatchDecision.NON_MATCH, (1, 3): MatchDecision.MATCH})
    assert not together(decided, 1, 2)
    assert together(decided, 1, 3)
    assert all({p.left_key, p.right_key} != {1, 2} for p in decided.review)
    assert {(x.left_key, x.right_key, x.rule) for x in decided.links} == {(1, 3, "steward")}
    assert all(math.isfinite(x.match_weight) for x in decided.links)


def test_model_json_round_trip_and_bad_model_files() -> None:
    original = model(upper_weight=9.5, lower_weight=-1.0)
    assert LinkageModel.from_json(original.to_json()) == original
    with pytest.raises(UserError, match="not JSON"):
        LinkageModel.from_json("{not json")
    with pytest.raises(UserError, match="not a socialdata-linkage-model"):
        LinkageModel.from_json('{"m": {}}')
    broken = original.to_json().replace('"sex": [1.0, 0.99, 0.01]', '"sex": [1.0]')
    with pytest.raises(UserError, match="'sex' needs 3 levels"):
        LinkageModel.from_json(broken)


def test_explain_breakdown_sums_to_the_weight_and_agrees_with_batch() -> None:
    left = record(1, "Peggy", "Oduya", "1962-04-05", nhs=NHS_A, postcode="LS8 1AB", sex="F")
    right = record(2, "Margaret", "Oduya", "1962-05-04", nhs=NHS_A, postcode="LS8 1XY", sex="F")
    pair = explain(model(), left, right)
    assert pair.fields[0].field == "prior"
    assert sum(f.weight for f in pair.fields) == pytest.approx(pair.match_weight)
    levels = {f.field: f.level for f in pair.fields}
    assert levels["given_name"] == "nickname"
    assert levels["birth_date"] == "day_month_swapped"
    assert levels["postcode"] == "sector"
    assert levels["nhs_number"] == "exact"
    result = run([left, right], model(upper_weight=90.0, lower_weight=-60.0))
    [reviewed] = result.review
    assert reviewed.match_weight == pytest.approx(pair.match_weight)
    assert reviewed.fields == pair.fields


def test_real_time_match_finds_the_person_and_scores_as_batch_does() -> None:
    stored = [
        record(1, "Oliver", "Nakamura", "1999-12-01", nhs=NHS_A, postcode="LS9 7TT", sex="M"),
        record(2, "Olivia", "Nakamura", "1999-12-01", postcode="LS9 7TT", sex="F"),
        record(3, "John", "Smith", "1960-01-01", postcode="LS1 1AA", sex="M"),
    ]
    index = MatchIndex(model(), stored)
    arriving = record(4, "Olly", "Nakamura", "1999-12-01", postcode="LS9 7TU", sex="M")
    found = index.match(arriving)
    assert found[0].left_key == 1 and found[0].right_key == 4
    assert found[0].match_weight == pytest.approx(explain(model(), stored[0], arriving).match_weight)
    assert found[0].match_weight > found[1].match_weight
    assert all(p.left_key != 3 for p in found)
    index.add(arriving)
    again = index.match(record(5, "Oliver", "Nakamura", "1999-12-01", postcode="LS9 7TU", sex="M"))
    assert {p.left_key for p in again} >= {1, 4}
    assert len(index) == 4


def test_real_time_index_starts_empty_and_learns_each_added_record() -> None:
    index = MatchIndex(model())
    first = record(1, "John", "Smith", "2010-08-08", postcode="LS10 1AA", sex="M")
    assert index.match(first) == []
    index.add(first)
    index.add(record(2, "Noah", "Price", "1977-03-03", postcode="LS11 2BB", sex="M"))
    arriving = record(3, "John", "Smith", "2010-08-08", postcode="LS10 1AB", sex="M")
    [found] = index.match(arriving)
    assert (found.left_key, found.right_key) == (1, 3)
    # A common name weighs as little here as in batch, though the index learnt the name after it was built.
    assert found.match_weight == pytest.approx(explain(model(), first, arriving).match_weight)
    assert {f.field: f.weight for f in found.fields}["given_name"] < model().level_weight(GIVEN, 1)


def test_training_on_the_synthetic_city_links_its_people() -> None:
    from socialdata.linkage.evaluation import evaluate
    from socialdata.synth.source_records import generate_source_people

    records, truth = [], {}
    for key, source in enumerate(generate_source_people(600, seed=11), 1):
        records.append(LinkRecord.from_received(key, source))
        truth[key] = source.person_id
    con = duckdb.connect()
    records_to_duckdb(con, records, "records")
    trained = train_model(con, "records")
    result = link_batch(con, "records", trained)
    quality = evaluate(result.clusters, truth)
    assert quality.pairwise.precision > 0.98
    assert quality.pairwise.f1 > 0.95
    assert LinkageModel.from_json(result.model.to_json()) == trained


def test_steward_labels_feed_the_model() -> None:
    people = [
        ("Ada", "Lovelace", "1915-12-10", "LS1 4AP"),
        ("Alan", "Turing", "1912-06-23", "LS2 3BQ"),
        ("Grace", "Hopper", "1906-12-09", "LS3 1DS"),
        ("Edsger", "Dijkstra", "1930-05-11", "LS4 2EF"),
    ]
    records = []
    for i, (given, family, born, postcode) in enumerate(people):
        records.append(record(10 * i + 1, given, family, born, postcode=postcode, sex="F"))
        records.append(record(10 * i + 2, given, family, born, postcode=postcode, sex="F", org="ORG2"))
    con = duckdb.connect()
    records_to_duckdb(con, records, "records")
    plain = train_model(con, "records")
    # The stewards say these look-alikes are all different people: agreement on every field is then no evidence.
    labelled = train_model(
        con, "records", labelled=[(10 * i + 1, 10 * i + 2, MatchDecision.NON_MATCH) for i in range(len(people))]
    )
    exact = FAMILY.level("exact")
    assert labelled.m["family_name"][exact] < plain.m["family_name"][exact] - 0.2


def test_an_empty_table_and_a_lone_record_train_and_link() -> None:
    con = duckdb.connect()
    records_to_duckdb(con, [], "records")
    assert link_batch(con, "records").clusters == {}
    records_to_duckdb(con, [record(7, "Ola", "Nordmann", "1990-01-01")], "records")
    result = link_batch(con, "records")
    assert result.clusters == {7: 7}
    assert result.links == [] and result.review == [] and result.conflicts == []
