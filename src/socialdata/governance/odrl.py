"""Data sharing agreements as W3C ODRL 2.2 policies (JSON-LD), so another institution's policy engine can read them
and a partner can send one to be imported as a draft.

The mapping: an `Agreement` policy whose assignees are the parties; one `use` permission per dataset, with the
fields as the target's refinement and constraints on purpose and dates; a `distribute` prohibition for no onward
sharing and a `sdf:link` prohibition per dataset not to be linked with; obligations (`anonymize` for
pseudonymisation, `sdf:applyNationalDataOptOut`, `sdf:checkOutputs`). Legal basis and value terms, which ODRL has no
words for, are under the `sdf:` namespace.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from socialdata.errors import UserError
from socialdata.governance.agreement_terms import (
    NO_LINKAGE_PREFIX,
    AgreementTerms,
    checked_terms,
    value_terms_from,
)

ODRL_CONTEXT = "http://www.w3.org/ns/odrl.jsonld"
SDF_NS = "https://socialdata.example/ns/governance#"
DATASET_URN = "urn:socialdata:dataset:"
ORGANISATION_URN = "urn:socialdata:organisation:"

# Conditions that are duties (obligations), by their ODRL action.
_OBLIGATIONS = {
    "pseudonymised": "anonymize",
    "national_opt_out_applied": "sdf:applyNationalDataOptOut",
    "outputs_checked": "sdf:checkOutputs",
}


def _date(value: dt.date) -> dict[str, str]:
    return {"@value": value.isoformat(), "@type": "xsd:date"}


def to_odrl(terms: AgreementTerms, *, uid: str) -> dict[str, Any]:
    """The agreement as an ODRL JSON-LD policy."""
    constraints = [
        {"leftOperand": "purpose", "operator": "eq", "rightOperand": f"sdf:{terms.purpose}"},
        {"leftOperand": "dateTime", "operator": "gteq", "rightOperand": _date(terms.starts_on)},
        {"leftOperand": "dateTime", "operator": "lteq", "rightOperand": _date(terms.ends_on)},
    ]
    permissions = [
        {
            "target": {
                "@type": "AssetCollection",
                "source": f"{DATASET_URN}{dataset}",
                "refinement": [{"leftOperand": "sdf:field", "operator": "isAnyOf", "rightOperand": list(fields)}],
            },
            "action": "use",
            "constraint": constraints,
        }
        for dataset, fields in terms.datasets.items()
    ]
    prohibitions: list[dict[str, Any]] = []
    if "no_onward_sharing" in terms.conditions:
        prohibitions.append({"target": [f"{DATASET_URN}{d}" for d in terms.datasets], "action": "distribute"})
    for condition in terms.conditions:
        if condition.startswith(NO_LINKAGE_PREFIX):
            other = condition.removeprefix(NO_LINKAGE_PREFIX)
            prohibitions.append({"target": f"{DATASET_URN}{other}", "action": "sdf:link"})
    policy: dict[str, Any] = {
        "@context": [ODRL_CONTEXT, {"sdf": SDF_NS, "xsd": "http://www.w3.org/2001/XMLSchema#"}],
        "@type": "Agreement",
        "uid": uid,
        "sdf:title": terms.title,
        "assignee": [f"{ORGANISATION_URN}{p}" for p in terms.parties],
        "permission": permissions,
        "prohibition": prohibitions,
        "obligation": [{"action": _OBLIGATIONS[c]} for c in terms.conditions if c in _OBLIGATIONS],
        "sdf:legalBasis": {
            "sdf:ukGdprArticle6": terms.legal_basis_article6,
            "sdf:ukGdprArticle9": terms.legal_basis_article9,
            "sdf:commonLawConfidentiality": terms.confidentiality_basis,
        },
    }
    if terms.value_terms is not None:
        policy["sdf:valueTerms"] = terms.value_terms.as_json()
    return policy


def _list(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc.get(key, [])
    value = value if isinstance(value, list) else [value]
    if not all(isinstance(item, dict | str) for item in value):
        raise UserError(f"{key} must hold objects", where=f"odrl.{key}")
    return value


def _urn(value: Any, prefix: str, where: str) -> str:
    if not isinstance(value, str) or not value.startswith(prefix):
        raise UserError(f"expected an identifier starting {prefix!r}, got {value!r}", where=where)
    return value.removeprefix(prefix)


def _constraint_values(permission: dict[str, Any], where: str) -> dict[tuple[str, str], Any]:
    found: dict[tuple[str, str], Any] = {}
    for constraint in _list(permission, "constraint"):
        if not isinstance(constraint, dict):
            raise UserError("a constraint must be an object", where=where)
        value = constraint.get("rightOperand")
        value = value.get("@value") if isinstance(value, dict) else value
        found[(str(constraint.get("leftOperand")), str(constraint.get("operator")))] = value
    return found


def _iso_date(value: Any, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise UserError(f"{value!r} is not a date (YYYY-MM-DD)", where=where) from None


def from_odrl(doc: Any) -> AgreementTerms:
    """Agreement terms from an ODRL policy this module wrote (or one in the same shape), checked like a form."""
    if not isinstance(doc, dict) or doc.get("@type") not in ("Agreement", "odrl:Agreement"):
        raise UserError("the document is not an ODRL Agreement policy (@type must be Agreement)", where="odrl")
    datasets: dict[str, list[str]] = {}
    purposes, starts, ends = set(), set(), set()
    for i, permission in enumerate(_list(doc, "permission")):
        where = f"odrl.permission[{i}]"
        target = permission.get("target") if isinstance(permission, dict) else None
        if not isinstance(target, dict) or permission.get("action") != "use":
            raise UserError("each permission must be a use of an AssetCollection target", where=where)
        dataset = _urn(target.get("source"), DATASET_URN, f"{where}.target.source")
        refinements = target.get("refinement") or [{}]
        fields = refinements[0].get("rightOperand") if isinstance(refinements[0], dict) else None
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise UserError("the target's refinement must list the fields", where=f"{where}.target.refinement")
        datasets[dataset] = fields
        constraints = _constraint_values(permission, where)
        purposes.add(str(constraints.get(("purpose", "eq"), "")).removeprefix("sdf:"))
        starts.add(_iso_date(constraints.get(("dateTime", "gteq")), f"{where}.constraint.dateTime"))
        ends.add(_iso_date(constraints.get(("dateTime", "lteq")), f"{where}.constraint.dateTime"))
    if not datasets:
        raise UserError("the policy grants no permission", where="odrl.permission")
    if len(purposes) != 1 or len(starts) != 1 or len(ends) != 1:
        raise UserError("every permission must carry the same purpose and dates", where="odrl.permission")
    conditions = [
        condition
        for condition, action in _OBLIGATIONS.items()
        if any(isinstance(o, dict) and o.get("action") == action for o in _list(doc, "obligation"))
    ]
    for j, prohibition in enumerate(_list(doc, "prohibition")):
        action = prohibition.get("action") if isinstance(prohibition, dict) else None
        if action == "distribute":
            conditions.append("no_onward_sharing")
        elif action == "sdf:link" and isinstance(prohibition, dict):
            other = _urn(prohibition.get("target"), DATASET_URN, f"odrl.prohibition[{j}].target")
            conditions.append(f"{NO_LINKAGE_PREFIX}{other}")
        else:
            raise UserError(f"unknown prohibited action {action!r}", where=f"odrl.prohibition[{j}]")
    basis = doc.get("sdf:legalBasis")
    if not isinstance(basis, dict):
        raise UserError("the policy needs sdf:legalBasis", where="odrl.sdf:legalBasis")
    value = doc.get("sdf:valueTerms")
    if value is not None and not isinstance(value, dict):
        raise UserError("sdf:valueTerms must be an object", where="odrl.sdf:valueTerms")
    return checked_terms(
        title=str(doc.get("sdf:title", "")),
        purpose=purposes.pop(),
        parties=[_urn(p, ORGANISATION_URN, "odrl.assignee") for p in _list(doc, "assignee")],
        datasets=datasets,
        conditions=conditions,
        legal_basis_article6=str(basis.get("sdf:ukGdprArticle6", "")),
        legal_basis_article9=basis.get("sdf:ukGdprArticle9"),
        confidentiality_basis=str(basis.get("sdf:commonLawConfidentiality", "")),
        starts_on=starts.pop(),
        ends_on=ends.pop(),
        value_terms=value_terms_from(value) if value is not None else None,
    )
