"""The `sdf` command: one sub-module per command group, each calling the services directly."""

from __future__ import annotations

import typer

from socialdata.cli import (
    audit_commands,
    catalogue_commands,
    demo_commands,
    governance_commands,
    ingest_commands,
    link_commands,
    node_commands,
    org_commands,
    project_commands,
    store_commands,
    synth_commands,
    token_commands,
    user_commands,
    web_commands,
)

app = typer.Typer(
    name="sdf",
    help="socialdata: the Social Data Foundation platform (synthetic city, feeds, linkage, shared care record).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
store_commands.register(app)
synth_commands.register(app)
org_commands.register(app)
ingest_commands.register(app)
link_commands.register(app)
user_commands.register(app)
token_commands.register(app)
audit_commands.register(app)
web_commands.register(app)
project_commands.register(app)
catalogue_commands.register(app)
node_commands.register(app)
governance_commands.register(app)
demo_commands.register(app)


@app.callback()
def root() -> None:
    """Settings come from the environment: SDF_HOME (default ./.sdf) and SDF_DATABASE_URL (PostgreSQL)."""


def main() -> None:
    app()
