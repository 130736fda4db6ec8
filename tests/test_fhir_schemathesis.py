"""Schemathesis over the FHIR API's OpenAPI document, in-process against the ASGI app with a valid bearer token:
whatever it sends, the answer is never a server error (bounded examples, so it stays quick)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from socialdata.api import create_app
from socialdata.config import Settings
from socialdata.record import issue_token
from socialdata.store import Database
from test_access_world import build_world

EXAMPLES_PER_OPERATION = 8


def test_no_fhir_request_schemathesis_makes_gets_a_server_error(settings: Settings, db: Database) -> None:
    build_world(db)
    token = issue_token(db, "gp1").token
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings)).include(path_regex="^/fhir")
    tried: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings_for_each_operation
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            answer = case.call(headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code < 500, f"{case.method} {case.formatted_path} {case.query}: {answer.text[:300]}"

        check()
        tried.append(operation.label)
    assert len(tried) == 18 and "GET /fhir/Patient/{person_id}/$everything" in tried
    assert "GET /fhir/Condition/{resource_id}" in tried and "GET /fhir/AuditEvent/{event_id}" in tried


settings_for_each_operation = settings(
    max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
