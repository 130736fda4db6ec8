"""The airlock's pages without a browser: who may open a request or a file, how files are served (a drawing in a
sandbox, a table as a download), and researchers' own text shown as text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from socialdata.api import create_app
from socialdata.config import Settings
from socialdata.governance.users import set_password
from socialdata.outputs.airlock import FileToRelease
from socialdata.store import Database
from test_outputs_world import OutputsWorld, build_outputs_world

PASSWORD = "outputs web password"
HOSTILE = "<script>alert('description')</script> people by area"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


@pytest.fixture
def world(db: Database) -> OutputsWorld:
    w = build_outputs_world(db)
    w.write("by_area.csv", "area,count\nE01,57\nE02,120\n")
    w.write("plot.svg", SVG)
    for username in ("res1", "outsider", "checker1"):
        set_password(db, username, PASSWORD)
    return w


@pytest.fixture
def client(settings: Settings, world: OutputsWorld) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _log_in(client: TestClient, username: str) -> None:
    token = client.get("/login").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD})


def _request(world: OutputsWorld) -> int:
    files = [FileToRelease("by_area.csv", HOSTILE), FileToRelease("plot.svg", "a drawing of the counts")]
    return world.airlock().request_release(world.actors["res1"], world.job_id, "Care by area", files)


def test_a_checker_reads_the_request_with_the_researchers_text_escaped(world: OutputsWorld, client: TestClient) -> None:
    request_id = _request(world)
    _log_in(client, "checker1")
    page = client.get(f"/outputs/{request_id}")
    assert page.status_code == 200
    assert "<script>alert(" not in page.text
    assert "&lt;script&gt;" in page.text
    assert 'id="review-form"' in page.text
    queue = client.get("/outputs")
    assert f"Request {request_id}" in queue.text


def test_files_are_served_safely_and_only_to_who_may_see_them(world: OutputsWorld, client: TestClient) -> None:
    request_id = _request(world)
    view = world.airlock().request_view(world.actors["res1"], request_id)
    table, drawing = (f.id for f in view.files)
    _log_in(client, "res1")
    csv = client.get(f"/outputs/{request_id}/files/{table}")
    assert csv.headers["content-disposition"].startswith("attachment")
    assert csv.text.startswith("area,count")
    svg = client.get(f"/outputs/{request_id}/files/{drawing}")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "sandbox" in svg.headers["content-security-policy"]
    client.cookies.clear()  # signed out: a new visitor
    _log_in(client, "outsider")
    assert client.get(f"/outputs/{request_id}").status_code == 400
    assert client.get(f"/outputs/{request_id}/files/{table}").status_code == 400


def test_only_members_see_which_files_a_job_wrote(world: OutputsWorld, client: TestClient) -> None:
    _log_in(client, "outsider")
    page = client.get(f"/outputs/new?job_id={world.job_id}")
    assert page.status_code == 400
    assert "by_area.csv" not in page.text
    client.cookies.clear()
    _log_in(client, "res1")
    page = client.get(f"/outputs/new?job_id={world.job_id}")
    assert page.status_code == 200 and "by_area.csv" in page.text
