"""A dataset as an HDR UK dataset schema (v2) document, so it can be onboarded onto a gateway as it stands.

Descriptive fields come from the catalogue entry; the temporal coverage and the observations (row and people counts)
are measured from the store at the time of export.
"""

from __future__ import annotations

from typing import Any

from socialdata.catalogue.description import ACCESS, PUBLISHER, CatalogueEntry
from socialdata.catalogue.links import CatalogueLinks
from socialdata.catalogue.quality import DatasetQuality

SCHEMA_VERSION = "2.1.0"
METADATA_VERSION = "1.0.0"
# Every table joins the linked population on the project's pseudonym.
LINKED_THROUGH = "patients"
# HDR UK data types for the registry's field types.
DATA_TYPES = {"text": "String", "date": "Date", "integer": "Integer", "number": "Float", "boolean": "Boolean"}


def hdruk_document(entry: CatalogueEntry, quality: DatasetQuality, links: CatalogueLinks) -> dict[str, Any]:
    """The HDR UK JSON for one dataset."""
    dataset, about, total = entry.dataset, entry.description, quality.total
    measured_on = quality.measured_at.date().isoformat()
    return {
        "identifier": links.dataset(entry.id),
        "version": METADATA_VERSION,
        "schemaVersion": SCHEMA_VERSION,
        "issued": quality.measured_at.isoformat(),
        "modified": quality.measured_at.isoformat(),
        "revisions": [],
        "summary": {
            "title": dataset.title,
            "abstract": dataset.description,
            "publisher": {
                "name": PUBLISHER.name,
                "description": PUBLISHER.description,
                "contactPoint": PUBLISHER.contact_point,
            },
            "contactPoint": PUBLISHER.contact_point,
            "keywords": list(about.keywords),
        },
        "documentation": {"description": dataset.description, "isPartOf": [PUBLISHER.name]},
        "coverage": {
            "spatial": about.spatial,
            "typicalAgeRange": about.typical_age_range,
            "followup": about.followup,
        },
        "provenance": {
            "origin": {
                "purpose": list(about.purpose),
                "source": list(about.origin),
                "collectionSituation": list(about.collection_situation),
            },
            "temporal": {
                "accrualPeriodicity": about.accrual_periodicity,
                "startDate": total.first_event.date().isoformat() if total.first_event else None,
                "endDate": total.last_event.date().isoformat() if total.last_event else None,
                "timeLag": about.time_lag,
                "distributionReleaseDate": measured_on,
            },
            "sources": list(dataset.sources),
        },
        "accessibility": {
            "usage": {
                "dataUseLimitation": ["GENERAL RESEARCH USE"],
                "dataUseRequirements": ["PROJECT SPECIFIC RESTRICTIONS", "USER SPECIFIC RESTRICTION"],
                "resourceCreator": PUBLISHER.name,
            },
            "access": {
                "accessRights": ACCESS.rights,
                "accessService": ACCESS.request_route,
                "accessRequestCost": ACCESS.request_cost,
                "deliveryLeadTime": ACCESS.delivery_lead_time,
                "jurisdiction": [ACCESS.jurisdiction],
                "dataController": ACCESS.controllers,
                "dataProcessor": PUBLISHER.name,
                "legalBasisForDataArticle6": about.legal_basis_article6,
                "legalBasisForDataArticle9": about.legal_basis_article9,
            },
            "formatAndStandards": {
                "vocabularyEncodingScheme": list(about.vocabularies),
                "conformsTo": ["HDR UK dataset schema " + SCHEMA_VERSION],
                "language": [ACCESS.language],
                "format": list(ACCESS.formats),
            },
        },
        "enrichmentAndLinkage": {
            "qualifiedRelation": [] if entry.id == LINKED_THROUGH else [links.dataset(LINKED_THROUGH)],
            "derivation": ["Linked to the master person index; pseudonymised per project"],
            "tools": [],
        },
        "observations": [
            {
                "observedNode": "PERSONS" if dataset.is_people else "EVENTS",
                "measuredValue": total.rows,
                "measuredProperty": "COUNT",
                "observationDate": measured_on,
                "disambiguatingDescription": "Rows held from the contributing partners",
            },
            {
                "observedNode": "PERSONS",
                "measuredValue": total.people,
                "measuredProperty": "COUNT",
                "observationDate": measured_on,
                "disambiguatingDescription": "Distinct people in the master person index these rows belong to",
            },
        ],
        "structuralMetadata": [
            {
                "name": dataset.id,
                "description": dataset.description,
                "elements": [
                    {
                        "name": column.name,
                        "description": column.description,
                        "dataType": DATA_TYPES[column.type.value],
                        "sensitive": column.is_pseudonym,
                    }
                    for column in dataset.fields
                ],
            }
        ],
    }
