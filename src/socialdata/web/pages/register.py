"""The public data uses register (no login): every approved use of the Foundation's data, with the outputs released
from it, as a page and as CSV. It joins the governance register with the outputs that left the airlock."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from socialdata.access import not_person_level
from socialdata.governance.register import RegisterEntry, register_entries
from socialdata.outputs.released import ReleasedOutput, released_outputs
from socialdata.store import Database
from socialdata.web.app_state import database
from socialdata.web.templating import templates

router = APIRouter()

CSV_COLUMNS = (
    "project_id",
    "title",
    "organisation",
    "purpose",
    "commercial",
    "datasets",
    "legal_basis",
    "national_opt_out_applied",
    "opt_out_exemption",
    "approved_on",
    "access_from",
    "access_until",
    "closed_on",
    "stage",
    "outputs_released",
    "lay_summary",
    "public_benefit",
)
# Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RegisteredUse:
    entry: RegisterEntry
    outputs: tuple[ReleasedOutput, ...]


def _uses(db: Database) -> list[RegisteredUse]:
    with db.session() as s:
        outputs = released_outputs(s)
        return [RegisteredUse(e, tuple(outputs.get(e.project_id, ()))) for e in register_entries(s)]


def _cell(value: object) -> str:
    text = "" if value is None else ("yes" if value is True else "no" if value is False else str(value))
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


@router.get("/register", response_class=HTMLResponse, name="register")
@not_person_level("the public register of approved data uses: projects and organisations, no person")
def register_page(request: Request, db: Annotated[Database, Depends(database)]) -> HTMLResponse:
    return templates.TemplateResponse(request, "governance/register.html", {"uses": _uses(db)})


@router.get("/register.csv", name="register_csv")
@not_person_level("the public register as CSV: projects and organisations, no person")
def register_csv(db: Annotated[Database, Depends(database)]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for use in _uses(db):
        e = use.entry
        released = "; ".join(f"{o.name} ({o.released_at.date().isoformat()})" for o in use.outputs)
        row = (
            e.project_id,
            e.title,
            e.organisation,
            e.purpose,
            e.commercial,
            " ".join(e.datasets),
            e.legal_basis,
            e.national_opt_out_applied,
            e.opt_out_exemption,
            e.approved_on,
            e.access_from,
            e.access_until,
            e.closed_on,
            e.stage,
            released,
            e.lay_summary,
            e.public_benefit,
        )
        writer.writerow([_cell(v) for v in row])
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="data-uses-register.csv"'},
    )
