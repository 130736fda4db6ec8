"""The ingest benchmark still runs end to end (tiny files, SQLite only), so it cannot rot between releases."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "ingest.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_ingest", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_benchmark_measures_project_and_bare_loads_at_two_sizes(tmp_path: Path) -> None:
    bench = _bench()
    config = bench.BenchConfig(
        workdir=tmp_path, people=200, fhir_mb=0.2, csv_mb=0.05, factor=2, repeats=1, postgres_url=None
    )
    report = bench.run_benchmark(config)

    assert [(c.backend, c.feed.kind, c.scale) for c in report.cells] == [
        ("SQLite", "FHIR", 1),
        ("SQLite", "CSV", 1),
        ("SQLite", "FHIR", 2),
        ("SQLite", "CSV", 2),
    ]
    for cell in report.cells:
        assert cell.feed.records > 0 and cell.stored_rows > 0
        assert cell.project_rate > 0 and cell.bare_rate > 0
        assert cell.ratio == pytest.approx(cell.project_rate / cell.bare_rate)
        assert cell.project_peak_rss > 0
    small_fhir, small_csv, large_fhir, large_csv = report.cells
    assert large_fhir.feed.records > small_fhir.feed.records and large_csv.feed.records > small_csv.feed.records
    # FHIR: one stored row (person or event) per entry; CSV: an event per row, the repeated people once each.
    assert small_fhir.stored_rows == small_fhir.feed.records
    assert small_csv.feed.records < small_csv.stored_rows < 2 * small_csv.feed.records
    assert [(m.backend, m.feed) for m in report.memory()] == [("SQLite", "FHIR"), ("SQLite", "CSV")]

    summary = report.to_json()
    assert summary["goal"]["ratio_at_least"] == 0.5
    assert {c["feed"] for c in summary["cells"]} == {"FHIR", "CSV"}
    bench.print_report(report)
