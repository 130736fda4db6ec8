"""The access gate: the single policy decision point for person-level data (DESIGN.md, "One gate for person-level
data").

Every read or write about a person goes through `AccessGate`; it decides from the actor's role, their legitimate
relationship to the person (from the feeds, claimed, or break glass), the purpose, the person's objections and sealed
items, and each item's sensitivity — and audits every decision in the same transaction as the read or write.

    gate = AccessGate(db)
    actor = Actor.of(signed_in_user)
    with gate.open_person(actor, person_id, Purpose.DIRECT_CARE) as record:   # AccessDenied if not allowed
        events = record.events()            # Filtered: .visible, .withheld ("2 items withheld")
        basis = record.basis                # RelationshipBasis to show on the page
        auth = record.authorise_write(WriteKind.NOTE)   # then insert through record.session, auth.written(id)
        page = ...                          # build the answer inside the block, serve it after it
    # the record's own rows: record.filter(rows, describe=lambda row: ItemFacts(...)); one row by id: check_item

Also: `gate.search` (demographics only), `gate.claim_relationship` and `gate.break_glass` (time-limited, alerted),
`gate.list_alerts` / `gate.review_alert` (the privacy officer's queue), `gate.oversee` (a privacy officer's audited
read of other governance records). Routes declare themselves with `person_route` / `not_person_level(reason)`
(see `route_guard`); the policy tables are in `sensitivity` and `relationships`.
"""

from socialdata.access.alerts import AlertView
from socialdata.access.citizens import link_citizen
from socialdata.access.decisions import (
    CARE_ROLES,
    AccessDenied,
    Actor,
    Decision,
    Purpose,
    RelationshipBasis,
    RelationshipKind,
    WriteKind,
)
from socialdata.access.gate import (
    BREAK_GLASS_DEFAULT,
    CLAIM_DEFAULT,
    QUARANTINE_DENIED,
    QUARANTINE_ROLES,
    AccessGate,
)
from socialdata.access.items import SOURCE_EVENT, Filtered, ItemFacts, event_facts
from socialdata.access.person_access import PersonAccess, WriteAuthorisation
from socialdata.access.route_guard import UngatedPersonRoute, marking_of, not_person_level, person_route
from socialdata.access.search import PersonMatch, PersonQuery
from socialdata.access.secondary_use import ProjectAccess
from socialdata.access.sensitivity import Sensitivity, categorise, may_see
from socialdata.consent import ItemRef
from socialdata.store.models import AlertStatus, GrantKind

__all__ = [
    "BREAK_GLASS_DEFAULT",
    "CARE_ROLES",
    "CLAIM_DEFAULT",
    "QUARANTINE_DENIED",
    "QUARANTINE_ROLES",
    "SOURCE_EVENT",
    "AccessDenied",
    "AccessGate",
    "Actor",
    "AlertStatus",
    "AlertView",
    "Decision",
    "Filtered",
    "GrantKind",
    "ItemFacts",
    "ItemRef",
    "PersonAccess",
    "PersonMatch",
    "PersonQuery",
    "ProjectAccess",
    "Purpose",
    "RelationshipBasis",
    "RelationshipKind",
    "Sensitivity",
    "UngatedPersonRoute",
    "WriteAuthorisation",
    "WriteKind",
    "categorise",
    "event_facts",
    "link_citizen",
    "marking_of",
    "may_see",
    "not_person_level",
    "person_route",
]
