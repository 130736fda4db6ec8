"""The care homes a council's capacity tracker knows: type (residential or nursing) and area, so vacancies can be
shown by both. Loaded from the tracker's register (a CSV) or, in the demo, from the synthetic city."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete

from socialdata.errors import UserError
from socialdata.identity.postcode import parse_postcode
from socialdata.store import Database
from socialdata.store.models import CareHomeRegister, Organisation

CARE_TYPES = ("residential", "nursing")
COLUMNS = ("Care_Home_Code", "Care_Home_Name", "Care_Type", "Postcode")


@dataclass(frozen=True)
class CareHome:
    code: str
    name: str
    care_type: str
    postcode: str


def read_register(path: Path) -> list[CareHome]:
    """Every row checked before anything is stored: a bad one names its row and column."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the register ({exc})", where=str(path)) from None
    homes = []
    for number, row in enumerate(rows, start=2):
        missing = [c for c in COLUMNS if not (row.get(c) or "").strip()]
        if missing:
            raise UserError(f"{missing[0]} is missing", where=f"{path.name} row {number}")
        care_type = row["Care_Type"].strip().lower()
        if care_type not in CARE_TYPES:
            raise UserError(f"Care_Type must be one of {', '.join(CARE_TYPES)}", where=f"{path.name} row {number}")
        homes.append(CareHome(row["Care_Home_Code"].strip(), row["Care_Home_Name"].strip(), care_type, row["Postcode"]))
    return homes


def load_register(db: Database, organisation_id: str, homes: Iterable[CareHome]) -> int:
    """Replaces the organisation's register in one transaction; returns how many homes it now holds."""
    rows = []
    for home in homes:
        postcode = parse_postcode(home.postcode)
        if postcode is None:
            raise UserError("not a UK postcode", where=f"{home.code} {home.postcode}")
        rows.append(
            CareHomeRegister(
                organisation_id=organisation_id,
                care_home_code=home.code,
                care_home_name=home.name,
                care_type=home.care_type,
                postcode=str(postcode),
                area=postcode.district,
            )
        )
    with db.session() as session:
        if session.get(Organisation, organisation_id) is None:
            raise UserError("no such organisation; add it with `sdf org add` first", where=organisation_id)
        session.execute(delete(CareHomeRegister).where(CareHomeRegister.organisation_id == organisation_id))
        session.add_all(rows)
    return len(rows)
