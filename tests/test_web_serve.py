"""`sdf serve` refuses clearly, in one line, what it cannot do: a store without a schema, a port already taken."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from socialdata.config import Settings


def _serve(env: dict[str, str], port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [".venv/bin/sdf", "serve", "--port", str(port)], env=env, capture_output=True, text=True, timeout=120
    )


def test_serve_refuses_a_port_in_use(settings: Settings, cli_env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = _serve(cli_env, taken.getsockname()[1])
    assert result.returncode == 2
    assert "cannot listen there" in result.stderr and "choose another --port" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_store_without_schema(tmp_path: Path) -> None:
    env = {**os.environ, "SDF_HOME": str(tmp_path), "COLUMNS": "200"}
    env.pop("SDF_DATABASE_URL", None)
    result = _serve(env, 8000)
    assert result.returncode == 2
    assert "the store has no schema yet; run `sdf init`" in result.stderr
