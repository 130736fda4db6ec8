"""The operational picture as a planner uses it: partner nodes started and registered with `sdf node`, the
dashboard clicked through in Chromium (tables, escalation, plotly charts drawn under the site's CSP), a federated
count asked from the CLI and the page, and the page kept from citizens and strangers."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from served_app import served
from socialdata.api import create_app
from socialdata.cli.demo_operations import start_demo_nodes, stop_nodes
from socialdata.config import Settings
from socialdata.governance.users import Role, create_user
from socialdata.operations import Hub, NodeFlag, build_dashboard, registered_nodes
from socialdata.store import Database
from socialdata.synth import load_manifest
from test_operations_node import city  # noqa: F401 (the small synthetic city fixture)

PASSWORD = "operations page password"


def _sdf(cli_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([".venv/bin/sdf", *args], env=cli_env, capture_output=True, text=True, check=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def nodes(city: Database, cli_env: dict[str, str]) -> Iterator[list[str]]:  # noqa: F811
    """The trust's and the Foundation's nodes as `sdf node serve` processes, registered with `sdf node register`."""
    processes = []
    try:
        for org, extra in (("RZZ", ()), ("SDF", ("--person-index", "--min-cell-count", "5"))):
            port = _free_port()
            key = _sdf(cli_env, "node", "key", org)
            assert key.returncode == 0, key.stderr
            command = [".venv/bin/sdf", "node", "serve", "--org", org, "--port", str(port), *extra]
            processes.append(subprocess.Popen(command, env=cli_env, stderr=subprocess.DEVNULL))
            url = f"http://127.0.0.1:{port}"
            registered = _sdf(cli_env, "node", "register", org, "--org", org, "--url", url, "--public-key", key.stdout)
            assert registered.returncode == 0, registered.stderr
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    time.sleep(0.1)
        for username, role in (("planner", Role.ADMINISTRATOR), ("citizen", Role.CITIZEN)):
            create_user(city, username, PASSWORD, role, display_name=username.title(), organisation_id=None)
        yield ["RZZ", "SDF"]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(base_url + "/operations")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.browser
def test_a_planner_sees_live_figures_and_charts_from_the_nodes(
    nodes: list[str], settings: Settings, page: Page
) -> None:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    with served(settings) as base_url:
        _log_in(page, base_url, "planner")
        expect(page.get_by_role("heading", level=1)).to_have_text("Operational picture")
        expect(page.locator("#nodes tr[data-node='RZZ']")).to_contain_text("answering")
        expect(page.locator("#nodes tr[data-node='SDF']")).to_contain_text("answering")
        expect(page.locator("#beds")).to_contain_text("Avonford Hospitals NHS Foundation Trust")
        expect(page.locator("#beds")).to_contain_text("OPEL")
        expect(page.locator("#discharges")).to_contain_text("Delayed discharges")
        expect(page.locator("#chart-occupancy")).to_have_attribute("data-traces", "1")  # plotly drew the trust's line
        expect(page.locator("#chart-occupancy .main-svg").first).to_be_visible()
        expect(page.locator("#operations-live")).to_have_attribute("data-updated", re.compile(r"^\d{4}-\d\d-\d\dT"))
        page.get_by_role("link", name="Ask the nodes for a count (federated query)").click()
        page.get_by_label("Count").select_option("inpatients")
        page.get_by_label("Broken down by").select_option("age_band")
        page.get_by_role("button", name="Ask the nodes").click()
        expect(page.locator("#count-result")).to_be_visible()
        expect(page.get_by_text("Answered by: RZZ")).to_be_visible()
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems


def test_citizens_and_strangers_do_not_get_the_dashboard_and_bad_counts_are_explained(
    nodes: list[str], settings: Settings
) -> None:
    with TestClient(create_app(settings)) as client:
        stranger = client.get("/operations", follow_redirects=False)
        assert stranger.status_code == 303 and stranger.headers["location"].startswith("/login")
        token = client.get("/login").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        client.post("/login", data={"csrf_token": token, "username": "citizen", "password": PASSWORD})
        assert client.get("/operations").status_code == 403
        assert client.get("/operations/data").status_code == 403
        script = client.get("/operations/plotly.min.js")
        assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    with TestClient(create_app(settings)) as planner:
        token = planner.get("/login").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        planner.post("/login", data={"csrf_token": token, "username": "planner", "password": PASSWORD})
        unknown = planner.get("/operations/count", params={"measure": "everyone' OR 1=1"})
        assert unknown.status_code == 400
        assert "measure: not one of the counts the nodes answer" in unknown.text and "Traceback" not in unknown.text


def test_a_federated_count_from_the_cli_suppresses_at_each_node(nodes: list[str], cli_env: dict[str, str]) -> None:
    asked = _sdf(cli_env, "node", "count", "--measure", "inpatients", "--by", "age_band", "--json")
    assert asked.returncode == 0, asked.stderr
    result = json.loads(asked.stdout)
    assert result["answered"] == ["RZZ"] and result["excluded"] == []
    for cell in result["cells"]:
        assert cell["known"] == 0 or cell["known"] >= 10
    assert any(cell["suppressed_at"] == ["RZZ"] for cell in result["cells"])  # 300 people: the groups are small


def test_the_demo_starts_a_node_per_partner_and_the_hub_reads_them(city: Database, settings: Settings) -> None:  # noqa: F811
    processes = start_demo_nodes(city, settings, load_manifest(settings.home / "city"), serve=True)
    try:
        nodes = registered_nodes(city)
        assert [node.node_id for node in nodes] == ["LA900", "RZZ", "SDF"]
        hub = Hub()
        replies = asyncio.run(hub.refresh(nodes))
        assert {reply.node.node_id: reply.flag for reply in replies} == dict.fromkeys(
            ("LA900", "RZZ", "SDF"), NodeFlag.OK
        )
        board = build_dashboard(hub)
        assert {row.care_type for row in board.vacancies} == {"nursing", "residential"}  # the register was loaded
        assert all(row.area.startswith("BS") for row in board.vacancies)
    finally:
        stop_nodes(processes)
    assert all(process.returncode is not None for process in processes)
