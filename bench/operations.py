"""Operations benchmark: the hub's dashboard refresh fanned out to 10 and 50 simulated nodes on loopback, beside the
limit, the slowest single node's own answer time in the same round.

    .venv/bin/python bench/operations.py                      # 10 and 50 nodes, 40 refreshes each
    .venv/bin/python bench/operations.py --nodes 10 50 100 --rounds 100 --latency-ms 20

Each simulated node is the real node app (signing each answer) over a small synthetic city's operational data, hosted
by a few worker processes (several uvicorn servers each) so 50 nodes fit on a 2-core machine; --latency-ms adds a
fixed wait per answer for the network and database of a partner's site. A round is one hub refresh (every node at
once, signatures and answers checked); after it each node is asked alone, one after another, and the slowest of those
is the round's limit: a refresh can be no faster than its slowest node. Reported: p50/p99 of both, the hub's overhead
(refresh minus limit) and that overhead per node, and the hub process's own CPU time per refresh (less sensitive to
other load on the machine than wall time). Results go to bench/results/operations.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from socialdata.config import load_settings
from socialdata.operations import Hub, NodeEntry, NodeFlag
from socialdata.operations.hub import new_request_id
from socialdata.operations.node import KEEP_ALIVE_SECONDS as KEEP_ALIVE
from socialdata.operations.questions import Ask, Question
from socialdata.operations.signing import public_key_text
from socialdata.store import Database

RESULTS = Path(__file__).parent / "results" / "operations.json"
ORGS = ("RZZ", "LA900")


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [int(s.getsockname()[1]) for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _city(home: Path, people: int) -> None:
    from socialdata.feeds import ingest_path
    from socialdata.governance.organisations import register_organisation
    from socialdata.synth import write_city

    db = Database(load_settings({"SDF_HOME": str(home)}))
    db.upgrade()
    manifest = write_city(home / "city", people=people, seed=5)
    for org in manifest.organisations:
        register_organisation(db, org.code, org.name, org.kind)
        if org.code in ORGS:
            for name in org.files:
                ingest_path(db, home / "city" / name, org.code)
    db.dispose()


def _serve(specs: list[str], latency_ms: float) -> None:
    """Worker mode: serve node_id:org:port:key for each spec, all in this process's one event loop."""
    import uvicorn

    from socialdata.operations import NodeConfig, node_app

    db = Database(load_settings())

    def slowed(app: Any) -> Any:
        async def asgi(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and latency_ms:
                await asyncio.sleep(latency_ms / 1000)
            await app(scope, receive, send)

        return asgi

    servers = []
    for spec in specs:
        node_id, org, port, key_hex = spec.split(":")
        key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key_hex))
        app = slowed(node_app(db, NodeConfig(node_id, org, key)))
        servers.append(
            uvicorn.Server(
                uvicorn.Config(
                    app, host="127.0.0.1", port=int(port), log_level="warning", timeout_keep_alive=KEEP_ALIVE
                )
            )
        )

    async def run_all() -> None:
        await asyncio.gather(*(server.serve() for server in servers))

    asyncio.run(run_all())


