"""What the gate needs to know about one item of a record to decide if it may be shown, and the filtered result.

The record's own tables (notes, care-plan entries) describe their rows with `ItemFacts` too, so one policy applies to
feed events and write-backs alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from socialdata.access.sensitivity import Sensitivity, categorise
from socialdata.consent import ItemRef

T = TypeVar("T")

SOURCE_EVENT = "source_event"


@dataclass(frozen=True)
class ItemFacts:
    """An item as the policy sees it: where it came from (for objections), its codings and its sealed flag."""

    ref: ItemRef
    organisation_id: str
    codes: tuple[tuple[str | None, str | None], ...] = ()
    sealed: bool = False

    def category(self, sealed_refs: frozenset[ItemRef]) -> Sensitivity:
        return categorise(self.codes, sealed=self.sealed or self.ref in sealed_refs)


@dataclass(frozen=True)
class Filtered(Generic[T]):
    """The items the actor may see, in the order given, and how many were withheld (never which, never why)."""

    visible: list[T]
    withheld: int = 0


def _extra_codings(detail: dict[str, Any]) -> tuple[tuple[str | None, str | None], ...]:
    codings = detail.get("codings")
    if not isinstance(codings, list):
        return ()
    return tuple(
        (str(c.get("system")), str(c.get("code")))
        for c in codings
        if isinstance(c, dict) and c.get("system") and c.get("code")
    )


class CodedEvent(Protocol):
    """A feed event as the policy reads it: a `SourceEvent`, or a plain row of the same columns."""

    @property
    def id(self) -> int: ...
    @property
    def organisation_id(self) -> str: ...
    @property
    def code_system(self) -> str | None: ...
    @property
    def code(self) -> str | None: ...
    @property
    def detail(self) -> dict[str, Any] | None: ...


def event_facts(event: CodedEvent) -> ItemFacts:
    """A feed event's facts: its main coding, any further codings in `detail["codings"]`, and a source's own
    restriction flag (`detail["sealed"] is True`)."""
    detail = event.detail or {}
    return ItemFacts(
        ref=ItemRef(SOURCE_EVENT, event.id),
        organisation_id=event.organisation_id,
        codes=((event.code_system, event.code), *_extra_codings(detail)),
        sealed=detail.get("sealed") is True,
    )
