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


def _peak_rss(args: list[str], env: dict[str, str]) -> int:
    """The child's own peak resident set size, from the kernel's accounting when it is reaped."""
    child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert child.stdout is not None
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0
    assert json.loads(output)[0]["status"] == "loaded"
    return usage.ru_maxrss * 1024  # kilobytes on Linux


@pytest.mark.slow
def test_memory_stays_flat_as_the_file_grows_eightfold(db: Database, cli_env: dict[str, str], tmp_path: Path) -> None:
    register(db)
    small, large = tmp_path / "small.json", tmp_path / "large.json"
    write_large_bundle(small, 8 * MB)
    write_large_bundle(large, 64 * MB)
    small_peak = _peak_rss([str(SDF), "ingest", str(small), "--org", "RZZ", "--json"], cli_env)
    large_peak = _peak_rss([str(SDF), "ingest", str(large), "--org", "RZZ", "--json"], cli_env)
    # Holding the file alone would add 56 MB (its parsed entries several times that); a flat loader adds ~nothing.
    assert large_peak < small_peak + 40 * MB, (small_peak // MB, large_peak // MB)
