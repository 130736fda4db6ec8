"""The hub against real node processes on loopback, each fault a test: a node killed mid-query, one that hangs, one
that returns garbage, one signing with the wrong key, one whose clock is off, and one that comes back.

Run as a script, this file is the node process: the real node app, with the fault it is told to have.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from socialdata.config import Settings, load_settings
from socialdata.operations import Hub, NodeEntry, NodeFlag, build_dashboard
from socialdata.operations.signing import node_key, public_key_text
from socialdata.store import Database

SKEW_SECONDS = 600.0
FAULTS = ("none", "hang", "garbage", "skew")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class NodeProcess:
    entry: NodeEntry
    process: subprocess.Popen[bytes]
    port: int

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class Nodes:
    """Starts node processes over one store and stops them all at the end."""

    def __init__(self, settings: Settings, keys: Path) -> None:
        self.settings = settings
        self.keys = keys
        self.started: list[NodeProcess] = []

    def start(
        self,
        node_id: str,
        org: str,
        *,
        fault: str = "none",
        person_index: bool = False,
        signing_key: str | None = None,
        port: int | None = None,
    ) -> NodeProcess:
        """A node process; it signs with `signing_key`'s key file (default its own) but is registered with its own."""
        registered = node_key(self.keys / f"{node_id}.key")
        signer = self.keys / f"{signing_key or node_id}.key"
        node_key(signer)
        port = port or _free_port()
        env = {**os.environ, "SDF_HOME": str(self.settings.home), "SDF_DATABASE_URL": self.settings.database_url}
        command = [sys.executable, __file__, node_id, org, str(port), str(signer), fault, str(person_index)]
        process = subprocess.Popen(command, env=env)
        entry = NodeEntry(node_id, org, f"http://127.0.0.1:{port}", public_key_text(registered))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        assert process.poll() is None, "the node process stopped as it started"
        node = NodeProcess(entry, process, port)
        self.started.append(node)
        return node

    def stop_all(self) -> None:
        for node in self.started:
            node.stop()


