"""Searchset Bundles: one page of matches, the `total`, and self/first/previous/next links that keep every other
search parameter as it was."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request

from socialdata.api.fhir.resources import Resource
from socialdata.api.fhir.search_params import Page


def _link(request: Request, relation: str, offset: int, count: int) -> dict[str, str]:
    params = {k: v for k, v in request.query_params.items() if k not in ("_offset", "_count")}
    url = request.url.replace_query_params(**params, _count=str(count), _offset=str(offset))
    return {"relation": relation, "url": str(url)}


def searchset(request: Request, page: Page, total: int, resources: Sequence[Resource]) -> dict[str, Any]:
    """A Bundle of the resources on this page (the caller has already sliced them) out of `total` matches."""
    links = [_link(request, "self", page.offset, page.count), _link(request, "first", 0, page.count)]
    if page.offset > 0:
        links.append(_link(request, "previous", max(0, page.offset - page.count), page.count))
    if page.offset + page.count < total:
        links.append(_link(request, "next", page.offset + page.count, page.count))
    base = str(request.base_url).rstrip("/") + "/fhir"
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ],
    }


def paged(items: Sequence[Resource], page: Page) -> Sequence[Resource]:
    return items[page.offset : page.offset + page.count]
