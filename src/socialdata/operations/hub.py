"""The hub: asks every registered node at once, trusts only answers that are well formed, signed by the node's
registered key, for this very request and from a clock close to its own; keeps each node's last good answer.

A node that is down, slow or wrong is flagged and left out of the view; nothing a node sends can crash it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx
import orjson
from pydantic import ValidationError

from socialdata.errors import UserError
from socialdata.operations.questions import Ask, Breakdown, CountAnswer, Envelope, Measure, Picture, Question
from socialdata.operations.signing import parse_public_key, signature_holds

TIMEOUT_SECONDS = 2.0
RETRIES = 1
RETRY_PAUSE_SECONDS = 0.05
SKEW_TOLERANCE_SECONDS = 60.0
MAX_ANSWER_BYTES = 4_000_000
_JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class NodeEntry:
    """A registered node as the hub knows it."""

    node_id: str
    organisation_id: str
    url: str
    public_key: str


class NodeFlag(enum.StrEnum):
    OK = "ok"
    DOWN = "down"  # could not connect, or the connection broke mid-answer
    TIMEOUT = "timeout"
    REFUSED = "refused"  # answered with an HTTP error
    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    CLOCK_SKEW = "clock_skew"

    @property
    def label(self) -> str:
        return _FLAG_LABELS[self]


_FLAG_LABELS = {
    NodeFlag.OK: "answering",
    NodeFlag.DOWN: "down",
    NodeFlag.TIMEOUT: "not answering in time",
    NodeFlag.REFUSED: "refusing",
    NodeFlag.MALFORMED: "sending malformed answers",
    NodeFlag.BAD_SIGNATURE: "badly signed answers",
    NodeFlag.CLOCK_SKEW: "clock out of step",
}


@dataclass(frozen=True)
class Reply:
    """One node's reply to one question: the checked body when it is good, else why not."""

    node: NodeEntry
    flag: NodeFlag
    message: str
    seconds: float
    received_at: dt.datetime
    body: Picture | CountAnswer | None = None


@dataclass(frozen=True)
class NodeStatus:
    """What the dashboard says of a node: its latest flag, and how old the answer it still shows is."""

    node_id: str
    organisation_id: str
    flag: NodeFlag
    message: str
    checked_at: dt.datetime
    last_good_at: dt.datetime | None
    seconds: float

    def age_seconds(self, now: dt.datetime) -> float | None:
        return (now - self.last_good_at).total_seconds() if self.last_good_at else None


class _Problem(Exception):
    def __init__(self, flag: NodeFlag, message: str) -> None:
        super().__init__(message)
        self.flag = flag
        self.message = message


def _checked(
    node: NodeEntry, ask: Ask, response: httpx.Response, now: float, tolerance: float
) -> Picture | CountAnswer:
    if response.status_code != 200:
        raise _Problem(NodeFlag.REFUSED, f"answered HTTP {response.status_code}")
    if len(response.content) > MAX_ANSWER_BYTES:
        raise _Problem(NodeFlag.MALFORMED, f"answer of {len(response.content):,} bytes is larger than any real one")
    try:
        raw = orjson.loads(response.content)
        envelope = Envelope.model_validate(raw)
    except orjson.JSONDecodeError:
        raise _Problem(NodeFlag.MALFORMED, "not JSON") from None
    except ValidationError as exc:
        raise _Problem(NodeFlag.MALFORMED, f"not a signed answer ({exc.error_count()} problems)") from None
    if (envelope.node_id, envelope.organisation_id) != (node.node_id, node.organisation_id):
        raise _Problem(NodeFlag.MALFORMED, f"answered as node {envelope.node_id} of {envelope.organisation_id}")
    if envelope.request_id != ask.request_id or envelope.question is not ask.question:
        raise _Problem(NodeFlag.MALFORMED, "answered another request (a replayed answer?)")
    signed = {name: value for name, value in raw.items() if name != "signature"}  # exactly as the node sent it
    if not signature_holds(parse_public_key(node.public_key, node.node_id), signed, envelope.signature):
        raise _Problem(NodeFlag.BAD_SIGNATURE, "the signature does not match the node's registered key")
    skew = envelope.answered_at - now
    if abs(skew) > tolerance:
        raise _Problem(NodeFlag.CLOCK_SKEW, f"its clock is {skew:+.0f} s from the hub's (tolerance {tolerance:.0f} s)")
    try:
        if ask.question is Question.PICTURE:
            return Picture.model_validate(envelope.body)
        answer = CountAnswer.model_validate(envelope.body)
    except ValidationError as exc:
        raise _Problem(
            NodeFlag.MALFORMED, f"signed, but not in the agreed shape ({exc.error_count()} problems)"
        ) from None
    if (answer.measure, answer.by) != (ask.measure, ask.by):
        raise _Problem(NodeFlag.MALFORMED, "answered another count than the one asked")
    return answer


