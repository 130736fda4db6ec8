"""The synthetic city through the whole path: synthesise, ingest, `sdf link`, `sdf link report --truth`."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from socialdata.cli import app
from socialdata.feeds import ingest_path
from socialdata.governance.organisations import register_organisation
from socialdata.store import Database
from socialdata.store.models import LinkEvent, PersonLink
from socialdata.synth import write_city


def test_a_small_city_links_with_a_plausible_f1_and_a_rerun_changes_nothing(
    db: Database, cli_env: dict[str, str], tmp_path: Path
) -> None:
    city = tmp_path / "city"
    manifest = write_city(city, people=300, seed=5)
    for org in manifest.organisations:
        register_organisation(db, org.code, org.name, org.kind)
    for org in manifest.organisations:
        for name in org.files:
            ingest_path(db, city / name, org.code)
    runner = CliRunner()
    first = runner.invoke(app, ["link", "--json"], env=cli_env)
    assert first.exit_code == 0, first.output
    with db.session() as s:
        links = {key: person for key, person in s.execute(select(PersonLink.source_person_id, PersonLink.person_id))}
        events = s.scalar(select(func.count()).select_from(LinkEvent))
    again = runner.invoke(app, ["link", "--json"], env=cli_env)
    assert again.exit_code == 0, again.output
    assert json.loads(again.output[again.output.index("{") :])["persons_created"] == 0
    with db.session() as s:
        assert {
            key: person for key, person in s.execute(select(PersonLink.source_person_id, PersonLink.person_id))
        } == links
        assert s.scalar(select(func.count()).select_from(LinkEvent)) == events
    result = runner.invoke(app, ["link", "report", "--truth", str(city / "truth.csv"), "--json"], env=cli_env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["truth"]["records"] == len(links)
    assert report["truth"]["pairwise"]["f1"] >= 0.95
    assert report["truth"]["bcubed"]["f1"] >= 0.95
    assert report["persons"] == len(set(links.values()))
    assert {src["organisation_id"] for src in report["sources"]} >= {"RZZ", "LA900"}
    human = runner.invoke(app, ["link", "report", "--truth", str(city / "truth.csv")], env=cli_env)
    assert human.exit_code == 0 and "pairwise links" in human.output and "Link rates per source" in human.output
