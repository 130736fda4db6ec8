"""The terms of a data sharing agreement, checked before anything is stored: purpose, legal basis (UK GDPR article 6
and article 9 conditions, the common-law duty of confidentiality), datasets and fields (from the dataset registry),
conditions, duration, and for industry the value terms of the NHS value sharing framework.

Every check raises a UserError naming the term and what is wrong, so the form or the ODRL import says what to fix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from socialdata.errors import UserError
from socialdata.governance.datasets import DATASETS, check_fields, dataset_named

PURPOSES: dict[str, str] = {
    "direct_care": "Direct care",
    "research": "Research",
    "planning": "Planning and commissioning",
    "commercial": "Commercial (industry partnership)",
}

ARTICLE6: dict[str, str] = {
    "6(1)(a)": "consent",
    "6(1)(c)": "legal obligation",
    "6(1)(e)": "public task",
    "6(1)(f)": "legitimate interests",
}

ARTICLE9: dict[str, str] = {
    "9(2)(a)": "explicit consent",
    "9(2)(h)": "health or social care",
    "9(2)(i)": "public health",
    "9(2)(j)": "archiving, research and statistics",
}

CONFIDENTIALITY_BASES: dict[str, str] = {
    "implied_consent": "implied consent (direct care)",
    "explicit_consent": "explicit consent",
    "section_251": "section 251 support (Health Service (Control of Patient Information) Regulations 2002)",
    "legal_requirement": "a legal requirement or statutory gateway",
    "overriding_public_interest": "overriding public interest",
    "not_confidential": "data not confidential (anonymised)",
}

CONDITIONS: dict[str, str] = {
    "national_opt_out_applied": "the national data opt-out is applied",
    "pseudonymised": "data are pseudonymised before use",
    "no_onward_sharing": "no onward sharing with anyone outside the agreement",
    "outputs_checked": "only disclosure-checked outputs leave the secure data environment",
}
NO_LINKAGE_PREFIX = "no_linkage_with:"

FOREGROUND_IP_OWNERS: dict[str, str] = {
    "foundation": "the Foundation",
    "partners": "the data-providing partners",
    "industry_partner": "the industry partner",
    "shared": "shared between the Foundation and the industry partner",
}

TITLE_LONGEST = 200


@dataclass(frozen=True)
class Milestone:
    name: str
    amount_gbp: int


@dataclass(frozen=True)
class ValueTerms:
    """What an industry partner gives back (NHS value sharing framework): whole pounds, royalties in basis points."""

    cost_recovery_gbp: int = 0
    access_fee_gbp: int = 0
    royalty_basis_points: int = 0
    milestones: tuple[Milestone, ...] = ()
    foreground_ip: str = "foundation"

    def as_json(self) -> dict[str, Any]:
        return {
            "cost_recovery_gbp": self.cost_recovery_gbp,
            "access_fee_gbp": self.access_fee_gbp,
            "royalty_basis_points": self.royalty_basis_points,
            "milestones": [{"name": m.name, "amount_gbp": m.amount_gbp} for m in self.milestones],
            "foreground_ip": self.foreground_ip,
        }


@dataclass(frozen=True)
class AgreementTerms:
    """Everything an agreement says, checked (build it with `checked_terms`)."""

    title: str
    purpose: str
    parties: tuple[str, ...]
    datasets: dict[str, tuple[str, ...]]
    conditions: tuple[str, ...]
    legal_basis_article6: str
    legal_basis_article9: str | None
    confidentiality_basis: str
    starts_on: dt.date
    ends_on: dt.date
    value_terms: ValueTerms | None = None


def _amount(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000_000:
        raise UserError("give a whole number of pounds from 0 to 1,000,000,000", where=where)
    return value


def value_terms_from(doc: dict[str, Any]) -> ValueTerms:
    """Value terms from their JSON form (the form and the ODRL import both give this shape)."""
    known = {"cost_recovery_gbp", "access_fee_gbp", "royalty_basis_points", "milestones", "foreground_ip"}
    if unknown := sorted(set(doc) - known):
        raise UserError(f"unknown value term {unknown[0]!r}; the terms are {', '.join(sorted(known))}", where="value")
    royalty = doc.get("royalty_basis_points", 0)
    if isinstance(royalty, bool) or not isinstance(royalty, int) or not 0 <= royalty <= 10_000:
        raise UserError("a royalty is given in basis points, 0 to 10000 (100%)", where="value.royalty_basis_points")
    milestones_doc = doc.get("milestones", [])
    if not isinstance(milestones_doc, list):
        raise UserError("milestones must be a list of {name, amount_gbp}", where="value.milestones")
    milestones = []
    for i, item in enumerate(milestones_doc):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise UserError("each milestone needs a name", where=f"value.milestones[{i}].name")
        milestones.append(Milestone(name.strip(), _amount(item.get("amount_gbp"), f"value.milestones[{i}].amount_gbp")))
    owner = doc.get("foreground_ip", "foundation")
    if owner not in FOREGROUND_IP_OWNERS:
        raise UserError(
            f"foreground IP owner {owner!r} is not one of {', '.join(FOREGROUND_IP_OWNERS)}",
            where="value.foreground_ip",
        )
    return ValueTerms(
        cost_recovery_gbp=_amount(doc.get("cost_recovery_gbp", 0), "value.cost_recovery_gbp"),
        access_fee_gbp=_amount(doc.get("access_fee_gbp", 0), "value.access_fee_gbp"),
        royalty_basis_points=royalty,
        milestones=tuple(milestones),
        foreground_ip=str(owner),
    )


def _checked_condition(code: str) -> str:
    if code in CONDITIONS:
        return code
    if code.startswith(NO_LINKAGE_PREFIX):
        dataset_named(code.removeprefix(NO_LINKAGE_PREFIX))
        return code
    known = ", ".join([*CONDITIONS, f"{NO_LINKAGE_PREFIX}<dataset>"])
    raise UserError(f"unknown condition {code!r}; the conditions are {known}", where="conditions")


def _checked_datasets(datasets: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    if not datasets:
        raise UserError("name at least one dataset and its fields", where="datasets")
    checked: dict[str, tuple[str, ...]] = {}
    for dataset_id, fields in datasets.items():
        check_fields(dataset_id, list(fields))
        pseudonyms = [f.name for f in DATASETS[dataset_id].fields if f.is_pseudonym]
        # The pseudonym is how the tables join: it always travels with a dataset.
        checked[dataset_id] = tuple(dict.fromkeys([*pseudonyms, *fields]))
    return checked


def checked_terms(
    *,
    title: str,
    purpose: str,
    parties: list[str] | tuple[str, ...],
    datasets: Mapping[str, Sequence[str]],
    conditions: list[str] | tuple[str, ...],
    legal_basis_article6: str,
    legal_basis_article9: str | None,
    confidentiality_basis: str,
    starts_on: dt.date,
    ends_on: dt.date,
    value_terms: ValueTerms | None = None,
) -> AgreementTerms:
    """The terms, or a UserError naming the first thing wrong with them."""
    title = title.strip()
    if not title or len(title) > TITLE_LONGEST:
        raise UserError(f"give a title of 1 to {TITLE_LONGEST} characters", where="title")
    if purpose not in PURPOSES:
        raise UserError(f"purpose {purpose!r} is not one of {', '.join(PURPOSES)}", where="purpose")
    cleaned_parties = tuple(dict.fromkeys(p.strip().upper() for p in parties if p.strip()))
    if not cleaned_parties:
        raise UserError("name at least one party (an organisation code)", where="parties")
    if legal_basis_article6 not in ARTICLE6:
        raise UserError(
            f"article 6 basis {legal_basis_article6!r} is not one of {', '.join(ARTICLE6)}",
            where="legal_basis_article6",
        )
    # Health and social care data are special category: every dataset here needs an article 9 condition.
    if legal_basis_article9 not in ARTICLE9:
        raise UserError(
            f"health and care data need an article 9 condition, one of {', '.join(ARTICLE9)}",
            where="legal_basis_article9",
        )
    if confidentiality_basis not in CONFIDENTIALITY_BASES:
        raise UserError(
            f"confidentiality basis {confidentiality_basis!r} is not one of {', '.join(CONFIDENTIALITY_BASES)}",
            where="confidentiality_basis",
        )
    if ends_on <= starts_on:
        raise UserError(
            f"the agreement ends ({ends_on.isoformat()}) on or before it starts ({starts_on.isoformat()})",
            where="ends_on",
        )
    if purpose == "commercial" and value_terms is None:
        raise UserError("an industry (commercial) agreement must set out its value terms", where="value")
    if purpose != "commercial" and value_terms is not None:
        raise UserError("value terms belong to commercial agreements only", where="value")
    return AgreementTerms(
        title=title,
        purpose=purpose,
        parties=cleaned_parties,
        datasets=_checked_datasets(datasets),
        conditions=tuple(sorted({_checked_condition(c.strip()) for c in conditions if c.strip()})),
        legal_basis_article6=legal_basis_article6,
        legal_basis_article9=legal_basis_article9,
        confidentiality_basis=confidentiality_basis,
        starts_on=starts_on,
        ends_on=ends_on,
        value_terms=value_terms,
    )
