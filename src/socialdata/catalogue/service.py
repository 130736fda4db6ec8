"""What the faces ask of the catalogue: an entry with its measured quality, and the two exports.

Each call reads aggregates in one short transaction; no person row is read into Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from socialdata.catalogue.dcat import dcat_catalogue
from socialdata.catalogue.description import CatalogueEntry, catalogue_entries, entry_named
from socialdata.catalogue.hdruk import hdruk_document
from socialdata.catalogue.links import CatalogueLinks
from socialdata.catalogue.quality import DatasetQuality, measure_quality
from socialdata.store import Database
from socialdata.store.types import utcnow


@dataclass(frozen=True)
class MeasuredEntry:
    entry: CatalogueEntry
    quality: DatasetQuality


def measured_entry(db: Database, dataset_id: str, now: dt.datetime | None = None) -> MeasuredEntry:
    """One dataset with its quality as the store stands; UserError for a dataset the registry does not have."""
    entry = entry_named(dataset_id)
    with db.session() as session:
        quality = measure_quality(session, [entry.dataset], now or utcnow())
    return MeasuredEntry(entry, quality[entry.id])


def hdruk_export(
    db: Database, dataset_id: str, links: CatalogueLinks, now: dt.datetime | None = None
) -> dict[str, Any]:
    measured = measured_entry(db, dataset_id, now)
    return hdruk_document(measured.entry, measured.quality, links)


def dcat_export(db: Database, links: CatalogueLinks, now: dt.datetime | None = None) -> dict[str, Any]:
    entries = catalogue_entries()
    with db.session() as session:
        quality = measure_quality(session, [e.dataset for e in entries], now or utcnow())
    return dcat_catalogue(entries, quality, links)
