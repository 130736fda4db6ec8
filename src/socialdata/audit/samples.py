"""Synthetic audit events (made-up users and person ids) for the demo, the tests and the benchmark."""

from __future__ import annotations

import datetime as dt
import random

from socialdata.audit.events import Action, AuditEvent, Outcome, PurposeOfUse

_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_START = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)


def sample_events(count: int, seed: int = 0) -> list[AuditEvent]:
    """Mostly direct-care reads by a few dozen professionals, with some writes, denials and break-glass access."""
    rng = random.Random(seed)
    events = []
    for i in range(count):
        user = rng.randrange(1, 40)
        person = "P" + "".join(rng.choice(_BASE32) for _ in range(12))
        glass = rng.random() < 0.02
        denied = not glass and rng.random() < 0.05
        action = rng.choice([Action.READ] * 8 + [Action.CREATE, Action.UPDATE])
        events.append(
            AuditEvent(
                user_id=user,
                username=f"clinician{user:02d}",
                role="R8000",
                organisation_id=rng.choice(["RXX", "A81001", "C001"]),
                patient_id=person,
                action=action,
                purpose=PurposeOfUse.ETREAT if glass else PurposeOfUse.TREAT,
                outcome=Outcome.MINOR_FAILURE if denied else Outcome.SUCCESS,
                entity_type="Person" if action is Action.READ else "CareNote",
                entity_id=person if action is Action.READ else str(rng.randrange(10**6)),
                break_glass=glass,
                detail={"route": "/record", "reason": "unconscious in ED"} if glass else {"route": "/record"},
                recorded_at=_START + dt.timedelta(seconds=i, microseconds=rng.randrange(10**6)),
            )
        )
    return events
