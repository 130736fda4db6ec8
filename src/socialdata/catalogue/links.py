"""Where each catalogue document lives, from the base URL the catalogue is served at (exports name themselves)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogueLinks:
    base_url: str

    def _at(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def dataset(self, dataset_id: str) -> str:
        """The dataset's page, which is also its identifier."""
        return self._at(f"/catalogue/{dataset_id}")

    def hdruk(self, dataset_id: str) -> str:
        return self._at(f"/api/catalogue/{dataset_id}/hdruk.json")

    def catalogue(self) -> str:
        return self._at("/catalogue")

    def dcat(self) -> str:
        return self._at("/api/catalogue/dcat.jsonld")
