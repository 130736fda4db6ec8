"""Who is calling the FHIR API: the user of a valid, unexpired bearer token (`sdf token issue`), or a 401."""

from __future__ import annotations

from fastapi import Request, status
from fastapi.security import HTTPAuthorizationCredentials

from socialdata.access import Actor
from socialdata.api.fhir.outcome import FhirError
from socialdata.record import actor_for_token
from socialdata.store import Database
from socialdata.store.types import utcnow

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="socialdata FHIR"'}


def store_of(request: Request) -> Database:
    db = request.app.state.db
    assert isinstance(db, Database)
    return db


def bearer_actor(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Actor:
    """The token's user; a missing, unknown, expired or revoked token is a 401 that does not say which."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise FhirError(
            status.HTTP_401_UNAUTHORIZED, "login", "send a bearer token (Authorization: Bearer …)", headers=CHALLENGE
        )
    actor = actor_for_token(store_of(request), credentials.credentials, now=utcnow())
    if actor is None:
        raise FhirError(
            status.HTTP_401_UNAUTHORIZED, "login", "the bearer token is not valid or has expired", headers=CHALLENGE
        )
    return actor
