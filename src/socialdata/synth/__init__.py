"""Synthetic Avonford: a population with known truth and the partner feeds that describe it, noise and all."""

from socialdata.synth.city import write_city
from socialdata.synth.manifest import CityManifest, ManifestOrganisation, load_manifest
from socialdata.synth.source_records import SourcePersonRecord, generate_source_people

__all__ = [
    "CityManifest",
    "ManifestOrganisation",
    "SourcePersonRecord",
    "generate_source_people",
    "load_manifest",
    "write_city",
]
