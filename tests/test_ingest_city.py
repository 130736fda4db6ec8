"""A whole synthetic city (`sdf synth`) loads: every file, every source person the truth file knows, nothing lost."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from socialdata.feeds import ingest_path
from socialdata.governance.organisations import register_organisation
from socialdata.store import Database
from socialdata.store.models import FeedSubmission, SourceEvent, SourcePerson
from socialdata.synth import CityManifest, write_city
from test_feeds_builders import count


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CityManifest]:
    out = tmp_path_factory.mktemp("city") / "avonford"
    return out, write_city(out, people=300, seed=5)


def test_a_whole_synthetic_city_loads_every_source_person(db: Database, city: tuple[Path, CityManifest]) -> None:
    out, manifest = city
    results = []
    for organisation in manifest.organisations:
        register_organisation(db, organisation.code, organisation.name, organisation.kind)
        for file in organisation.files:
            results += ingest_path(db, out / file, organisation.code)
    assert {r.status for r in results} == {"loaded"}
    assert count(db, FeedSubmission) == sum(len(o.files) for o in manifest.organisations)
    with (out / "truth.csv").open(encoding="utf-8") as handle:
        truth = {(row["organisation_id"], row["source_id"]) for row in csv.DictReader(handle)}
    with db.session() as session:
        loaded = {(p.organisation_id, p.source_id) for p in session.query(SourcePerson)}
        orphans = [e for e in session.query(SourceEvent) if (e.organisation_id, e.person_source_id) not in loaded]
    assert loaded == truth
    assert orphans == []
