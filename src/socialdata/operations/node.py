"""A partner's node: a small HTTP service over that partner's own operational data that answers only the questions in
`questions`, each answer signed with the node's key. It never sends a row about a person: counts leave suppressed."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Response

from socialdata.operations import counts, picture
from socialdata.operations.questions import Ask, Breakdown, Measure, Picture, Question
from socialdata.operations.signing import public_key_text, sign
from socialdata.store import Database

KEEP_ALIVE_SECONDS = 75
"""How long a node keeps the hub's idle connection open: longer than the hub's refresh interval, so each refresh reuses
its connections instead of finding them closed (uvicorn's default is 5 s)."""
CACHE_SECONDS = 15.0
"""How long a node reuses what it computed: its feeds change daily, and the hub may ask every few seconds."""


@dataclass(frozen=True)
class NodeConfig:
    node_id: str
    organisation_id: str
    key: Ed25519PrivateKey
    person_index: bool = False  # the Foundation's node holds the master person index, so it answers linked counts
    min_cell_count: int = 10
    clock: Callable[[], float] = time.time


@dataclass
class _Cache:
    """Answer bodies by question, each with when it was computed (node clock)."""

    bodies: dict[tuple[Question, Measure | None, Breakdown], tuple[float, dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _body(db: Database, config: NodeConfig, ask: Ask) -> dict[str, Any]:
    now = dt.datetime.fromtimestamp(config.clock(), dt.UTC)
    org = config.organisation_id
    with db.session() as session:
        if ask.question is Question.COUNT and ask.measure is not None:  # Ask makes sure every count names one
            answer = counts.count(
                session, ask.measure, ask.by, org, now, index=config.person_index, min_cell_count=config.min_cell_count
            )
            return answer.model_dump(mode="json")
        discharges = [
            counts.count(
                session, m, Breakdown.NONE, org, now, index=config.person_index, min_cell_count=config.min_cell_count
            )
            for m in Measure
            if counts.holds(session, m, org, index=config.person_index)
        ]
        snapshot = Picture(
            beds=picture.beds(session, org),
            care_homes=picture.care_homes(session, org),
            supplies=picture.supplies(session, org),
            discharges=discharges,
        )
    return snapshot.model_dump(mode="json")


def answer(db: Database, config: NodeConfig, ask: Ask, cache: _Cache | None = None) -> dict[str, Any]:
    """The signed envelope for one question: the body (from the cache while fresh), the request id echoed back."""
    key = (ask.question, ask.measure, ask.by)
    now = config.clock()
    body: dict[str, Any] | None = None
    if cache is not None:
        with cache.lock:
            cached = cache.bodies.get(key)
        if cached is not None and 0 <= now - cached[0] < CACHE_SECONDS:
            body = cached[1]
    if body is None:
        body = _body(db, config, ask)
        if cache is not None:
            with cache.lock:
                cache.bodies[key] = (now, body)
    envelope: dict[str, Any] = {
        "node_id": config.node_id,
        "organisation_id": config.organisation_id,
        "question": ask.question.value,
        "request_id": ask.request_id,
        "answered_at": config.clock(),
        "body": body,
    }
    envelope["signature"] = sign(config.key, envelope)
    return envelope


def node_app(db: Database, config: NodeConfig) -> FastAPI:
    """The node's HTTP face: POST /ask with an `Ask`, GET /key for the public key to register with the hub."""
    app = FastAPI(title=f"socialdata node {config.node_id}", docs_url=None, redoc_url=None, openapi_url=None)
    cache = _Cache()

    @app.post("/ask")
    def ask(question: Ask) -> Response:
        # Encoded here with orjson: FastAPI's generic encoder would cost more than computing the answer.
        return Response(orjson.dumps(answer(db, config, question, cache)), media_type="application/json")

    @app.get("/key")
    def key() -> dict[str, str]:
        return {"node_id": config.node_id, "public_key": public_key_text(config.key)}

    return app
