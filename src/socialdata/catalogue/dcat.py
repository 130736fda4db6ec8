"""The whole catalogue as W3C DCAT (version 3) in JSON-LD, for harvesters of open data catalogues.

The @context is inline (no fetch needed to read it): `dcat`, `dct`, `foaf`, `vcard` and `xsd` prefixes, with the
document's own terms written as compact IRIs so any JSON-LD processor expands them without guessing.
"""

from __future__ import annotations

from typing import Any

from socialdata.catalogue.description import ACCESS, PUBLISHER, CatalogueEntry
from socialdata.catalogue.links import CatalogueLinks
from socialdata.catalogue.quality import DatasetQuality

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
JSON_MEDIA_TYPE = "https://www.iana.org/assignments/media-types/application/json"
ACCRUAL = {
    "DAILY": "http://purl.org/cld/freq/daily",
    "MONTHLY": "http://purl.org/cld/freq/monthly",
}


def _date(value: str) -> dict[str, str]:
    return {"@value": value, "@type": "xsd:date"}


def _publisher(links: CatalogueLinks) -> dict[str, Any]:
    return {"@id": links.catalogue() + "#publisher", "@type": "foaf:Agent", "foaf:name": PUBLISHER.name}


def _dataset(entry: CatalogueEntry, quality: DatasetQuality, links: CatalogueLinks) -> dict[str, Any]:
    about, total = entry.description, quality.total
    node: dict[str, Any] = {
        "@id": links.dataset(entry.id),
        "@type": "dcat:Dataset",
        "dct:identifier": entry.id,
        "dct:title": entry.dataset.title,
        "dct:description": entry.dataset.description,
        "dcat:keyword": list(about.keywords),
        "dct:publisher": {"@id": links.catalogue() + "#publisher"},
        "dcat:contactPoint": {
            "@type": "vcard:Kind",
            "vcard:fn": PUBLISHER.name,
            "vcard:hasEmail": {"@id": "mailto:" + PUBLISHER.contact_point},
        },
        "dct:spatial": about.spatial,
        "dct:accessRights": ACCESS.rights,
        "dct:language": ACCESS.language,
        "dcat:landingPage": {"@id": links.dataset(entry.id)},
        "dcat:distribution": [
            {
                "@id": links.hdruk(entry.id),
                "@type": "dcat:Distribution",
                "dct:title": f"{entry.dataset.title}: HDR UK dataset metadata",
                "dcat:accessURL": {"@id": links.hdruk(entry.id)},
                "dcat:mediaType": {"@id": JSON_MEDIA_TYPE},
            }
        ],
    }
    if about.accrual_periodicity in ACCRUAL:
        node["dct:accrualPeriodicity"] = {"@id": ACCRUAL[about.accrual_periodicity]}
    if total.first_event is not None and total.last_event is not None:
        node["dct:temporal"] = {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": _date(total.first_event.date().isoformat()),
            "dcat:endDate": _date(total.last_event.date().isoformat()),
        }
    return node


def dcat_catalogue(
    entries: tuple[CatalogueEntry, ...], quality: dict[str, DatasetQuality], links: CatalogueLinks
) -> dict[str, Any]:
    """The JSON-LD document: one dcat:Catalog holding one dcat:Dataset per entry."""
    return {
        "@context": CONTEXT,
        "@id": links.catalogue(),
        "@type": "dcat:Catalog",
        "dct:title": f"{PUBLISHER.name} data catalogue",
        "dct:description": PUBLISHER.description,
        "dct:publisher": _publisher(links),
        "dcat:dataset": [_dataset(entry, quality[entry.id], links) for entry in entries],
    }
