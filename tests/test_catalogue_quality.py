"""The catalogue's quality figures, measured on a small hand-built store whose every count is known: per dataset and
per partner, on SQLite and PostgreSQL, and never a person's identifiers in what comes out."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy.orm import Session

from socialdata.catalogue import CatalogueLinks, DatasetQuality, dcat_export, hdruk_export, measure_quality
from socialdata.catalogue.description import DESCRIPTIONS
from socialdata.governance.datasets import DATASETS
from socialdata.store import Database
from socialdata.store.models import (
    FeedSubmission,
    LinkRun,
    Organisation,
    Person,
    PersonLink,
    QuarantineItem,
    SourceEvent,
    SourcePerson,
)

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
ORGS = {
    "RZZ": ("Avonford Hospital", "hospital_trust"),
    "Y90001": ("Harbourside Medical Centre", "gp_practice"),
    "Y90002": ("Bedminster Family Practice", "gp_practice"),  # registered, has sent nothing
    "LA900": ("Avonford Adult Social Care", "council"),
    "UNI01": ("University of Avonford", "university"),  # feeds no dataset
}
NHS = {"valid": "9990000018", "invalid": "9990000019", "missing": None}
SECRET_NAME = "Zebedee-Quux"  # every source person's family name: it must never appear in the figures


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


class _Store:
    def __init__(self, s: Session) -> None:
        self.s = s
        self.submissions: dict[str, int] = {}

    def submission(self, org: str, *, loaded_days_ago: float, records: int, quarantined: int = 0) -> None:
        sub = FeedSubmission(
            organisation_id=org,
            file_name=f"{org}-{loaded_days_ago}.csv",
            content_sha256=f"{org}{loaded_days_ago}".ljust(64, "0"),
            size_bytes=1,
            format="test",
            status="loaded",
            received_at=ago(loaded_days_ago),
            loaded_at=ago(loaded_days_ago),
            records_loaded=records,
            records_quarantined=quarantined,
        )
        self.s.add(sub)
        self.s.flush()
        self.submissions[org] = sub.id
        for i in range(quarantined):
            self.s.add(
                QuarantineItem(
                    organisation_id=org,
                    submission_id=sub.id,
                    file_name=sub.file_name,
                    location=f"row {i + 2}",
                    message="unreadable date",
                )
            )

    def person(self, org: str, source_id: str, nhs: str, person_id: str | None) -> None:
        sp = SourcePerson(
            organisation_id=org,
            submission_id=self.submissions[org],
            source_id=source_id,
            nhs_number_raw=NHS[nhs],
            nhs_number=NHS[nhs] if nhs == "valid" else None,
            nhs_number_status=nhs,
            family_name=SECRET_NAME,
        )
        self.s.add(sp)
        self.s.flush()
        if person_id is not None:
            self.s.add(PersonLink(source_person_id=sp.id, person_id=person_id, basis="deterministic", run_id=1))

    def event(self, org: str, person_source_id: str, kind: str, days_ago: float) -> None:
        self.s.add(
            SourceEvent(
                organisation_id=org,
                submission_id=self.submissions[org],
                source_id=f"{org}-{kind}-{person_source_id}-{days_ago}",
                person_source_id=person_source_id,
                kind=kind,
                display=SECRET_NAME,
                start_at=ago(days_ago),
            )
        )


def build_catalogue_store(db: Database) -> None:
    """Three partners with people and events, one registered partner with nothing, quarantine at two of them."""
    with db.session() as s:
        for code, (name, kind) in ORGS.items():
            s.add(Organisation(id=code, name=name, kind=kind))
        s.add(LinkRun(id=1, started_at=NOW, finished_at=NOW))
        for pid in ("P00000000000A", "P00000000000B", "P00000000000C"):
            s.add(Person(id=pid, status="active"))
        s.flush()
        b = _Store(s)
        b.submission("RZZ", loaded_days_ago=10, records=4)
        b.submission("RZZ", loaded_days_ago=2, records=6, quarantined=2)
        b.person("RZZ", "r1", "valid", "P00000000000A")
        b.person("RZZ", "r2", "invalid", "P00000000000B")
        b.person("RZZ", "r3", "missing", None)
        for source_id, days in (("r1", 5), ("r2", 30), ("r3", 3), ("ghost", 4)):  # ghost: no such person sent
            b.event("RZZ", source_id, "encounter", days)
        b.event("RZZ", "r1", "condition", 100)

        b.submission("Y90001", loaded_days_ago=1, records=5)
        b.person("Y90001", "g1", "valid", "P00000000000A")
        b.person("Y90001", "g2", "valid", "P00000000000C")
        b.event("Y90001", "g1", "condition", 400)
        b.event("Y90001", "g2", "observation", 2)
        b.event("Y90001", "g1", "medication", 50)
        b.event("Y90001", "g1", "registration", 900)  # in no dataset

        b.submission("LA900", loaded_days_ago=40, records=3, quarantined=1)
        b.person("LA900", "c1", "missing", "P00000000000A")
        b.event("LA900", "c1", "asc_service", 60)
        b.event("LA900", "c1", "asc_review", 45)


def _measured(db: Database) -> dict[str, DatasetQuality]:
    with db.session() as s:
        return measure_quality(s, DATASETS.values(), NOW)


def test_every_dataset_in_the_registry_is_described_and_says_what_it_is_made_of() -> None:
    assert set(DESCRIPTIONS) == set(DATASETS)
    assert [d.id for d in DATASETS.values() if d.is_people] == ["patients"]


def test_people_dataset_counts_each_partners_source_people(db: Database) -> None:
    build_catalogue_store(db)
    patients = _measured(db)["patients"]
    assert [p.organisation_id for p in patients.partners] == ["LA900", "Y90001", "Y90002", "RZZ"]
    by_org = {p.organisation_id: p.measures for p in patients.partners}
    rzz = by_org["RZZ"]
    assert (rzz.rows, rzz.nhs_present, rzz.nhs_valid, rzz.linked, rzz.people) == (3, 2, 1, 2, 2)
    assert rzz.nhs_completeness == 2 / 3 and rzz.nhs_validity == 1 / 2 and rzz.linkage_rate == 2 / 3
    assert (rzz.records_received, rzz.quarantined, rzz.quarantine_rate) == (12, 2, 2 / 12)
    assert rzz.last_loaded_at == ago(2)
    assert rzz.submission_age(NOW) == dt.timedelta(days=2)
    council = by_org["LA900"]
    assert (council.rows, council.nhs_completeness, council.nhs_validity, council.linkage_rate) == (1, 0.0, None, 1.0)
    assert council.quarantine_rate == 1 / 4
    silent = by_org["Y90002"]
    assert silent.rows == 0 and silent.nhs_completeness is None and silent.last_loaded_at is None
    total = patients.total
    assert (total.rows, total.nhs_present, total.nhs_valid, total.linked) == (6, 4, 3, 5)
    assert total.people == 3  # P…A is known to all three partners and counted once
    assert total.last_loaded_at == ago(1)
    assert total.first_event is None and total.event_lag is None


def test_event_datasets_count_their_kinds_from_their_source_partners_only(db: Database) -> None:
    build_catalogue_store(db)
    measured = _measured(db)
    admissions = measured["hospital_admissions"]
    assert [p.organisation_id for p in admissions.partners] == ["RZZ"]
    rzz = admissions.total
    # Four encounters; the ghost's person was never sent, so it has no NHS number and no link.
    assert (rzz.rows, rzz.nhs_present, rzz.nhs_valid, rzz.linked, rzz.people) == (4, 2, 1, 2, 2)
    assert (rzz.first_event, rzz.last_event) == (ago(30), ago(3))
    assert rzz.event_lag == dt.timedelta(days=1)  # newest encounter 3 days ago, latest load 2 days ago

    clinical = measured["clinical_events"]
    rows = {p.organisation_id: p.measures.rows for p in clinical.partners}
    assert rows == {"Y90001": 2, "Y90002": 0, "RZZ": 1}  # registration is in no dataset
    assert clinical.total.people == 2  # P…A through the GP and the trust, P…C through the GP
    assert (clinical.total.first_event, clinical.total.last_event) == (ago(400), ago(2))

    assert measured["medications"].total.rows == 1
    care = measured["care_packages"].total
    assert (care.rows, care.nhs_present, care.nhs_validity, care.linked, care.people) == (2, 0, None, 2, 1)
    assert care.event_lag == dt.timedelta(days=5)


def test_an_empty_store_measures_zero_rows_and_no_rates(db: Database) -> None:
    for quality in _measured(db).values():
        assert quality.partners == ()
        assert quality.total.rows == 0
        assert quality.total.linkage_rate is None and quality.total.quarantine_rate is None


def test_figures_and_exports_carry_no_person_identifiers(db: Database) -> None:
    build_catalogue_store(db)
    links = CatalogueLinks("http://catalogue.test")
    texts = [json.dumps(q.as_json()) for q in _measured(db).values()]
    texts.append(json.dumps(dcat_export(db, links, NOW)))
    texts += [json.dumps(hdruk_export(db, dataset_id, links, NOW)) for dataset_id in DATASETS]
    for text in texts:
        assert SECRET_NAME not in text
        assert "9990000018" not in text and "P00000000000A" not in text and '"r1"' not in text
