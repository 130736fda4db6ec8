"""The data catalogue: every shareable dataset described in the HDR UK schema's terms, its quality measured from the
store (aggregates only), ranked search, and exports as HDR UK JSON and DCAT JSON-LD. Public: it holds no person data.
"""

from socialdata.catalogue.description import (
    ACCESS,
    PUBLISHER,
    CatalogueEntry,
    Description,
    catalogue_entries,
    entry_named,
)
from socialdata.catalogue.links import CatalogueLinks
from socialdata.catalogue.quality import DatasetQuality, Measures, PartnerQuality, measure_quality
from socialdata.catalogue.search import MAX_QUERY_LENGTH, SearchHit, search_catalogue
from socialdata.catalogue.service import MeasuredEntry, dcat_export, hdruk_export, measured_entry

__all__ = [
    "ACCESS",
    "MAX_QUERY_LENGTH",
    "PUBLISHER",
    "CatalogueEntry",
    "CatalogueLinks",
    "DatasetQuality",
    "Description",
    "MeasuredEntry",
    "Measures",
    "PartnerQuality",
    "SearchHit",
    "catalogue_entries",
    "dcat_export",
    "entry_named",
    "hdruk_export",
    "measure_quality",
    "measured_entry",
    "search_catalogue",
]
