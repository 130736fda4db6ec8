"""Catalogue search: ranked, every word must match, and injection strings (SQL, markup, LIKE wildcards) are text —
in the search itself, over the API and on the page."""

from __future__ import annotations

from collections.abc import Iterator

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from socialdata.api import create_app
from socialdata.catalogue import MAX_QUERY_LENGTH, catalogue_entries, search_catalogue
from socialdata.config import Settings
from socialdata.errors import UserError
from socialdata.governance.datasets import DATASETS
from socialdata.store import Database
from socialdata.store.models import SourcePerson
from test_catalogue_quality import build_catalogue_store

SQL_INJECTIONS = (
    "'; DROP TABLE source_person; --",
    '" OR 1=1 --',
    "x' UNION SELECT nhs_number FROM source_person --",
)
MARKUP = "<script>document.title='owned'</script>"


def _ids(query: str) -> list[str]:
    return [hit.entry.id for hit in search_catalogue(query)]


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    build_catalogue_store(db)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_a_column_name_finds_its_dataset_and_names_the_column() -> None:
    [hit] = search_catalogue("birth")
    assert hit.entry.id == "patients"
    assert hit.columns == ("date_of_birth",)


def test_a_title_word_ranks_above_a_mention_in_a_description() -> None:
    ids = _ids("medications")
    assert ids[0] == "medications"
    assert "clinical_events" not in ids or ids.index("clinical_events") > 0
    hits = search_catalogue("hospital")
    assert hits[0].entry.id == "hospital_admissions"
    assert hits[0].score > hits[-1].score


def test_every_word_must_match() -> None:
    assert "clinical_events" in _ids("snomed")
    assert _ids("snomed admission") == ["hospital_admissions"]
    assert _ids("snomed zzzunheardof") == []


def test_search_is_case_blind_and_an_empty_query_lists_everything() -> None:
    assert _ids("SNOMED") == _ids("snomed")
    assert _ids("   ") == [entry.id for entry in catalogue_entries()]


@pytest.mark.parametrize("query", SQL_INJECTIONS)
def test_sql_injection_strings_are_searched_as_text(query: str) -> None:
    assert _ids(query) == []


def test_like_wildcards_are_literal_characters() -> None:
    # As LIKE patterns, '%' would match every dataset and 'd_te' would match 'date'.
    assert _ids("%") == []
    assert _ids("dat%") == []
    assert _ids("d_te") == []
    assert "patients" in _ids("date")
    # '_' is a character in column names such as patient_id, which every table has, so it finds them as text.
    assert set(_ids("_")) == set(DATASETS)
    assert _ids("date_of_birth") == ["patients"]


def test_markup_is_searched_as_text() -> None:
    assert _ids(MARKUP) == []


def test_a_search_too_long_is_refused_saying_so() -> None:
    with pytest.raises(UserError, match=f"at most {MAX_QUERY_LENGTH} characters") as raised:
        search_catalogue("a" * (MAX_QUERY_LENGTH + 1))
    assert raised.value.where == "q"
    with pytest.raises(UserError, match="words"):
        search_catalogue(" ".join(f"w{i}" for i in range(20)))


def test_api_search_ranks_and_names_matching_columns(client: TestClient) -> None:
    response = client.get("/api/catalogue/search", params={"q": "admission date"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["id"] == "hospital_admissions"
    assert results[0]["matched_columns"][:2] == ["admission_date", "discharge_date"]
    assert results[0]["hdruk"].endswith("/api/catalogue/hospital_admissions/hdruk.json")


@pytest.mark.parametrize("query", [*SQL_INJECTIONS, MARKUP, "%", "%%", "d_te"])
def test_api_search_treats_injection_strings_as_text(client: TestClient, db: Database, query: str) -> None:
    response = client.get("/api/catalogue/search", params={"q": query})
    assert response.status_code == 200
    assert response.json() == {"query": query, "results": []}
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(SourcePerson)) == 6  # nothing dropped or changed


def test_api_search_too_long_is_a_400_naming_the_parameter(client: TestClient) -> None:
    response = client.get("/api/catalogue/search", params={"q": "x" * 500})
    assert response.status_code == 400
    assert response.json()["error"].startswith("q: a search is at most")


def test_page_shows_ranked_results_without_login(client: TestClient) -> None:
    page = client.get("/catalogue", params={"q": "birth"})
    assert page.status_code == 200
    assert "1 dataset match “birth”" in page.text
    assert "<code>date_of_birth</code>" in page.text
    assert '/catalogue/patients">Linked population</a>' in page.text


@pytest.mark.parametrize("query", [MARKUP, *SQL_INJECTIONS, "%"])
def test_page_shows_an_injection_string_as_text(client: TestClient, query: str) -> None:
    page = client.get("/catalogue", params={"q": query})
    assert page.status_code == 200
    assert "0 datasets match" in page.text
    assert MARKUP not in page.text  # the markup is escaped wherever it is echoed
    assert 'id="no-results"' in page.text


def test_page_says_when_a_search_is_too_long(client: TestClient) -> None:
    page = client.get("/catalogue", params={"q": "x" * 500})
    assert page.status_code == 400
    assert "a search is at most 200 characters" in page.text
    assert "Traceback" not in page.text


def test_no_catalogue_request_schemathesis_makes_gets_a_server_error(settings: Settings, db: Database) -> None:
    """Whatever the catalogue API is sent (any query text, any dataset id), the answer is never a server error."""
    build_catalogue_store(db)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings)).include(path_regex="^/api/catalogue")
    tried: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis.settings(
            max_examples=8, deadline=None, database=None, suppress_health_check=list(hypothesis.HealthCheck)
        )
        @hypothesis.given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            answer = case.call()
            assert answer.status_code < 500, f"{case.method} {case.formatted_path} {case.query}: {answer.text[:300]}"

        check()
        tried.append(operation.label)
    assert "GET /api/catalogue/search" in tried and "GET /api/catalogue/{dataset_id}/hdruk.json" in tried
