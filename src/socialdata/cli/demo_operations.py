"""The demo's federated operational picture: a node process for each partner that holds operational data (the trust,
the council) and one for the Foundation (it holds the person index), each registered with the hub; all stop with
the demo.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import time

import httpx

from socialdata.cli.node_commands import key_path
from socialdata.cli.output import console
from socialdata.config import Settings
from socialdata.errors import UserError
from socialdata.operations.care_home_register import CareHome, load_register
from socialdata.operations.registry import register_node
from socialdata.operations.signing import node_key, public_key_text
from socialdata.store import Database
from socialdata.synth import CityManifest
from socialdata.synth.organisations import CARE_HOMES, COUNCIL, FOUNDATION, HOSPITAL

READY_SECONDS = 120.0
_SDF = [sys.executable, "-c", "from socialdata.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop_nodes(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise UserError(f"the node stopped as it started (exit code {process.returncode})", where=url)
        try:
            httpx.get(url + "/key", timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise UserError(f"the node did not start within {READY_SECONDS:.0f} s", where=url)


def start_demo_nodes(
    db: Database, settings: Settings, manifest: CityManifest, *, serve: bool
) -> list[subprocess.Popen[bytes]]:
    """Load the council's care-home register from the city, then (when serving) start and register the nodes; they
    are stopped when this process exits (and stop themselves should it be killed)."""
    codes = {org.code for org in manifest.organisations}
    if COUNCIL in codes:
        homes = [CareHome(h.code, h.name, "nursing" if h.nursing else "residential", h.postcode) for h in CARE_HOMES]
        load_register(db, COUNCIL, homes)
    if not serve:
        return []
    processes: list[subprocess.Popen[bytes]] = []
    atexit.register(stop_nodes, processes)
    for org in (HOSPITAL, COUNCIL, FOUNDATION):
        if org not in codes:
            continue
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        key = node_key(key_path(settings, org))
        command = [*_SDF, "node", "serve", "--org", org, "--port", str(port), "--stop-with-parent", str(os.getpid())]
        if org == FOUNDATION:
            command.append("--person-index")
        env = {**os.environ, "SDF_HOME": str(settings.home), "SDF_DATABASE_URL": settings.database_url}
        log = (settings.home / "nodes" / f"{org}.log").open("ab")  # the node's own messages, off the demo's screen
        with log:
            processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=log))  # noqa: S603 (our own sdf)
        _wait_ready(url, processes[-1])
        register_node(db, org, org, url, public_key_text(key))
    console.print(
        f"[green]Started[/] {len(processes)} partner nodes (logs in {settings.home / 'nodes'}); the operational"
        " picture is at /operations."
    )
    return processes
