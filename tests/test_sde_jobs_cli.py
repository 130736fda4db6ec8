"""`sdf project extract|run|jobs|log|cancel` from a terminal: the same services, errors as one readable line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from socialdata.cli import app
from socialdata.store import Database
from test_sde_extract_world import PEOPLE, build_sde_world
from test_sde_jobs import COUNTS, DEFINITION


def test_a_researcher_builds_an_extract_runs_a_job_and_reads_its_log(
    db: Database, cli_env: dict[str, str], tmp_path: Path
) -> None:
    world = build_sde_world(db)
    runner = CliRunner()
    project = str(world.project_a)
    built = runner.invoke(app, ["project", "extract", project, "--as", "res1", "--json"], env=cli_env)
    assert built.exit_code == 0, built.output
    assert json.loads(built.stdout)["people"] == PEOPLE
    definition, script = tmp_path / "definition.py", tmp_path / "analysis.py"
    definition.write_text(DEFINITION)
    script.write_text(COUNTS)
    args = ["project", "run", project, "--definition", str(definition), "--script", str(script), "--as", "res2"]
    ran = runner.invoke(app, [*args, "--json"], env=cli_env)
    assert ran.exit_code == 0, ran.output
    job = json.loads(ran.stdout)
    assert job["state"] == "succeeded" and job["outputs"] == ["by_sex.csv"]
    listed = runner.invoke(app, ["project", "jobs", project, "--as", "res1", "--json"], env=cli_env)
    assert [j["id"] for j in json.loads(listed.stdout)] == [job["id"]]
    log = runner.invoke(app, ["project", "log", str(job["id"]), "--as", "res1"], env=cli_env)
    assert "Isolation in force" in log.stdout and f"rows {PEOPLE}" in log.stdout
    cancel = runner.invoke(app, ["project", "cancel", str(job["id"]), "--as", "res1"], env=cli_env)
    assert cancel.exit_code == 2 and "already succeeded" in cancel.output


def test_refusals_are_one_readable_line(db: Database, cli_env: dict[str, str]) -> None:
    world = build_sde_world(db)
    runner = CliRunner()
    refused = runner.invoke(app, ["project", "extract", str(world.project_a), "--as", "outsider"], env=cli_env)
    assert refused.exit_code == 2 and "not a member" in refused.output and "Traceback" not in refused.output
    unknown = runner.invoke(app, ["project", "extract", str(world.project_a), "--as", "nobody"], env=cli_env)
    assert unknown.exit_code == 2 and "--as" in unknown.output
    missing = runner.invoke(
        app,
        [
            "project",
            "run",
            str(world.project_a),
            "--definition",
            "/nonexistent.py",
            "--script",
            "/x.py",
            "--as",
            "res1",
        ],
        env=cli_env,
    )
    assert missing.exit_code == 2 and "--definition" in missing.output
