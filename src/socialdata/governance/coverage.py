"""Whether an agreement allows a use today and covers what a project asks for: one rule, read by the approval of a
project (governance) and by every secondary-use decision of the access gate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from socialdata.store.models import AgreementStatus, DataSharingAgreement


def uncovered_fields(shared: Mapping[str, Sequence[str]], wanted: Mapping[str, Sequence[str]]) -> list[str]:
    """The "dataset.field" names wanted that the agreement does not share (empty when all are covered)."""
    pairs = [(dataset, name) for dataset, fields in wanted.items() for name in fields]
    return [f"{dataset}.{name}" for dataset, name in pairs if name not in shared.get(dataset, ())]


def agreement_refusal(agreement: DataSharingAgreement, today: dt.date) -> str | None:
    """Why the agreement does not allow use today (not active, not started, ended), or None when it does."""
    if agreement.status != AgreementStatus.ACTIVE:
        return f"agreement {agreement.id} is {agreement.status}, not active"
    if today < agreement.starts_on:
        return f"agreement {agreement.id} starts on {agreement.starts_on.isoformat()}"
    if today > agreement.ends_on:
        return f"agreement {agreement.id} ended on {agreement.ends_on.isoformat()}"
    return None
