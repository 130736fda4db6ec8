"""/api/catalogue: the data catalogue for machines — the datasets, ranked search, one dataset with its measured
quality, and the exports (HDR UK JSON per dataset, DCAT JSON-LD for the whole catalogue).

Public, like the catalogue pages: metadata and aggregate figures only. A bad search or an unknown dataset gets a
plain JSON error naming it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from socialdata.access import not_person_level
from socialdata.catalogue import (
    CatalogueEntry,
    CatalogueLinks,
    SearchHit,
    catalogue_entries,
    dcat_export,
    hdruk_export,
    measured_entry,
    search_catalogue,
)
from socialdata.errors import UserError
from socialdata.store import Database
from socialdata.web.app_state import database

router = APIRouter(prefix="/api/catalogue", tags=["catalogue"])
Db = Annotated[Database, Depends(database)]
JSON_LD = "application/ld+json"


class ApiError(BaseModel):
    error: str


class ColumnOut(BaseModel):
    name: str
    type: str
    description: str
    is_pseudonym: bool


class DatasetSummaryOut(BaseModel):
    id: str
    title: str
    abstract: str
    keywords: list[str]
    sources: list[str]
    page: str
    hdruk: str


class SearchHitOut(DatasetSummaryOut):
    score: int
    matched_columns: list[str]


class SearchOut(BaseModel):
    query: str
    results: list[SearchHitOut]


class DatasetOut(DatasetSummaryOut):
    columns: list[ColumnOut]
    quality: dict[str, Any]


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ApiError, "description": "No dataset has this id."}}


def _links(request: Request) -> CatalogueLinks:
    return CatalogueLinks(str(request.base_url))


def _summary(entry: CatalogueEntry, links: CatalogueLinks) -> dict[str, Any]:
    dataset = entry.dataset
    return {
        "id": dataset.id,
        "title": dataset.title,
        "abstract": dataset.description,
        "keywords": list(entry.description.keywords),
        "sources": list(dataset.sources),
        "page": links.dataset(dataset.id),
        "hdruk": links.hdruk(dataset.id),
    }


def _hit(hit: SearchHit, links: CatalogueLinks) -> SearchHitOut:
    return SearchHitOut(**_summary(hit.entry, links), score=hit.score, matched_columns=list(hit.columns))


def _error(code: int, exc: UserError) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=code)


@router.get("", response_model=list[DatasetSummaryOut])
@not_person_level("the list of datasets: metadata only")
def list_datasets(request: Request) -> list[DatasetSummaryOut]:
    """Every dataset the Foundation can share, in the registry's order."""
    links = _links(request)
    return [DatasetSummaryOut(**_summary(entry, links)) for entry in catalogue_entries()]


@router.get("/search", response_model=SearchOut, responses={400: {"model": ApiError}})
@not_person_level("ranked search over dataset metadata: no person")
def search(
    request: Request, q: Annotated[str, Query(description="Words to find; each is matched as literal text.")] = ""
) -> SearchOut | JSONResponse:
    """Datasets matching every word of q, best first (all datasets, unscored, for an empty q)."""
    try:
        hits = search_catalogue(q)
    except UserError as exc:
        return _error(status.HTTP_400_BAD_REQUEST, exc)
    links = _links(request)
    return SearchOut(query=q, results=[_hit(hit, links) for hit in hits])


@router.get("/dcat.jsonld", response_class=JSONResponse, responses={200: {"content": {JSON_LD: {}}}})
@not_person_level("the catalogue as DCAT JSON-LD: metadata and the period each dataset covers")
def dcat(request: Request, db: Db) -> JSONResponse:
    """The whole catalogue as a W3C DCAT catalogue in JSON-LD."""
    return JSONResponse(dcat_export(db, _links(request)), media_type=JSON_LD)


@router.get("/{dataset_id}", response_model=DatasetOut, responses=NOT_FOUND)
@not_person_level("one dataset's description and quality: counts and rates over all its rows, no person")
def dataset(request: Request, dataset_id: str, db: Db) -> DatasetOut | JSONResponse:
    """One dataset: its description, its columns and its quality measured from the store now."""
    try:
        measured = measured_entry(db, dataset_id)
    except UserError as exc:
        return _error(status.HTTP_404_NOT_FOUND, exc)
    columns = [
        ColumnOut(name=c.name, type=c.type.value, description=c.description, is_pseudonym=c.is_pseudonym)
        for c in measured.entry.dataset.fields
    ]
    summary = _summary(measured.entry, _links(request))
    return DatasetOut(**summary, columns=columns, quality=measured.quality.as_json())


@router.get("/{dataset_id}/hdruk.json", response_class=JSONResponse, responses=NOT_FOUND)
@not_person_level("one dataset's HDR UK metadata, with row and people counts: aggregates only")
def hdruk(request: Request, dataset_id: str, db: Db) -> JSONResponse:
    """The dataset as an HDR UK dataset schema (v2) document."""
    try:
        return JSONResponse(hdruk_export(db, dataset_id, _links(request)))
    except UserError as exc:
        return _error(status.HTTP_404_NOT_FOUND, exc)