class Hub:
    """Fans questions out to nodes and remembers, per node, its last good picture and its latest status."""

    def __init__(
        self,
        *,
        timeout: float = TIMEOUT_SECONDS,
        retries: int = RETRIES,
        skew_tolerance: float = SKEW_TOLERANCE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.timeout = timeout
        self.retries = retries
        self.skew_tolerance = skew_tolerance
        self.clock = clock
        self.pictures: dict[str, tuple[dt.datetime, Picture]] = {}
        self.statuses: dict[str, NodeStatus] = {}
        self._refreshed_at: float | None = None
        self._refreshing: asyncio.Lock | None = None
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock(), dt.UTC)

    async def _ask_one(self, client: httpx.AsyncClient, node: NodeEntry, ask: Ask) -> Reply:
        started = time.perf_counter()
        problem = _Problem(NodeFlag.DOWN, "not asked")
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(RETRY_PAUSE_SECONDS)
            try:
                response = await client.post(
                    node.url.rstrip("/") + "/ask", content=ask.model_dump_json(), headers=_JSON, timeout=self.timeout
                )
                body = _checked(node, ask, response, self.clock(), self.skew_tolerance)
                return Reply(node, NodeFlag.OK, "answered", time.perf_counter() - started, self._now(), body)
            except httpx.TimeoutException:
                problem = _Problem(NodeFlag.TIMEOUT, f"no answer within {self.timeout:g} s")
            except httpx.HTTPError as exc:
                problem = _Problem(NodeFlag.DOWN, f"unreachable ({type(exc).__name__})")
            except (_Problem, UserError) as exc:
                flag = exc.flag if isinstance(exc, _Problem) else NodeFlag.BAD_SIGNATURE
                return Reply(node, flag, exc.message, time.perf_counter() - started, self._now())
        return Reply(node, problem.flag, problem.message, time.perf_counter() - started, self._now())

    def _client_for(self, node: NodeEntry) -> httpx.AsyncClient:
        """One client, so one connection pool, per node, kept between refreshes of the same event loop: a pool shared
        by all nodes scans every connection for each request, which made the hub's cost grow with the square of the
        number of nodes."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._clients = {}  # they belonged to an event loop that has finished
            self._loop = loop
        client = self._clients.get(node.url)
        if client is None:
            client = self._clients[node.url] = httpx.AsyncClient()
        return client

    async def ask(
        self, nodes: Sequence[NodeEntry], ask: Callable[[], Ask], client: httpx.AsyncClient | None = None
    ) -> list[Reply]:
        """Every node at once, each with its own fresh request id; a reply for every node, whatever happened."""
        replies = await asyncio.gather(
            *(self._ask_one(client or self._client_for(node), node, ask()) for node in nodes)
        )
        for reply in replies:
            self._note(reply)
        return list(replies)

    def _note(self, reply: Reply) -> None:
        node = reply.node
        if isinstance(reply.body, Picture):
            self.pictures[node.node_id] = (reply.received_at, reply.body)
        good = self.pictures.get(node.node_id)
        self.statuses[node.node_id] = NodeStatus(
            node_id=node.node_id,
            organisation_id=node.organisation_id,
            flag=reply.flag,
            message=reply.message,
            checked_at=reply.received_at,
            last_good_at=good[0] if good else None,
            seconds=reply.seconds,
        )

    async def refresh(self, nodes: Sequence[NodeEntry], client: httpx.AsyncClient | None = None) -> list[Reply]:
        """Ask every node for its picture; the good ones replace that node's last good picture."""
        registered = {node.node_id for node in nodes}
        for gone in set(self.pictures) - registered:
            del self.pictures[gone]
        for gone in set(self.statuses) - registered:
            del self.statuses[gone]
        return await self.ask(nodes, lambda: Ask(question=Question.PICTURE, request_id=new_request_id()), client)

    async def refresh_at_most_every(self, seconds: float, nodes: Sequence[NodeEntry]) -> None:
        """Refresh unless another viewer did within `seconds`: many open dashboards share one fan-out."""
        if self._refreshing is None:
            self._refreshing = asyncio.Lock()
        async with self._refreshing:
            if self._refreshed_at is not None and 0 <= self.clock() - self._refreshed_at < seconds:
                return
            await self.refresh(nodes)
            self._refreshed_at = self.clock()

    async def count(
        self, nodes: Sequence[NodeEntry], measure: Measure, by: Breakdown, client: httpx.AsyncClient | None = None
    ) -> list[Reply]:
        def question() -> Ask:
            return Ask(question=Question.COUNT, request_id=new_request_id(), measure=measure, by=by)

        return await self.ask(nodes, question, client)


def new_request_id() -> str:
    return secrets.token_hex(16)
