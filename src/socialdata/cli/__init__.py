"""The `sdf` command: one sub-module per command group, each calling the services directly."""

from __future__ import annotations

import typer

from socialdata.cli import store_commands

app = typer.Typer(
    name="sdf",
    help="socialdata: the Social Data Foundation platform (synthetic city, feeds, linkage, shared care record).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
store_commands.register(app)


@app.callback()
def root() -> None:
    """Settings come from the environment: SDF_HOME (default ./.sdf) and SDF_DATABASE_URL (PostgreSQL)."""


def main() -> None:
    app()
