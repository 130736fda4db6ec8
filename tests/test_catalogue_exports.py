"""The catalogue's exports and faces: HDR UK JSON per dataset and DCAT JSON-LD for the whole catalogue (shape, and
that a JSON-LD processor reads it), the dataset API, and `sdf catalogue list|show|export`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, Graph, Literal, Namespace, URIRef  # rdflib comes with acro (dev dependencies)
from typer.testing import CliRunner, Result

from socialdata.api import create_app
from socialdata.catalogue import CatalogueLinks, dcat_export, hdruk_export
from socialdata.cli import app
from socialdata.config import Settings
from socialdata.governance.datasets import DATASETS
from socialdata.store import Database
from test_catalogue_quality import NOW, build_catalogue_store

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
BASE = "http://catalogue.test"


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    build_catalogue_store(db)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _sdf(cli_env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=cli_env)


@pytest.mark.parametrize("dataset_id", list(DATASETS))
def test_hdruk_document_has_every_schema_section_and_the_registrys_columns(db: Database, dataset_id: str) -> None:
    build_catalogue_store(db)
    doc = hdruk_export(db, dataset_id, CatalogueLinks(BASE), NOW)
    dataset = DATASETS[dataset_id]
    assert doc["identifier"] == f"{BASE}/catalogue/{dataset_id}"
    summary = doc["summary"]
    assert summary["title"] == dataset.title and summary["abstract"] == dataset.description
    assert summary["publisher"]["name"] and "@" in summary["contactPoint"] and summary["keywords"]
    assert set(doc["coverage"]) >= {"spatial", "typicalAgeRange", "followup"}
    assert set(doc["provenance"]["origin"]) == {"purpose", "source", "collectionSituation"}
    assert set(doc["provenance"]["temporal"]) >= {"accrualPeriodicity", "startDate", "endDate", "timeLag"}
    access = doc["accessibility"]["access"]
    assert "project" in access["accessService"] and access["accessRights"]
    assert access["legalBasisForDataArticle6"].startswith("UK GDPR Article 6")
    assert access["legalBasisForDataArticle9"].startswith("UK GDPR Article 9")
    [table] = doc["structuralMetadata"]
    assert table["name"] == dataset_id
    assert [e["name"] for e in table["elements"]] == list(dataset.field_names())
    assert {e["dataType"] for e in table["elements"]} <= {"String", "Date", "Integer", "Float", "Boolean"}
    assert [e["name"] for e in table["elements"] if e["sensitive"]] == ["patient_id"]


def test_hdruk_document_carries_counts_and_period_measured_from_the_store(db: Database) -> None:
    build_catalogue_store(db)
    doc = hdruk_export(db, "hospital_admissions", CatalogueLinks(BASE), NOW)
    rows, people = doc["observations"]
    assert (rows["observedNode"], rows["measuredValue"]) == ("EVENTS", 4)
    assert (people["observedNode"], people["measuredValue"]) == ("PERSONS", 2)
    temporal = doc["provenance"]["temporal"]
    assert (temporal["startDate"], temporal["endDate"]) == ("2026-10-21", "2026-11-17")


def _graph(document: dict[str, Any]) -> Graph:
    return Graph().parse(data=json.dumps(document), format="json-ld")


def test_dcat_is_json_ld_a_processor_reads_as_one_catalog_of_every_dataset(db: Database) -> None:
    build_catalogue_store(db)
    document = dcat_export(db, CatalogueLinks(BASE), NOW)
    assert document["@context"]["dcat"] == str(DCAT) and document["@context"]["dct"] == str(DCT)
    graph = _graph(document)
    [catalog] = graph.subjects(RDF.type, DCAT.Catalog)
    datasets = set(graph.objects(catalog, DCAT.dataset))
    assert datasets == {URIRef(f"{BASE}/catalogue/{d}") for d in DATASETS}
    for dataset_id, dataset in DATASETS.items():
        node = URIRef(f"{BASE}/catalogue/{dataset_id}")
        assert (node, RDF.type, DCAT.Dataset) in graph
        assert graph.value(node, DCT.title) == Literal(dataset.title)
        assert graph.value(node, DCT.identifier) == Literal(dataset_id)
        distribution = graph.value(node, DCAT.distribution)
        assert graph.value(distribution, DCAT.accessURL) == URIRef(f"{BASE}/api/catalogue/{dataset_id}/hdruk.json")
        assert set(graph.objects(node, DCAT.keyword))
    period = graph.value(URIRef(f"{BASE}/catalogue/clinical_events"), DCT.temporal)
    assert str(graph.value(period, DCAT.startDate)) == "2025-10-16"


def test_api_serves_the_exports_and_a_dataset_with_its_quality(client: TestClient) -> None:
    listing = client.get("/api/catalogue").json()
    assert [d["id"] for d in listing] == list(DATASETS)
    dcat = client.get("/api/catalogue/dcat.jsonld")
    assert dcat.status_code == 200 and dcat.headers["content-type"].startswith("application/ld+json")
    assert len(set(_graph(dcat.json()).subjects(RDF.type, DCAT.Dataset))) == len(DATASETS)
    hdruk = client.get("/api/catalogue/patients/hdruk.json")
    assert hdruk.status_code == 200 and hdruk.json()["identifier"] == "http://testserver/catalogue/patients"
    one = client.get("/api/catalogue/patients").json()
    assert [c["name"] for c in one["columns"]] == list(DATASETS["patients"].field_names())
    assert one["quality"]["total"]["rows"] == 6 and one["quality"]["total"]["people"] == 3
    assert [p["organisation"] for p in one["quality"]["partners"]] == ["LA900", "Y90001", "Y90002", "RZZ"]


@pytest.mark.parametrize("path", ["/api/catalogue/nosuch", "/api/catalogue/nosuch/hdruk.json"])
def test_api_unknown_dataset_is_a_404_naming_the_datasets(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "there is no dataset 'nosuch'; the datasets are patients" in response.json()["error"]


def test_dataset_page_shows_description_quality_and_columns(client: TestClient) -> None:
    page = client.get("/catalogue/hospital_admissions")
    assert page.status_code == 200
    assert "Hospital admissions" in page.text and "<code>admission_method</code>" in page.text
    assert 'data-partner="RZZ"' in page.text and "50.0%" in page.text  # NHS number validity: 1 of 2
    missing = client.get("/catalogue/<b>nosuch")
    assert missing.status_code == 404 and "there is no dataset &#39;&lt;b&gt;nosuch&#39;" in missing.text


def test_cli_lists_shows_and_exports(cli_env: dict[str, str], db: Database, tmp_path: Path) -> None:
    build_catalogue_store(db)
    listed = _sdf(cli_env, "catalogue", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert [d["id"] for d in json.loads(listed.stdout)] == list(DATASETS)
    shown = _sdf(cli_env, "catalogue", "show", "care_packages", "--json")
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["quality"]["total"]["rows"] == 2
    out = tmp_path / "patients.json"
    exported = _sdf(cli_env, "catalogue", "export", "patients", "--out", str(out), "--base-url", BASE)
    assert exported.exit_code == 0, exported.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["identifier"] == f"{BASE}/catalogue/patients"
    dcat = _sdf(cli_env, "catalogue", "export", "--format", "dcat")
    assert dcat.exit_code == 0 and json.loads(dcat.stdout)["@type"] == "dcat:Catalog"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show", "nosuch"), "there is no dataset 'nosuch'"),
        (("export",), "name the dataset to export"),
        (("export", "patients", "--format", "dcat"), "DCAT exports the whole catalogue"),
    ],
)
def test_cli_mistakes_are_one_readable_line(cli_env: dict[str, str], args: tuple[str, ...], message: str) -> None:
    result = _sdf(cli_env, "catalogue", *args)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_a_store_with_nothing_loaded_still_shows_every_dataset(settings: Settings, db: Database) -> None:
    with TestClient(create_app(settings)) as empty:
        page = empty.get("/catalogue/clinical_events")
        assert page.status_code == 200
        assert 'id="quality-total"' in page.text and "nothing loaded" in page.text
        doc = empty.get("/api/catalogue/clinical_events/hdruk.json").json()
        assert doc["provenance"]["temporal"]["startDate"] is None
        assert doc["observations"][0]["measuredValue"] == 0
