"""`sdf node`: run a partner's node, manage its key, register nodes with the hub, and ask them a federated count."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.markup import escape
from rich.table import Table

from socialdata.cli.ingest_commands import open_store
from socialdata.cli.output import console, emit_json, guarded
from socialdata.cli.web_commands import _listen
from socialdata.config import Settings, load_settings
from socialdata.errors import UserError
from socialdata.operations import Breakdown, Hub, Measure, NodeConfig, combine, node_app
from socialdata.operations.care_home_register import load_register, read_register
from socialdata.operations.node import KEEP_ALIVE_SECONDS
from socialdata.operations.registry import register_node, registered_nodes, remove_node
from socialdata.operations.signing import node_key, public_key_text
from socialdata.store import Database

node_commands = typer.Typer(help="Partner nodes of the federated operational picture.", no_args_is_help=True)
PARENT_POLL_SECONDS = 1.0


def register(app: typer.Typer) -> None:
    app.add_typer(node_commands, name="node")


def key_path(settings: Settings, node_id: str) -> Path:
    """Where a node keeps its private key unless told otherwise: SDF_HOME/nodes/<node id>.key (owner-only)."""
    return settings.home / "nodes" / f"{node_id}.key"


def _stop_with(server: uvicorn.Server, parent: int) -> None:
    """Stop serving once the process that started this node is gone (the demo), so no node outlives it."""

    def watch() -> None:
        while not server.should_exit:
            if os.getppid() != parent:
                server.should_exit = True
                return
            threading.Event().wait(PARENT_POLL_SECONDS)

    threading.Thread(target=watch, daemon=True).start()


@node_commands.command("serve")
@guarded
def serve(
    org: Annotated[str, typer.Option("--org", help="The partner whose operational data this node answers for.")],
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")],
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    node_id: Annotated[str | None, typer.Option("--node-id", help="The node's id (default: the org code).")] = None,
    key_file: Annotated[Path | None, typer.Option("--key-file", help="Its private key (made if missing).")] = None,
    person_index: Annotated[
        bool, typer.Option("--person-index", help="This node holds the master person index (linked counts).")
    ] = False,
    min_cell_count: Annotated[
        int, typer.Option("--min-cell-count", min=1, help="Counts below this never leave the node.")
    ] = 10,
    parent_pid: Annotated[int | None, typer.Option("--stop-with-parent", hidden=True)] = None,
) -> None:
    """Serve one partner's node: aggregate questions only, every answer signed with the node's key."""
    settings = load_settings()
    node = node_id or org
    key = node_key(key_file or key_path(settings, node))
    db = Database(settings)
    try:
        if not db.is_initialised():
            raise UserError("the store has no schema yet; run `sdf init` first", where="store")
        config = NodeConfig(node, org, key, person_index=person_index, min_cell_count=min_cell_count)
        sock = _listen(host, port)
        console.print(
            f"Node [bold]{escape(node)}[/] for {escape(org)} at http://{host}:{port} (public key"
            f" {public_key_text(key)}); Ctrl+C stops it.",
            highlight=False,
        )
        server = uvicorn.Server(
            uvicorn.Config(node_app(db, config), log_level="warning", timeout_keep_alive=KEEP_ALIVE_SECONDS)
        )
        if parent_pid is not None:
            _stop_with(server, parent_pid)
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()
    finally:
        db.dispose()


@node_commands.command("key")
@guarded
def key(
    node_id: Annotated[str, typer.Argument(help="The node's id (the org code unless --node-id was given).")],
    key_file: Annotated[Path | None, typer.Option("--key-file", help="Its private key (made if missing).")] = None,
) -> None:
    """Print the node's public key (making its key pair on first use) for `sdf node register` at the hub."""
    print(public_key_text(node_key(key_file or key_path(load_settings(), node_id))))


@node_commands.command("register")
@guarded
def register_(
    node_id: Annotated[str, typer.Argument(help="The node's id.")],
    org: Annotated[str, typer.Option("--org", help="The partner the node belongs to.")],
    url: Annotated[str, typer.Option("--url", help="Where the hub reaches it, e.g. https://node.trust.example.")],
    public_key: Annotated[str, typer.Option("--public-key", help="Its public key, as `sdf node key` prints it.")],
) -> None:
    """Register a node with the hub (again: a new address or a rotated key)."""
    with open_store() as db:
        entry = register_node(db, node_id, org, url, public_key)
    console.print(f"[green]Registered[/] node {escape(entry.node_id)} of {escape(entry.organisation_id)} at {url}")


@node_commands.command("remove")
@guarded
def remove(node_id: Annotated[str, typer.Argument(help="The node's id.")]) -> None:
    """Stop asking a node: the hub forgets it and its answers."""
    with open_store() as db:
        remove_node(db, node_id)
    console.print(f"Removed node {escape(node_id)}.")


@node_commands.command("list")
@guarded
def list_(json_out: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False) -> None:
    """The nodes the hub asks."""
    with open_store() as db:
        nodes = registered_nodes(db)
    if json_out:
        emit_json([node.__dict__ for node in nodes])
        return
    table = Table("node", "organisation", "url", "public key")
    for node in nodes:
        table.add_row(escape(node.node_id), node.organisation_id, escape(node.url), node.public_key)
    console.print(table)


@node_commands.command("care-homes")
@guarded
def care_homes(
    path: Annotated[Path, typer.Argument(help="CSV: Care_Home_Code, Care_Home_Name, Care_Type, Postcode.")],
    org: Annotated[str, typer.Option("--org", help="The council whose capacity tracker this is.")],
) -> None:
    """Load a council's care-home register (type and area of each home) so vacancies show by both."""
    homes = read_register(path)
    with open_store() as db:
        loaded = load_register(db, org, homes)
    console.print(f"[green]Loaded[/] {loaded} care homes for {escape(org)}.")


@node_commands.command("count")
@guarded
def count(
    measure: Annotated[Measure, typer.Option("--measure", help="What to count.")] = Measure.DELAYED_DISCHARGES,
    by: Annotated[Breakdown, typer.Option("--by", help="Breakdown.")] = Breakdown.NONE,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Ask every registered node for a person-derived count; small counts are suppressed at each node."""
    with open_store() as db:
        nodes = registered_nodes(db)
    if not nodes:
        raise UserError("no nodes are registered; add one with `sdf node register`", where="hub")
    result = combine(measure, by, asyncio.run(Hub().count(nodes, measure, by)))
    if json_out:
        payload = {
            "measure": measure.value,
            "by": by.value,
            "cells": [
                {"group": c.group, "known": c.known, "suppressed_at": list(c.suppressed_at)} for c in result.cells
            ],
            "answered": list(result.answered),
            "excluded": [{"node": n, "flag": f.value, "why": why} for n, f, why in result.excluded],
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    table = Table(by.value, measure.label)
    for cell in result.cells:
        table.add_row(cell.group, cell.text)
    console.print(table)
    console.print(f"Answered: {', '.join(result.answered) or 'no node holding these records'}.")
    for node_id, flag, why in result.excluded:
        console.print(f"[yellow]Left out[/] {escape(node_id)}: {flag.label} ({escape(why)})", highlight=False)
