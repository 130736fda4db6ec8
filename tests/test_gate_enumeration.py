"""Every route of the app declares whether it touches person-level data; those that do pass through the access gate.

Routes declare it with `socialdata.access.person_route` / `not_person_level(reason)` (or, for routes older than the
markings, an entry with its reason in `route_guard.NOT_PERSON_LEVEL_ROUTES`). A person route that answers without a
gate decision fails at run time, which the second half of this file proves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from socialdata.access import AccessDenied, UngatedPersonRoute, marking_of, not_person_level, person_route
from socialdata.access.route_guard import (
    FRAMEWORK_PATHS,
    NOT_PERSON_LEVEL_ROUTES,
    RouteKind,
    RouteMarking,
    endpoint_name,
)
from socialdata.api import create_app
from socialdata.config import Settings
from socialdata.store import Database
from test_access_world import ALICE, GUESSED, World, build_world

# A path with any of these is about a person, whatever its marking says.
PERSON_PATH_HINTS = ("{person_id}", "{patient_id}", "/people", "/person", "/patient", "/record", "/fhir/", "/citizen")
# …except these, which describe the server and carry no person.
PUBLIC_DESPITE_HINTS = frozenset({"/fhir/metadata"})


def _routes(settings: Settings) -> list[tuple[str, frozenset[str], Callable[..., Any] | None]]:
    app = create_app(settings)
    return [
        (route.path or "", frozenset(route.methods or ()), route.endpoint) for route in iter_route_contexts(app.routes)
    ]


def _names_a_person(path: str) -> bool:
    return path not in PUBLIC_DESPITE_HINTS and any(hint in path.lower() for hint in PERSON_PATH_HINTS)


def _ours(endpoint: Callable[..., Any] | None) -> bool:
    return endpoint is not None and endpoint.__module__.startswith("socialdata.")


@pytest.fixture
def routes(settings: Settings) -> list[tuple[str, frozenset[str], Callable[..., Any] | None]]:
    found = _routes(settings)
    assert len(found) > 5  # the walk reached the included routers
    return found


def test_every_route_declares_whether_it_touches_person_level_data(routes: list[Any]) -> None:
    undeclared = []
    for path, methods, endpoint in routes:
        if not _ours(endpoint):
            if path not in FRAMEWORK_PATHS:
                undeclared.append(f"{sorted(methods)} {path} (framework route not in FRAMEWORK_PATHS)")
            continue
        if marking_of(endpoint) is None:
            undeclared.append(f"{sorted(methods)} {path} -> {endpoint_name(endpoint)}")
    assert undeclared == [], "mark these with @person_route or @not_person_level('why'): " + "; ".join(undeclared)


def test_every_route_whose_path_names_a_person_passes_through_the_gate(routes: list[Any]) -> None:
    ungated = [
        f"{sorted(methods)} {path}"
        for path, methods, endpoint in routes
        if _names_a_person(path)
        and (not _ours(endpoint) or (marking := marking_of(endpoint)) is None or marking.kind != RouteKind.PERSON)
    ]
    assert ungated == []


def test_every_person_route_is_wrapped_by_the_guard(routes: list[Any]) -> None:
    person = [e for _, _, e in routes if _ours(e) and (m := marking_of(e)) is not None and m.kind == RouteKind.PERSON]
    for endpoint in person:
        assert hasattr(endpoint, "__wrapped__"), endpoint_name(endpoint)


def test_the_tables_name_only_real_routes(routes: list[Any]) -> None:
    """A stale entry would hide nothing today but could hide a new route of the same name tomorrow."""
    names = {endpoint_name(e) for _, _, e in routes if _ours(e)}
    assert set(NOT_PERSON_LEVEL_ROUTES) <= names
    paths = {path for path, _, _ in routes}
    assert set(FRAMEWORK_PATHS) <= paths
    for reason in (*NOT_PERSON_LEVEL_ROUTES.values(), *FRAMEWORK_PATHS.values()):
        assert reason.strip()


# -- the run-time guard ------------------------------------------------------------------------------------------


def _app(world: World) -> FastAPI:
    app = FastAPI()
    gate = world.gate()
    actor = world.actors["gp1"]

    @app.get("/forgetful/{person_id}")
    @person_route
    def forgetful(person_id: str) -> dict[str, str]:
        return {"person": person_id}  # reads around the gate

    @app.get("/async-forgetful/{person_id}")
    @person_route
    async def async_forgetful(person_id: str) -> dict[str, str]:
        return {"person": person_id}

    @app.get("/careful/{person_id}")
    @person_route
    def careful(person_id: str) -> dict[str, int | str]:
        try:
            with gate.open_person(actor, person_id) as record:
                return {"events": len(record.events().visible)}
        except AccessDenied as denied:
            return {"refused": str(denied)}

    @app.get("/async-careful/{person_id}")
    @person_route
    async def async_careful(person_id: str) -> dict[str, int | str]:
        try:
            with gate.open_person(actor, person_id) as record:
                return {"events": len(record.events().visible)}
        except AccessDenied as denied:
            return {"refused": str(denied)}

    return app


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


@pytest.mark.parametrize("path", ["/forgetful", "/async-forgetful"])
def test_a_person_route_called_without_a_gate_decision_fails_and_serves_nothing(world: World, path: str) -> None:
    app = _app(world)
    with TestClient(app) as strict, pytest.raises(UngatedPersonRoute):
        strict.get(f"{path}/{ALICE}")
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get(f"{path}/{ALICE}")
    assert answer.status_code == 500
    assert ALICE not in answer.text


@pytest.mark.parametrize("path", ["/careful", "/async-careful"])
def test_a_person_route_that_asks_the_gate_answers_allowed_or_denied(world: World, path: str) -> None:
    with TestClient(_app(world)) as client:
        assert client.get(f"{path}/{ALICE}").json()["events"] > 0
        refused = client.get(f"{path}/{GUESSED}").json()
        # A decision made by one request does not cover the next.
        with pytest.raises(UngatedPersonRoute):
            client.get(f"/forgetful/{ALICE}")
    assert "refused" in refused
    assert world.audit_count() == 2


def test_a_route_may_not_be_marked_not_person_level_without_a_reason() -> None:
    with pytest.raises(ValueError, match="say why"):
        not_person_level("  ")

    @not_person_level("a fixed text")
    def about() -> None:
        return None

    assert marking_of(about) == RouteMarking(RouteKind.NOT_PERSON_LEVEL, "a fixed text")
