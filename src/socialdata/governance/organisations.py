"""The Foundation's partners: registering an organisation is what lets it submit feeds and be named in agreements."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select

from socialdata.errors import UserError
from socialdata.store import Database
from socialdata.store.models import Organisation as OrganisationRow
from socialdata.store.models import OrganisationKind

CODE_PATTERN = re.compile(r"[A-Z0-9]{2,16}")


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    kind: str
    created_at: dt.datetime


def _view(row: OrganisationRow) -> Organisation:
    return Organisation(code=row.id, name=row.name, kind=row.kind, created_at=row.created_at)


def register_organisation(db: Database, code: str, name: str, kind: str) -> Organisation:
    """Adds the organisation, or brings its name and kind up to date; registering the same one twice changes nothing."""
    code = code.strip().upper()
    name = name.strip()
    if not CODE_PATTERN.fullmatch(code):
        raise UserError(f"organisation code '{code}' must be 2 to 16 letters or digits (an ODS-style code)")
    if not name or len(name) > 200:
        raise UserError("an organisation's name must be 1 to 200 characters")
    kinds = [k.value for k in OrganisationKind]
    if kind not in kinds:
        raise UserError(f"organisation kind '{kind}' is not one of {', '.join(kinds)}")
    with db.session() as session:
        row = session.get(OrganisationRow, code)
        if row is None:
            row = OrganisationRow(id=code, name=name, kind=kind, created_at=dt.datetime.now(dt.UTC))
            session.add(row)
        else:
            row.name, row.kind = name, kind
        session.flush()
        return _view(row)


def list_organisations(db: Database) -> list[Organisation]:
    with db.session() as session:
        return [_view(row) for row in session.scalars(select(OrganisationRow).order_by(OrganisationRow.id))]
