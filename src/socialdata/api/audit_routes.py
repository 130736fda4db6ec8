"""/api/audit: the signed tree head, the public key, Merkle proofs and each event's leaf index, so anyone can check
the log independently.

Proofs carry only hashes, never person data, so these routes are public. Parameters are parsed here rather than by
FastAPI so that every bad value gets a 400 with a plain JSON error instead of a 422.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from socialdata.access import not_person_level
from socialdata.audit import (
    AuditIntegrityError,
    EventNotFound,
    EventNotSequenced,
    PublicKey,
    latest_tree_head,
    leaf_index_of,
    load_signing_key,
    prove_consistency,
    prove_inclusion,
    public_key_of,
)
from socialdata.errors import UserError
from socialdata.store import Database
from socialdata.web.app_state import database

router = APIRouter(prefix="/api/audit", tags=["audit"])
_MAX_INDEX = (1 << 63) - 1


class ApiError(BaseModel):
    error: str


class PublicKeyOut(BaseModel):
    algorithm: str
    public_key: str
    key_id: str


class TreeHeadOut(BaseModel):
    tree_size: int
    root_hash: str
    timestamp: str
    timestamp_ms: int
    signature: str
    key_id: str


class SthOut(BaseModel):
    tree_head: TreeHeadOut | None
    public_key: PublicKeyOut


class InclusionOut(BaseModel):
    leaf_index: int
    tree_size: int
    leaf_hash: str
    audit_path: list[str]
    root_hash: str


class ConsistencyOut(BaseModel):
    first: int
    second: int
    first_root: str
    second_root: str
    consistency_path: list[str]


class LeafOut(BaseModel):
    event_id: int
    leaf_index: int


ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ApiError}, 500: {"model": ApiError}}
LEAF_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    404: {"model": ApiError, "description": "No event has this id."},
    409: {"model": ApiError, "description": "The event is committed but not yet sequenced; ask again shortly."},
}
Db = Annotated[Database, Depends(database)]


def _error(code: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=code)


def _answer(build: Callable[[], BaseModel]) -> BaseModel | JSONResponse:
    """A user's mistake is a 400 saying what and where (404 for an unknown event, 409 for one not yet sequenced); a
    damaged log or key is a 500 that says so, without details."""
    try:
        return build()
    except EventNotFound as exc:
        return _error(status.HTTP_404_NOT_FOUND, str(exc))
    except EventNotSequenced as exc:
        return _error(status.HTTP_409_CONFLICT, str(exc))
    except AuditIntegrityError:
        return _error(status.HTTP_500_INTERNAL_SERVER_ERROR, "the audit log failed an integrity check")
    except UserError as exc:
        return _error(status.HTTP_400_BAD_REQUEST, str(exc))


def _optional_index(name: str, raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or int(text) > _MAX_INDEX:
        raise UserError(f"must be a whole number from 0 to {_MAX_INDEX}, not {raw[:40]!r}", where=name)
    return int(text)


def _index(name: str, raw: str | None) -> int:
    value = _optional_index(name, raw)
    if value is None:
        raise UserError("is required", where=name)
    return value


def _public_key(db: Database) -> PublicKey:
    try:
        return public_key_of(load_signing_key(db.settings.home))
    except UserError as exc:
        raise AuditIntegrityError("the signing key cannot be read") from exc


def _public_key_out(public: PublicKey) -> PublicKeyOut:
    return PublicKeyOut(algorithm="Ed25519", public_key=public.base64, key_id=public.key_id)


@router.get("/public-key", response_model=PublicKeyOut, responses=ERRORS)
def public_key(db: Db) -> BaseModel | JSONResponse:
    """The Ed25519 key that verifies every signed tree head (base64 raw key; key_id is its SHA-256)."""
    return _answer(lambda: _public_key_out(_public_key(db)))


@router.get("/sth", response_model=SthOut, responses=ERRORS)
def signed_tree_head(db: Db) -> BaseModel | JSONResponse:
    """The latest signed tree head (null before the first is issued) and the key to check it with."""

    def build() -> SthOut:
        with db.session() as session:
            head = latest_tree_head(session)
        out = TreeHeadOut(**head.to_json()) if head else None
        return SthOut(tree_head=out, public_key=_public_key_out(_public_key(db)))

    return _answer(build)


@router.get("/proof/inclusion", response_model=InclusionOut, responses=ERRORS)
def inclusion_proof(
    db: Db,
    leaf_index: Annotated[str | None, Query(description="The event's leaf index (0-based).")] = None,
    tree_size: Annotated[str | None, Query(description="Tree size; default the latest signed head's.")] = None,
) -> BaseModel | JSONResponse:
    """The audit path proving the event at leaf_index is in the tree of tree_size."""

    def build() -> InclusionOut:
        proof = prove_inclusion(db, _index("leaf_index", leaf_index), _optional_index("tree_size", tree_size))
        return InclusionOut(**proof.to_json())

    return _answer(build)


@router.get("/proof/consistency", response_model=ConsistencyOut, responses=ERRORS)
def consistency_proof(
    db: Db,
    first: Annotated[str | None, Query(description="The earlier tree size.")] = None,
    second: Annotated[str | None, Query(description="The later tree size; default the latest signed head's.")] = None,
) -> BaseModel | JSONResponse:
    """The proof that the tree of size first is a prefix of the tree of size second."""

    def build() -> ConsistencyOut:
        proof = prove_consistency(db, _index("first", first), _optional_index("second", second))
        return ConsistencyOut(**proof.to_json())

    return _answer(build)


@router.get("/events/{event_id}/leaf", response_model=LeafOut, responses=LEAF_ERRORS)
@not_person_level("an event's position in the log (two numbers), never the event itself")
def event_leaf(db: Db, event_id: str) -> BaseModel | JSONResponse:
    """The leaf index of an event (the id its writer got back), to ask for its inclusion proof; 409 until sequenced."""

    def build() -> LeafOut:
        wanted = _index("event_id", event_id)
        return LeafOut(event_id=wanted, leaf_index=leaf_index_of(db, wanted))

    return _answer(build)
