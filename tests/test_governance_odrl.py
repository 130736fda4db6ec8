"""Agreements as W3C ODRL policies: what is exported imports back to the same terms, and a malformed or dishonest
policy is refused with the term named, like a form."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from socialdata.errors import UserError
from socialdata.governance.agreement_terms import Milestone, ValueTerms
from socialdata.governance.odrl import from_odrl, to_odrl
from test_governance_world import research_terms

CONDITIONS = ["pseudonymised", "no_onward_sharing", "no_linkage_with:care_packages"]


def _policy(**changes: object) -> dict[str, Any]:
    terms = research_terms(
        conditions=["pseudonymised", "no_onward_sharing", "no_linkage_with:care_packages"], **changes
    )
    return to_odrl(terms, uid="urn:socialdata:agreement:7")


def test_an_exported_policy_is_odrl_and_imports_back_to_the_same_terms() -> None:
    terms = research_terms(conditions=CONDITIONS)
    policy = json.loads(json.dumps(to_odrl(terms, uid="urn:socialdata:agreement:7")))
    assert policy["@type"] == "Agreement" and "http://www.w3.org/ns/odrl.jsonld" in policy["@context"]
    assert {p["action"] for p in policy["permission"]} == {"use"}
    assert {p["action"] for p in policy["prohibition"]} == {"distribute", "sdf:link"}
    assert policy["obligation"] == [{"action": "anonymize"}]
    constraint = policy["permission"][0]["constraint"]
    assert {"leftOperand": "purpose", "operator": "eq", "rightOperand": "sdf:research"} in constraint
    assert from_odrl(policy) == terms


def test_value_terms_travel_in_the_policy() -> None:
    value = ValueTerms(access_fee_gbp=25_000, royalty_basis_points=150, milestones=(Milestone("licence", 50_000),))
    terms = research_terms(purpose="commercial", value_terms=value, confidentiality_basis="section_251")
    assert from_odrl(to_odrl(terms, uid="urn:x")) == terms


def test_a_policy_whose_end_is_before_its_start_is_refused() -> None:
    policy = _policy()
    for permission in policy["permission"]:
        permission["constraint"][2]["rightOperand"]["@value"] = "2025-01-01"
    with pytest.raises(UserError) as refused:
        from_odrl(policy)
    assert refused.value.where == "ends_on"


def test_a_policy_naming_a_field_the_dataset_does_not_have_is_refused() -> None:
    policy = _policy()
    policy["permission"][0]["target"]["refinement"][0]["rightOperand"].append("postcode")
    with pytest.raises(UserError, match="no field 'postcode'"):
        from_odrl(policy)


@pytest.mark.parametrize(
    ("break_it", "where"),
    [
        (lambda p: p.update({"@type": "Offer"}), "odrl"),
        (lambda p: p.update({"permission": []}), "odrl.permission"),
        (lambda p: p["prohibition"].append({"action": "sell"}), "odrl.prohibition[2]"),
        (lambda p: p.update({"assignee": ["https://evil.example/org"]}), "odrl.assignee"),
        (lambda p: p["permission"][0]["constraint"][1]["rightOperand"].update({"@value": "soon"}), None),
        (lambda p: p["sdf:legalBasis"].update({"sdf:ukGdprArticle9": None}), "legal_basis_article9"),
    ],
)
def test_a_malformed_policy_is_refused_naming_where(break_it: Any, where: str | None) -> None:
    policy = copy.deepcopy(_policy())
    break_it(policy)
    with pytest.raises(UserError) as refused:
        from_odrl(policy)
    if where is not None:
        assert refused.value.where == where
    else:
        assert "not a date" in refused.value.message


def test_dates_are_kept_as_xsd_dates() -> None:
    policy = _policy(starts_on=dt.date(2026, 2, 1))
    dates = [c["rightOperand"] for c in policy["permission"][0]["constraint"][1:]]
    assert dates == [{"@value": "2026-02-01", "@type": "xsd:date"}, {"@value": "2026-12-31", "@type": "xsd:date"}]
