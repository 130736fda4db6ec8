"""How a web or API route declares what it is, so a test can prove every person-level route passes through the gate.

Every route's endpoint carries one marking:

- `@person_route`: the route touches person-level data. At run time the wrapper fails the request (500, and
  `UngatedPersonRoute` in tests) if it returns without having asked the gate for at least one decision.
- `@not_person_level("why")`: public or aggregate; the reason is read by the enumeration test and by reviewers.

Put the marking directly above the function, under the router decorator:

    @router.get("/people/{person_id}")
    @person_route
    def record_page(...): ...

Routes written before these markings, and the framework's own, are classified in `NOT_PERSON_LEVEL_ROUTES` and
`FRAMEWORK_PATHS` below, each with its reason. `tests/test_gate_enumeration.py` walks `create_app().routes` and fails
on any route with no marking, and on any route whose path names a person (`{person_id}`, `/fhir/`, `/record`…) that
is classified as not person-level.
"""

from __future__ import annotations

import contextvars
import enum
import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_MARK = "__sdf_gate__"
_decisions: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("sdf_gate_decisions", default=None)


class RouteKind(enum.StrEnum):
    PERSON = "person"
    NOT_PERSON_LEVEL = "not_person_level"


@dataclass(frozen=True)
class RouteMarking:
    kind: RouteKind
    reason: str


class UngatedPersonRoute(RuntimeError):
    """A person-level route answered without asking the gate: a programming error, never served."""


def note_gate_decision(allowed: bool) -> None:
    """Called by the gate for every decision it makes (allowed or denied)."""
    decisions = _decisions.get()
    if decisions is not None:
        decisions.append(allowed)


def _checked(name: str, decisions: list[bool]) -> None:
    if not decisions:
        raise UngatedPersonRoute(f"person-level route {name} returned without an access gate decision")


def person_route(endpoint: F) -> F:
    """Mark a route as person-level: it must ask the gate (`AccessGate`) before it answers."""
    name = getattr(endpoint, "__qualname__", repr(endpoint))
    wrapper: Callable[..., Any]
    if inspect.iscoroutinefunction(endpoint):

        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            decisions: list[bool] = []
            token = _decisions.set(decisions)
            try:
                result = await endpoint(*args, **kwargs)
            finally:
                _decisions.reset(token)
            _checked(name, decisions)
            return result

        wrapper = async_wrapper
    else:

        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            decisions: list[bool] = []
            token = _decisions.set(decisions)
            try:
                result = endpoint(*args, **kwargs)
            finally:
                _decisions.reset(token)
            _checked(name, decisions)
            return result

        wrapper = sync_wrapper
    functools.update_wrapper(wrapper, endpoint)
    setattr(wrapper, _MARK, RouteMarking(RouteKind.PERSON, "reads or writes person-level data through the gate"))
    return wrapper  # type: ignore[return-value]


def not_person_level(reason: str) -> Callable[[F], F]:
    """Mark a route as touching no person-level data, saying why (e.g. "aggregate counts only")."""
    if not reason.strip():
        raise ValueError("a route marked not person-level must say why")

    def mark(endpoint: F) -> F:
        setattr(endpoint, _MARK, RouteMarking(RouteKind.NOT_PERSON_LEVEL, reason))
        return endpoint

    return mark


# Endpoints (module.qualname) that touch no person-level data, with why. New routes use the decorators instead.
NOT_PERSON_LEVEL_ROUTES: dict[str, str] = {
    "socialdata.api.health.healthz": "whether the app and its store are up",
    "socialdata.api.audit_routes.public_key": "the audit log's public signing key",
    "socialdata.api.audit_routes.signed_tree_head": "the audit log's size and root hash, signed",
    "socialdata.api.audit_routes.inclusion_proof": "hashes proving an event is in the log, never the event itself",
    "socialdata.api.audit_routes.consistency_proof": "hashes proving the log only grew",
    "socialdata.web.pages.home.home": "counts per partner and submission: aggregates, no person",
    "socialdata.web.pages.login.login_form": "the sign-in form",
    "socialdata.web.pages.login.login": "checks a password; answers only who the user is",
    "socialdata.web.pages.login.logout": "ends the session",
}

# Paths the framework serves, not our endpoints.
FRAMEWORK_PATHS: dict[str, str] = {
    "/openapi.json": "the API's description (no data)",
    "/static": "stylesheets and images",
}


def endpoint_name(endpoint: Callable[..., Any]) -> str:
    return f"{endpoint.__module__}.{endpoint.__qualname__}"


def marking_of(endpoint: Callable[..., Any]) -> RouteMarking | None:
    """The route's declared kind: its decorator, or its entry in the table above; None when it declares nothing."""
    marking = getattr(endpoint, _MARK, None)
    if isinstance(marking, RouteMarking):
        return marking
    reason = NOT_PERSON_LEVEL_ROUTES.get(endpoint_name(endpoint))
    return RouteMarking(RouteKind.NOT_PERSON_LEVEL, reason) if reason else None
