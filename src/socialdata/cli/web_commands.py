"""`sdf serve`: the web pages on a local port, through uvicorn."""

from __future__ import annotations

import socket
from typing import Annotated

import typer
import uvicorn

from socialdata.api import create_app
from socialdata.cli.output import console, guarded
from socialdata.config import Settings, load_settings
from socialdata.errors import UserError
from socialdata.store import Database


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def _listen(host: str, port: int) -> socket.socket:
    """Bind before serving, so a busy port is one clear line rather than a server log."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        message = f"cannot listen there ({exc.strerror or exc}); choose another --port"
        raise UserError(message, where=f"{host}:{port}") from None
    return sock


def run_server(settings: Settings, host: str, port: int) -> None:
    """Serve until interrupted; refuses a store that `sdf init` (or `sdf demo`) has not set up yet."""
    probe = Database(settings)
    try:
        ready = probe.is_initialised()
    finally:
        probe.dispose()
    if not ready:
        raise UserError("the store has no schema yet; run `sdf init` (or `sdf demo`) first", where="SDF_DATABASE_URL")
    sock = _listen(host, port)
    shown = f"[{host}]" if ":" in host else host
    console.print(f"Serving the Social Data Foundation at [bold]http://{shown}:{port}[/] (Ctrl+C stops it).")
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


@guarded
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web pages and APIs: overview, login, care record, linkage review, privacy alerts, /fhir."""
    run_server(load_settings(), host, port)