def _start_nodes(home: Path, count: int, workers: int, latency_ms: float) -> tuple[list[NodeEntry], list[Any]]:
    entries, specs = [], []
    for i, port in enumerate(_free_ports(count)):
        key = Ed25519PrivateKey.generate()
        raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex()
        org = ORGS[i % len(ORGS)]
        node_id = f"SIM{i:03d}"
        specs.append(f"{node_id}:{org}:{port}:{raw}")
        entries.append(NodeEntry(node_id, org, f"http://127.0.0.1:{port}", public_key_text(key)))
    env = {**os.environ, "SDF_HOME": str(home), "SDF_DATABASE_URL": ""}
    processes = [
        subprocess.Popen([sys.executable, __file__, "--serve", str(latency_ms), *specs[w::workers]], env=env)
        for w in range(workers)
    ]
    for entry in entries:
        host, port = entry.url.removeprefix("http://").split(":")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection((host, int(port)), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
    return entries, processes


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _rounds(entries: list[NodeEntry], rounds: int) -> dict[str, Any]:
    hub = Hub(timeout=10)
    refresh, slowest, cpu = [], [], []
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=None, max_keepalive_connections=None)) as client:
        await hub.refresh(entries)  # warm: connections open, each node's answer computed once
        for _ in range(rounds):
            started, cpu_started = time.perf_counter(), time.process_time()
            replies = await hub.refresh(entries)  # the hub's own client per node
            refresh.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            bad = [r for r in replies if r.flag is not NodeFlag.OK]
            assert not bad, f"{len(bad)} nodes failed: {bad[0].message}"
            alone = []
            for entry in entries:
                ask = Ask(question=Question.PICTURE, request_id=new_request_id())
                t0 = time.perf_counter()
                response = await client.post(
                    entry.url + "/ask", content=ask.model_dump_json(), headers={"Content-Type": "application/json"}
                )
                response.json()
                alone.append(time.perf_counter() - t0)
            slowest.append(max(alone))
    ms = 1000.0
    p50, p99 = _percentile(refresh, 0.5) * ms, _percentile(refresh, 0.99) * ms
    l50, l99 = _percentile(slowest, 0.5) * ms, _percentile(slowest, 0.99) * ms
    return {
        "nodes": len(entries),
        "rounds": rounds,
        "refresh_p50_ms": round(p50, 2),
        "refresh_p99_ms": round(p99, 2),
        "slowest_node_p50_ms": round(l50, 2),
        "slowest_node_p99_ms": round(l99, 2),
        "overhead_p50_ms": round(p50 - l50, 2),
        "overhead_p99_ms": round(p99 - l99, 2),
        "overhead_per_node_p50_ms": round((p50 - l50) / len(entries), 3),
        "goal_met_p99": p99 <= l99 + 50,
        "hub_cpu_p50_ms": round(_percentile(cpu, 0.5) * ms, 2),
        "hub_cpu_per_node_p50_ms": round(_percentile(cpu, 0.5) * ms / len(entries), 3),
        "refresh_mean_ms": round(statistics.fmean(refresh) * ms, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--workers", type=int, default=4, help="processes hosting the simulated nodes")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="a partner site's own wait per answer")
    parser.add_argument("--people", type=int, default=200)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        _city(home, args.people)
        for count in args.nodes:
            entries, processes = _start_nodes(home, count, min(args.workers, count), args.latency_ms)
            try:
                result = asyncio.run(_rounds(entries, args.rounds))
            finally:
                for process in processes:
                    process.terminate()
                    process.wait(timeout=10)
            results.append(result)
            print(
                f"{count:>4} nodes: refresh p50 {result['refresh_p50_ms']:.1f} ms p99 {result['refresh_p99_ms']:.1f} ms"
                f" | slowest node p50 {result['slowest_node_p50_ms']:.1f} ms p99 {result['slowest_node_p99_ms']:.1f} ms"
                f" | overhead p99 {result['overhead_p99_ms']:.1f} ms ({result['overhead_per_node_p50_ms']:.2f} ms/node"
                f" at p50) | hub CPU p50 {result['hub_cpu_p50_ms']:.1f} ms"
                f" ({result['hub_cpu_per_node_p50_ms']:.2f} ms/node)"
                f" | goal p99 <= slowest + 50 ms: {'met' if result['goal_met_p99'] else 'NOT met'}",
                flush=True,
            )
    payload = {
        "benchmark": "operations hub fan-out",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared, noisy)",
        "python": platform.python_version(),
        "latency_ms": args.latency_ms,
        "workers": args.workers,
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--serve":
        _serve(sys.argv[3:], float(sys.argv[2]))
    else:
        main()
