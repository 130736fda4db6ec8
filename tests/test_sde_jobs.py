"""Jobs run a dataset definition and an analysis script in the sandbox: outputs land in the workspace, and the
attacks fail — no network, nothing outside the workspace and the read-only extract, limits enforced, cancel works."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

import socialdata.sde
from socialdata.access import AccessDenied
from socialdata.errors import UserError
from socialdata.sde import sandbox
from socialdata.sde.extracts import ExtractSummary, build_extract
from socialdata.sde.jobs import (
    cancel_job,
    job_log,
    job_log_path,
    job_view,
    job_workspace,
    output_files,
    project_jobs,
    run_job,
    submit_job,
)
from socialdata.sde.paths import keys_dir
from socialdata.sde.sandbox import JobLimits
from socialdata.store import Database
from socialdata.store.models import JobState
from test_sde_extract_world import PEOPLE, SdeWorld, build_sde_world

DEFINITION = """
from socialdata.sde.definitions.query_language import *

dataset = create_dataset()
dataset.define_population(patients.exists_for_patient())
dataset.sex = patients.sex
dataset.emergencies = hospital_admissions.where(hospital_admissions.admission_method == "emergency").count_for_patient()
"""
COUNTS = """
import csv
from collections import Counter
rows = list(csv.DictReader(open("dataset.csv")))
counts = Counter(row["sex"] for row in rows)
with open("outputs/by_sex.csv", "w") as out:
    out.write("sex,people\\n")
    for sex, n in sorted(counts.items()):
        out.write(f"{sex},{n}\\n")
print("rows", len(rows))
"""


@pytest.fixture
def world(db: Database) -> SdeWorld:
    return build_sde_world(db)


@pytest.fixture
def extract(world: SdeWorld) -> ExtractSummary:
    build_extract(world.db, world.actors["res1"], world.project_b, gate=world.gate())
    return build_extract(world.db, world.actors["res1"], world.project_a, gate=world.gate())


def _run(
    world: SdeWorld, script: str, *, limits: JobLimits | None = None, definition: str = DEFINITION
) -> tuple[int, str]:
    job_id = submit_job(world.db, world.actors["res1"], world.project_a, definition, script, gate=world.gate())
    run_job(world.db, job_id, limits=limits)
    return job_id, job_log(world.db, world.actors["res1"], job_id, gate=world.gate())


def test_a_job_runs_the_definition_then_the_script_and_its_outputs_stay_in_the_workspace(
    world: SdeWorld, extract: ExtractSummary
) -> None:
    job_id, log = _run(world, COUNTS)
    view = job_view(world.db, job_id)
    assert view.state == JobState.SUCCEEDED and view.exit_code == 0, log
    assert "Isolation in force" in log and "network: none" in log and f"rows {PEOPLE}" in log
    assert output_files(world.db.settings, job_id) == [Path("by_sex.csv")]
    lines = (job_workspace(world.db.settings, job_id) / "outputs" / "by_sex.csv").read_text().splitlines()
    assert lines == ["sex,people", f"female,{PEOPLE // 2}", f"male,{PEOPLE // 2}"]
    assert view.isolation is not None and "read-only" in view.isolation
    assert [j.id for j in project_jobs(world.db, world.actors["res2"], world.project_a)] == [job_id]


def test_a_job_cannot_open_a_network_socket(world: SdeWorld, extract: ExtractSummary) -> None:
    script = """
import socket, sys
for host, port in (("127.0.0.1", 5432), ("1.1.1.1", 443), ("localhost", 8000)):
    try:
        socket.create_connection((host, port), timeout=3)
        print("CONNECTED", host, port)
        sys.exit(0)
    except OSError as error:
        print("refused", host, port, error)
