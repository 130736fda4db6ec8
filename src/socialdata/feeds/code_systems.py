"""The code systems the loader understands; a coded element with no coding from one of them cannot be interpreted."""

from __future__ import annotations

from typing import Any

from socialdata.feeds.problems import RecordProblem

SNOMED_CT = "http://snomed.info/sct"
DM_D = "https://dmd.nhs.uk"
KNOWN_SYSTEMS = {
    SNOMED_CT: "SNOMED CT",
    "http://hl7.org/fhir/sid/icd-10": "ICD-10",
    "https://fhir.hl7.org.uk/Id/opcs-4": "OPCS-4",
    DM_D: "dm+d",
    "http://loinc.org": "LOINC",
    "http://terminology.hl7.org/CodeSystem/v3-ActCode": "v3-ActCode",
    "http://unitsofmeasure.org": "UCUM",
}
HL7_TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"
_KNOWN_LIST = ", ".join(f"{name} ({system})" for system, name in KNOWN_SYSTEMS.items()) + f", {HL7_TERMINOLOGY}*"


def is_known_system(system: object) -> bool:
    return isinstance(system, str) and (system in KNOWN_SYSTEMS or system.startswith(HL7_TERMINOLOGY))


def known_codings(concept: Any, field: str) -> list[dict[str, Any]]:
    """The codings of a CodeableConcept from known systems, first one first; none at all is a RecordProblem."""
    codings = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(codings, list) or not codings:
        raise RecordProblem(field, f"{field} has no coding")
    known = [c for c in codings if isinstance(c, dict) and is_known_system(c.get("system")) and c.get("code")]
    if not known:
        seen = sorted({str(c.get("system")) for c in codings if isinstance(c, dict)})
        raise RecordProblem(
            field,
            f"{field} has no coding from a known code system (got {', '.join(seen)}); known systems: {_KNOWN_LIST}",
        )
    return known


def checked_coding(coding: Any, field: str) -> dict[str, Any]:
    """A single Coding (such as Encounter.class) that must itself come from a known system."""
    if not isinstance(coding, dict) or not coding.get("code"):
        raise RecordProblem(field, f"{field} is missing or has no code")
    if not is_known_system(coding.get("system")):
        raise RecordProblem(
            field, f"{field} is from an unknown code system ({coding.get('system')}); known systems: {_KNOWN_LIST}"
        )
    return coding


def snomed_code(raw: str, field: str) -> str:
    """A SNOMED CT (or dm+d) concept id: 6 to 18 digits."""
    code = raw.strip()
    if not (code.isascii() and code.isdigit() and 6 <= len(code) <= 18):
        raise RecordProblem(field, f"{field} '{code}' is not a SNOMED CT or dm+d concept id (6 to 18 digits)")
    return code
