"""How the CLI speaks: Rich for people, JSON on stdout for scripts, and errors as one readable line."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from socialdata.errors import UserError

console = Console(stderr=True)
P = ParamSpec("P")
R = TypeVar("R")


def emit_json(payload: Any) -> None:
    """Machine-readable output goes to stdout alone, so `--json | jq` always works."""
    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a UserError into a red line and exit code 2, instead of a traceback."""
    try:
        yield
    except UserError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
        raise typer.Exit(2) from None


def guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of user_errors for command functions."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with user_errors():
            return func(*args, **kwargs)

    return wrapper
