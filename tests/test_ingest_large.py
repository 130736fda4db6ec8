"""Large files: a load killed midway leaves nothing behind, and memory does not grow with the file's size."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from socialdata.store import Database
from socialdata.store.models import FeedSubmission, QuarantineItem, SourceEvent, SourcePerson
from test_feeds_builders import count, register, write_large_bundle

SDF = Path(sys.executable).parent / "sdf"
MB = 1024 * 1024


def _nothing_written(db: Database) -> bool:
    return all(count(db, t) == 0 for t in (FeedSubmission, SourcePerson, SourceEvent, QuarantineItem))


@pytest.mark.slow
def test_a_load_killed_midway_leaves_no_rows_and_a_rerun_loads_it_whole(
    db: Database, cli_env: dict[str, str], tmp_path: Path
) -> None:
    register(db)
    path = tmp_path / "bundle-0001.json"
    entries = write_large_bundle(path, 12 * MB)
    loading = subprocess.Popen(
        [SDF, "ingest", str(path), "--org", "RZZ"],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert loading.stderr is not None
    progress = ""
    while "records/s" not in progress:
        progress = loading.stderr.readline()
        assert progress, "sdf ingest ended before reporting progress"
    loading.send_signal(signal.SIGKILL)
    loading.wait()
    assert loading.returncode == -signal.SIGKILL
    assert progress.startswith("bundle-0001.json: ") and " records, " in progress
    assert _nothing_written(db)

    rerun = subprocess.run(
        [SDF, "ingest", str(path), "--org", "RZZ", "--json"], env=cli_env, capture_output=True, text=True, check=False
    )
    assert rerun.returncode == 0, rerun.stderr
    [result] = json.loads(rerun.stdout)
    assert (result["status"], result["records_loaded"], result["records_quarantined"]) == ("loaded", entries, 0)
    assert count(db, SourcePerson) + count(db, SourceEvent) == entries


# Runs Python code given as argv[2] (with argv[3:] as its sys.argv) and, as the process exits, writes its own peak
# RSS (VmHWM, kB) to argv[1]. Not ru_maxrss (getrusage, wait4): Linux starts a forked child's at its parent's peak,
# so under a pytest worker larger than the child both readings would be the worker's size and could never differ.
_REPORTING_PEAK = """
import atexit, sys
from pathlib import Path

def _report(to=Path(sys.argv[1])):
    status = Path("/proc/self/status").read_text()
    to.write_text(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))

atexit.register(_report)
code, sys.argv = sys.argv[2], sys.argv[3:]
exec(code)
"""
_SDF_MAIN = "from socialdata.cli import main; sys.exit(main())"


def _peak_rss(code: str, argv: list[str], env: dict[str, str], report: Path) -> tuple[int, bytes]:
    """The child's own peak resident set size, as it reports it on exit, and what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", _REPORTING_PEAK, str(report), code, *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 0
    return int(report.read_text()) * 1024, done.stdout


def _ingest_peak(path: Path, env: dict[str, str]) -> int:
    argv = ["sdf", "ingest", str(path), "--org", "RZZ", "--json"]
    peak, output = _peak_rss(_SDF_MAIN, argv, env, path.with_suffix(".peak"))
    assert json.loads(output)[0]["status"] == "loaded"
    return peak


def test_the_peak_reading_is_the_childs_own_so_it_sees_the_child_grow(tmp_path: Path) -> None:
    """What the memory test relies on: from a parent larger than its children, a child that holds 64 MB more
    reads about 64 MB higher (ru_maxrss would read the parent's size for both)."""
    ballast = b"x" * (256 * MB)  # a large pytest worker
    lean, _ = _peak_rss("pass", [], dict(os.environ), tmp_path / "lean.peak")
    holding, _ = _peak_rss("held = b'x' * (64 << 20)", [], dict(os.environ), tmp_path / "holding.peak")
    assert lean < len(ballast) // 4, lean // MB
    assert 60 * MB < holding - lean < 72 * MB, (lean // MB, holding // MB)


@pytest.mark.slow
def test_memory_stays_flat_as_the_file_grows_eightfold(db: Database, cli_env: dict[str, str], tmp_path: Path) -> None:
    register(db)
    small, large = tmp_path / "small.json", tmp_path / "large.json"
    write_large_bundle(small, 8 * MB)
    write_large_bundle(large, 64 * MB)
    small_peak = _ingest_peak(small, cli_env)
    large_peak = _ingest_peak(large, cli_env)
    # Holding the file alone would add 56 MB (its parsed entries several times that); a flat loader adds ~nothing.
    assert large_peak < small_peak + 40 * MB, (small_peak // MB, large_peak // MB)
