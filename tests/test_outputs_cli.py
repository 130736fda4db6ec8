"""`sdf project outputs`: check, request, review, list and show, as a researcher and two output checkers would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socialdata.cli.output_commands import app
from socialdata.config import Settings
from socialdata.store import Database
from test_outputs_world import OutputsWorld, build_outputs_world


@pytest.fixture
def world(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> OutputsWorld:
    monkeypatch.setenv("SDF_HOME", str(settings.home))
    monkeypatch.setenv("SDF_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("COLUMNS", "200")
    w = build_outputs_world(db)
    w.write("by_area.csv", "area,count\nE01,57\nE02,120\n")
    w.write("small.csv", "area,count\nE01,3\nE02,120\n")
    return w


def _sdf(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_check_names_the_failing_cell_and_exits_one(world: OutputsWorld) -> None:
    code, out = _sdf("check", str(world.outputs / "small.csv"), "--json")
    assert code == 1
    report = json.loads(out)
    assert report["outcome"] == "fail"
    small = next(f for f in report["findings"] if f["rule"] == "min_cell_count")
    assert small["cells"] == ["area=E01: 3"]
    code, _ = _sdf("check", str(world.outputs / "by_area.csv"))
    assert code == 0


def test_check_with_a_project_needs_a_member(world: OutputsWorld) -> None:
    code, out = _sdf(
        "check", str(world.outputs / "by_area.csv"), "--project", str(world.project_id), "--as", "outsider"
    )
    assert code == 2
    assert "not a member" in out


def test_request_then_two_reviews_release_from_the_command_line(world: OutputsWorld, settings: Settings) -> None:
    job = str(world.job_id)
    code, out = _sdf(
        "request",
        job,
        "--title",
        "People by area",
        "--file",
        "small.csv",
        "--description",
        "people by area of residence",
        "--as",
        "res1",
    )
    assert code == 2 and "min_cell_count" in out
    code, out = _sdf(
        "request",
        job,
        "--title",
        "People by area",
        "--file",
        "by_area.csv",
        "--description",
        "people by area of residence",
        "--as",
        "res1",
        "--json",
    )
    assert code == 0, out
    request_id = str(json.loads(out)["id"])
    code, out = _sdf("list", "--as", "checker1", "--json")
    assert [r["id"] for r in json.loads(out)] == [int(request_id)]
    code, out = _sdf("review", request_id, "--decision", "approve", "--as", "res1")
    assert code == 2 and "only data stewards" in out
    assert _sdf("review", request_id, "--decision", "approve", "--as", "checker1")[0] == 0
    code, out = _sdf("review", request_id, "--decision", "approve", "--as", "checker2", "--json")
    assert json.loads(out)["status"] == "released"
    code, out = _sdf("show", request_id, "--as", "res1")
    assert code == 0 and "released" in out
    released = Path(settings.home) / "outputs" / "released" / f"project-{world.project_id}" / f"request-{request_id}"
    assert (released / "by_area.csv").exists()