@pytest.fixture(scope="module")
def city_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A small synthetic city, loaded and linked once for the module: the nodes read it, nobody changes it."""
    from socialdata.feeds import ingest_path
    from socialdata.governance.organisations import register_organisation
    from socialdata.linkage.service import run_linkage
    from socialdata.synth import write_city

    home = tmp_path_factory.mktemp("operations-city")
    settings = load_settings({"SDF_HOME": str(home)})
    db = Database(settings)
    db.upgrade()
    manifest = write_city(home / "city", people=300, seed=7)
    for org in manifest.organisations:
        register_organisation(db, org.code, org.name, org.kind)
        for name in org.files:
            ingest_path(db, home / "city" / name, org.code)
    run_linkage(db)
    db.dispose()
    return settings


@pytest.fixture
def nodes(city_settings: Settings, tmp_path: Path) -> Iterator[Nodes]:
    started = Nodes(city_settings, tmp_path / "keys")
    yield started
    started.stop_all()


def _refresh(hub: Hub, entries: list[NodeEntry]) -> dict[str, NodeFlag]:
    replies = asyncio.run(hub.refresh(entries))
    return {reply.node.node_id: reply.flag for reply in replies}


def test_good_nodes_answer_signed_pictures_the_dashboard_adds_up(nodes: Nodes) -> None:
    trust = nodes.start("RZZ", "RZZ")
    council = nodes.start("LA900", "LA900")
    foundation = nodes.start("SDF", "SDF", person_index=True)
    hub = Hub()
    flags = _refresh(hub, [trust.entry, council.entry, foundation.entry])
    assert flags == {"RZZ": NodeFlag.OK, "LA900": NodeFlag.OK, "SDF": NodeFlag.OK}
    board = build_dashboard(hub)
    assert [site.node_id for site in board.sites] == ["RZZ"]
    assert board.sites[0].open > 0 and board.vacancies
    assert all(not line.excluded for line in board.nodes)


def test_a_node_killed_mid_query_is_flagged_down_and_the_others_still_show(nodes: Nodes) -> None:
    trust = nodes.start("RZZ", "RZZ")
    doomed = nodes.start("LA900", "LA900")
    hub = Hub(timeout=30, retries=0)
    doomed.process.send_signal(signal.SIGSTOP)  # it accepts the connection (the kernel does) but cannot answer
    result: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: result.update(_refresh(hub, [trust.entry, doomed.entry])))
    thread.start()
    hub_side = psutil.Process(os.getpid())

    def in_flight() -> bool:  # the hub's connection to the stopped node is open: the query was sent
        return any(
            c.status == psutil.CONN_ESTABLISHED and c.raddr and c.raddr.port == doomed.port
            for c in hub_side.net_connections(kind="tcp")
        )

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not in_flight():
        time.sleep(0.05)
    assert in_flight(), "the query never reached the node"
    doomed.process.kill()
    thread.join(timeout=60)
    assert result == {"RZZ": NodeFlag.OK, "LA900": NodeFlag.DOWN}
    board = build_dashboard(hub)
    assert [site.node_id for site in board.sites] == ["RZZ"]
    assert {line.status.node_id: line.excluded for line in board.nodes} == {"RZZ": False, "LA900": True}


def test_a_node_that_hangs_times_out_and_is_excluded(nodes: Nodes) -> None:
    trust = nodes.start("RZZ", "RZZ")
    hanging = nodes.start("LA900", "LA900", fault="hang")
    hub = Hub(timeout=1.0, retries=1)
    assert _refresh(hub, [trust.entry, hanging.entry]) == {"RZZ": NodeFlag.OK, "LA900": NodeFlag.TIMEOUT}
    assert "LA900" not in hub.pictures


def test_a_node_returning_garbage_is_flagged_malformed(nodes: Nodes) -> None:
    trust = nodes.start("RZZ", "RZZ")
    garbled = nodes.start("LA900", "LA900", fault="garbage")
    hub = Hub()
    assert _refresh(hub, [trust.entry, garbled.entry]) == {"RZZ": NodeFlag.OK, "LA900": NodeFlag.MALFORMED}
    assert build_dashboard(hub).vacancies == []  # the council's figures come only from a good answer


def test_a_node_signing_with_another_key_is_flagged_and_excluded(nodes: Nodes) -> None:
    impostor = nodes.start("LA900", "LA900", signing_key="someone-else")
    hub = Hub()
    assert _refresh(hub, [impostor.entry]) == {"LA900": NodeFlag.BAD_SIGNATURE}
    assert hub.pictures == {}
    assert "registered key" in hub.statuses["LA900"].message


def test_a_node_whose_clock_is_off_is_flagged_for_skew(nodes: Nodes) -> None:
    skewed = nodes.start("RZZ", "RZZ", fault="skew")
    hub = Hub(skew_tolerance=60)
    assert _refresh(hub, [skewed.entry]) == {"RZZ": NodeFlag.CLOCK_SKEW}
    assert "+600 s" in hub.statuses["RZZ"].message
    assert hub.pictures == {}


def test_a_node_that_comes_back_is_used_again_and_its_flag_cleared(nodes: Nodes) -> None:
    trust = nodes.start("RZZ", "RZZ")
    hub = Hub(timeout=2.0, retries=1)
    assert _refresh(hub, [trust.entry]) == {"RZZ": NodeFlag.OK}
    first_good = hub.statuses["RZZ"].last_good_at
    trust.stop()
    assert _refresh(hub, [trust.entry]) == {"RZZ": NodeFlag.DOWN}
    down = build_dashboard(hub)
    assert [site.node_id for site in down.sites] == ["RZZ"]  # the last good answer is still shown, with its age
    assert down.nodes[0].excluded and down.nodes[0].status.last_good_at == first_good
    back = nodes.start("RZZ", "RZZ", port=trust.port)
    assert _refresh(hub, [back.entry]) == {"RZZ": NodeFlag.OK}
    status = hub.statuses["RZZ"]
    assert status.flag is NodeFlag.OK and status.last_good_at is not None and first_good is not None
    assert status.last_good_at > first_good


def _serve_node(node_id: str, org: str, port: int, key_file: str, fault: str, person_index: bool) -> None:
    """The node process: the real node app over the store in the environment, with the given fault."""
    import uvicorn
    from starlette.types import Receive, Scope, Send

    from socialdata.operations import NodeConfig, node_app

    def skewed_clock() -> float:
        return time.time() + SKEW_SECONDS

    clock = skewed_clock if fault == "skew" else time.time
    config = NodeConfig(node_id, org, node_key(Path(key_file)), person_index=person_index, clock=clock)
    app = node_app(Database(load_settings()), config)

    async def faulty(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and fault == "hang":
            await asyncio.sleep(3600)
        if scope["type"] == "http" and fault == "garbage":
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"\x00{not json at all"})
            return
        await app(scope, receive, send)

    uvicorn.run(faulty, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    name, organisation, listen, key_path, fault_name, index = sys.argv[1:7]
    assert fault_name in FAULTS
    _serve_node(name, organisation, int(listen), key_path, fault_name, index == "True")
