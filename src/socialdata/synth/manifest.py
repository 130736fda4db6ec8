"""manifest.json: which organisations the city has and, for each, the files it submits in load order."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialdata.errors import UserError

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class ManifestOrganisation:
    code: str
    name: str
    kind: str
    files: tuple[str, ...]  # relative to the city folder, in load order


@dataclass(frozen=True)
class CityManifest:
    seed: int
    people: int
    generated_for: dt.date
    organisations: tuple[ManifestOrganisation, ...]

    def to_json(self) -> str:
        payload = {
            "seed": self.seed,
            "people": self.people,
            "generated_for": self.generated_for.isoformat(),
            "organisations": [
                {"code": o.code, "name": o.name, "kind": o.kind, "files": list(o.files)} for o in self.organisations
            ],
        }
        return json.dumps(payload, indent=2) + "\n"


def load_manifest(path: Path) -> CityManifest:
    """Read a city's manifest; `path` is the city folder or its manifest.json."""
    file = path / MANIFEST_NAME if path.is_dir() else path
    try:
        raw: Any = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError("no manifest here: is this a folder written by `sdf synth`?", where=str(file)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"not valid JSON ({exc})", where=str(file)) from None
    try:
        organisations = tuple(
            ManifestOrganisation(str(o["code"]), str(o["name"]), str(o["kind"]), tuple(str(f) for f in o["files"]))
            for o in raw["organisations"]
        )
        return CityManifest(
            seed=int(raw["seed"]),
            people=int(raw["people"]),
            generated_for=dt.date.fromisoformat(raw["generated_for"]),
            organisations=organisations,
        )
    except KeyError as exc:
        raise UserError(f"missing field {exc}", where=str(file)) from None
    except (TypeError, ValueError) as exc:
        raise UserError(f"malformed manifest ({exc})", where=str(file)) from None
