"""The record's summary from the items a professional may see: only what is current, with alerts and contacts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from socialdata.record.summary import Demographics, summarise
from socialdata.store.models import SourceEvent

NOW = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
ICD10 = "http://hl7.org/fhir/sid/icd-10"


def _event(n: int, org: str, kind: str, days_ago: int, **fields: Any) -> SourceEvent:
    return SourceEvent(
        id=n,
        organisation_id=org,
        submission_id=1,
        source_id=f"e{n}",
        person_source_id="p",
        kind=kind,
        display=fields.pop("display", f"{kind} {n}"),
        start_at=NOW - dt.timedelta(days=days_ago),
        detail=fields.pop("detail", {}),
        **fields,
    )


PERSON = Demographics("Ann Lee", "9990000018", dt.date(1950, 1, 1), "female", None, "BS1 1AA", dt.date(2026, 10, 30))


def test_only_current_items_reach_the_summary() -> None:
    yesterday = NOW - dt.timedelta(days=1)
    events = [
        _event(1, "Y90001", "registration", 3000, detail={"usual_gp": "Dr Patel"}),
        _event(2, "Y90001", "medication", 100, display="Amlodipine 5mg", status="active"),
        _event(3, "Y90001", "medication", 200, display="Amoxicillin", status="stopped"),
        _event(4, "Y90001", "medication", 50, display="Ramipril", end_at=yesterday),
        _event(5, "Y90001", "allergy", 900, display="Penicillin", status="active"),
        _event(6, "RZZ", "allergy", 800, display="Latex", status="resolved"),
        _event(7, "Y90001", "condition", 700, display="Asthma", status="active"),
        _event(8, "RZZ", "condition", 30, display="Fracture", status="resolved"),
        _event(9, "RZZ", "condition", 20, display="Adult abuse", code_system=ICD10, code="T74.1"),
        _event(
            10,
            "LA900",
            "asc_service",
            60,
            display="Home care",
            detail={
                "planned_units_per_week": 14,
                "service_component": "Personal care",
                "allocated_worker": "Ben Carter",
            },
        ),
        _event(11, "LA900", "asc_service", 400, display="Day centre", end_at=NOW - dt.timedelta(days=100)),
        _event(12, "RZZ", "encounter", 2, status="in-progress"),
    ]
    summary = summarise(PERSON, events, [], NOW)
    assert [m.title for m in summary.medications] == ["Amlodipine 5mg"]
    assert [a.title for a in summary.allergies] == ["Penicillin"]
    assert [p.title for p in summary.problems] == ["Asthma", "Adult abuse"]
    assert summary.care_package is not None and summary.care_package.title == "Home care"
    assert summary.care_package.detail == "Personal care, 14 units a week"
    assert summary.social_worker == "Ben Carter"
    assert summary.alerts == [
        "Died on 2026-10-30",
        "Safeguarding concern recorded",
        "In hospital now (since 2026-10-30)",
    ]
    assert [(c.role, c.name, c.organisation_id) for c in summary.contacts] == [
        ("Registered GP practice", "Dr Patel", "Y90001"),
        ("Allocated social worker", "Ben Carter", "LA900"),
        ("Hospital team (open episode)", "Ward team", "RZZ"),
    ]


def test_an_empty_record_has_an_empty_summary() -> None:
    alive = Demographics("Ann Lee", None, None, None, None, None, None)
    summary = summarise(alive, [], [], NOW)
    assert (summary.medications, summary.allergies, summary.problems, summary.alerts, summary.contacts) == (
        [],
        [],
        [],
        [],
        [],
    )
    assert summary.care_package is None and summary.social_worker is None