sys.exit(7)
"""
    job_id, log = _run(world, script)
    assert "CONNECTED" not in log and log.count("refused") == 3
    assert job_view(world.db, job_id).exit_code == 7


def test_a_job_cannot_read_outside_its_workspace_and_extract(world: SdeWorld, extract: ExtractSummary) -> None:
    settings = world.db.settings
    secrets = [
        settings.home / "socialdata.db",
        keys_dir(settings) / f"project-{world.project_a}.key",
        *[p for p in (settings.home / "sde" / "extracts").rglob("*.duckdb") if p != extract.path],
        Path("/etc/passwd"),
        Path(__file__),
    ]
    assert all(p.exists() for p in secrets[1:])  # the store's file exists on SQLite only
    script = f"""
import os
for path in {[str(p) for p in secrets]!r}:
    try:
        open(path, "rb").read(1)
        print("READ", path)
    except OSError as error:
        print("hidden", type(error).__name__)
try:
    open("/extract/extract.duckdb", "ab").write(b"x")
    print("WROTE the extract")
except OSError as error:
    print("extract is read-only", error.errno)
print("root holds", sorted(os.listdir("/")))
"""
    job_id, log = _run(world, script)
    assert job_view(world.db, job_id).state == JobState.SUCCEEDED, log
    assert "READ" not in log and "WROTE" not in log
    assert log.count("hidden FileNotFoundError") == len(secrets)
    assert "extract is read-only" in log


def test_a_job_over_its_memory_limit_fails(world: SdeWorld, extract: ExtractSummary) -> None:
    script = "block = bytearray(6 * 1024**3)\nprint('ALLOCATED')\n"
    job_id, log = _run(world, script, limits=JobLimits(memory_bytes=3 * 1024**3))
    view = job_view(world.db, job_id)
    assert view.state == JobState.FAILED and "ALLOCATED" not in log and "MemoryError" in log


def test_a_job_over_its_wall_clock_limit_is_stopped(world: SdeWorld, extract: ExtractSummary) -> None:
    job_id, log = _run(world, "import time\ntime.sleep(600)\n", limits=JobLimits(wall_seconds=20))
    view = job_view(world.db, job_id)
    assert view.state == JobState.FAILED and view.message is not None and "wall-clock" in view.message
    assert view.message in log


def test_cancel_kills_the_running_job(world: SdeWorld, extract: ExtractSummary) -> None:
    script = "import time\nprint('started', flush=True)\ntime.sleep(600)\n"
    job_id = submit_job(world.db, world.actors["res1"], world.project_a, DEFINITION, script, gate=world.gate())
    runner = threading.Thread(target=run_job, args=(world.db, job_id))
    runner.start()
    deadline = time.monotonic() + 120
    while job_view(world.db, job_id).state != JobState.RUNNING and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job_view(world.db, job_id).state == JobState.RUNNING
    cancelled = cancel_job(world.db, world.actors["res2"], job_id, gate=world.gate())
    runner.join(timeout=120)
    assert not runner.is_alive()
    assert cancelled.state == JobState.CANCELLED and job_view(world.db, job_id).state == JobState.CANCELLED
    assert "cancelled by res2" in job_log(world.db, world.actors["res1"], job_id, gate=world.gate())
    with pytest.raises(UserError, match="already cancelled"):
        cancel_job(world.db, world.actors["res1"], job_id, gate=world.gate())


def test_a_broken_definition_fails_the_job_naming_the_line(world: SdeWorld, extract: ExtractSummary) -> None:
    definition = DEFINITION + "dataset.age = patients.no_such_field\n"
    job_id, log = _run(world, COUNTS, definition=definition)
    assert job_view(world.db, job_id).exit_code == 3
    assert "definition.py, line 8" in log and not output_files(world.db.settings, job_id)


def test_jobs_need_a_member_and_a_built_extract(world: SdeWorld) -> None:
    with pytest.raises(UserError, match="no extract yet"):
        submit_job(world.db, world.actors["res1"], world.project_a, DEFINITION, COUNTS, gate=world.gate())
    build_extract(world.db, world.actors["res1"], world.project_a, gate=world.gate())
    with pytest.raises(AccessDenied):
        submit_job(world.db, world.actors["outsider"], world.project_a, DEFINITION, COUNTS, gate=world.gate())
    with pytest.raises(UserError, match="empty"):
        submit_job(world.db, world.actors["res1"], world.project_a, DEFINITION, "  ", gate=world.gate())
    job_id = submit_job(world.db, world.actors["res1"], world.project_a, DEFINITION, COUNTS, gate=world.gate())
    with pytest.raises(AccessDenied, match="not a member"):
        job_log(world.db, world.actors["outsider"], job_id, gate=world.gate())
    with pytest.raises(AccessDenied):
        cancel_job(world.db, world.actors["res1"], job_id + 1000, gate=world.gate())
    assert os.stat(job_workspace(world.db.settings, job_id)).st_mode & 0o077 == 0


def test_the_shipped_example_definition_and_script_run(world: SdeWorld, extract: ExtractSummary) -> None:
    examples = Path(socialdata.sde.__file__).parent / "examples"
    job_id, log = _run(
        world, (examples / "analysis.py").read_text(), definition=(examples / "definition.py").read_text()
    )
    assert job_view(world.db, job_id).state == JobState.SUCCEEDED, log
    assert output_files(world.db.settings, job_id) == [
        Path("frequent_attenders_by_age_band.csv"),
        Path("social_care_by_deprivation.csv"),
    ]


def test_a_job_is_refused_when_the_platform_files_would_be_readable_inside(
    world: SdeWorld, extract: ExtractSummary, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = str(world.db.settings.home.parent)
    monkeypatch.setattr("socialdata.sde.jobs.readable_trees", lambda: ["/usr", home])
    job_id, log = _run(world, COUNTS)
    view = job_view(world.db, job_id)
    assert view.state == JobState.FAILED and view.started_at is None
    assert f"lies under {home}" in log and "step 1" not in log


def test_a_long_log_shows_its_opening_and_its_end(world: SdeWorld, extract: ExtractSummary) -> None:
    job_id = submit_job(world.db, world.actors["res1"], world.project_a, DEFINITION, COUNTS, gate=world.gate())
    job_log_path(world.db.settings, job_id).write_text("Isolation in force\n" + "x" * 100_000 + "\nthe end\n")
    shown = job_log(world.db, world.actors["res1"], job_id, gate=world.gate(), tail_bytes=1000)
    assert shown.startswith("Isolation in force") and shown.endswith("the end\n") and len(shown) < 2000
    assert "bytes of the log not shown" in shown


def test_a_job_cancelled_while_queued_never_runs(world: SdeWorld, extract: ExtractSummary) -> None:
    job_id = submit_job(world.db, world.actors["res1"], world.project_a, DEFINITION, COUNTS, gate=world.gate())
    assert cancel_job(world.db, world.actors["res1"], job_id, gate=world.gate()).state == JobState.CANCELLED
    view = run_job(world.db, job_id)
    assert view.state == JobState.CANCELLED and view.started_at is None
    assert not output_files(world.db.settings, job_id)


def test_the_jobs_own_tmp_is_mounted_before_the_readable_trees_so_a_checkout_under_tmp_stays_visible(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    venv = "/tmp/checkout/.venv"  # where a clone under /tmp keeps its interpreter
    monkeypatch.setattr(sandbox, "readable_trees", lambda: ["/usr", venv])
    script = sandbox._setup_script(tmp_path / "root", tmp_path / "ws", tmp_path / "x.duckdb", ["python", "job.py"])
    lines = script.splitlines()
    tmp_mount = next(i for i, line in enumerate(lines) if line.startswith("mount -t tmpfs") and line.endswith("/tmp"))
    venv_bind = next(i for i, line in enumerate(lines) if line.startswith("mount --rbind") and venv in line)
    assert tmp_mount < venv_bind
    assert sum(1 for line in lines if line.endswith("/tmp") and line.startswith("mount -t tmpfs")) == 1
