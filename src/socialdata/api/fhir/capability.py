"""The server's CapabilityStatement (`GET /fhir/metadata`): what it reads and searches, and how to authenticate."""

from __future__ import annotations

from typing import Any

PER_PATIENT = ("Encounter", "Condition", "Observation", "AllergyIntolerance", "MedicationStatement", "CarePlan")
PAGING_PARAMS = [
    {"name": "_count", "type": "number", "documentation": "Matches per page, 1-100 (default 20)."},
    {"name": "_offset", "type": "number", "documentation": "The index of the page's first match, from 0."},
]


def _patient_search() -> list[dict[str, Any]]:
    return [
        {"name": "patient", "type": "reference", "documentation": "Required: the Patient whose records."},
        {
            "name": "date",
            "type": "date",
            "documentation": "Prefix eq, lt, le, gt or ge; the start of the resource's period. Twice for a range.",
        },
    ]


def capability_statement(software_version: str) -> dict[str, Any]:
    resources: list[dict[str, Any]] = [
        {
            "type": "Patient",
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [
                {"name": "identifier", "type": "token", "documentation": "https://fhir.nhs.uk/Id/nhs-number|NUMBER"},
                {"name": "family", "type": "string", "documentation": "Family name, with birthdate."},
                {"name": "name", "type": "string", "documentation": "Family name, with birthdate."},
                {"name": "given", "type": "string", "documentation": "Narrows a search by name."},
                {"name": "birthdate", "type": "date", "documentation": "Date of birth (exact)."},
                *PAGING_PARAMS,
            ],
            "operation": [
                {"name": "everything", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}
            ],
        },
        *(
            {
                "type": name,
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "searchParam": [*_patient_search(), *PAGING_PARAMS],
            }
            for name in PER_PATIENT
        ),
        {
            "type": "AuditEvent",
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "documentation": "Privacy officers only.",
            "searchParam": [{"name": "patient", "type": "reference"}, *PAGING_PARAMS],
        },
    ]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-23",
        "kind": "instance",
        "software": {"name": "socialdata", "version": software_version},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "OAuth",
                                }
                            ]
                        }
                    ],
                    "description": "Bearer tokens from `sdf token issue USERNAME`; every read passes the access gate.",
                },
                "resource": resources,
            }
        ],
    }
