"""/api/register and /api/agreements: the public data uses register for machines, and the ODRL policy of every
agreement the partnership board approved (drafts and rejected ones stay internal). Public, like the register page:
organisations, projects and terms, never a person."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from socialdata.access import not_person_level
from socialdata.errors import UserError
from socialdata.governance.agreements import Agreements
from socialdata.governance.odrl import to_odrl
from socialdata.governance.register import register_entries
from socialdata.outputs.released import released_outputs
from socialdata.store import Database
from socialdata.web.app_state import database

router = APIRouter(prefix="/api", tags=["governance"])
Db = Annotated[Database, Depends(database)]
JSON_LD = "application/ld+json"


class ApiError(BaseModel):
    error: str


class ReleasedOut(BaseModel):
    name: str
    description: str
    released_at: dt.datetime


class RegisteredUseOut(BaseModel):
    project_id: int
    title: str
    organisation: str
    purpose: str
    commercial: bool
    lay_summary: str
    public_benefit: str
    datasets: list[str]
    legal_basis: str
    national_opt_out_applied: bool
    opt_out_exemption: str | None
    approved_on: dt.date
    access_from: dt.date
    access_until: dt.date
    closed_on: dt.date | None
    stage: str
    outputs_released: list[ReleasedOut]


@router.get("/register", response_model=list[RegisteredUseOut])
@not_person_level("the public register of approved data uses: projects and organisations, no person")
def register(db: Db) -> list[RegisteredUseOut]:
    with db.session() as s:
        released = released_outputs(s)
        entries = register_entries(s)
    return [
        RegisteredUseOut(
            **asdict(e),
            outputs_released=[ReleasedOut(**asdict(o)) for o in released.get(e.project_id, [])],
        )
        for e in entries
    ]


@router.get(
    "/agreements/{agreement_id}/odrl",
    response_class=JSONResponse,
    responses={200: {"content": {JSON_LD: {}}}, 404: {"model": ApiError}, 422: {"description": "not a row id"}},
)
@not_person_level("an approved agreement's terms as an ODRL policy: organisations and datasets, no person")
def agreement_odrl(agreement_id: Annotated[int, Path(ge=1, le=2**63 - 1)], db: Db) -> JSONResponse:
    try:
        agreement = Agreements(db).get(agreement_id)
    except UserError:
        agreement = None
    if agreement is None or agreement.approved_at is None:
        return JSONResponse({"error": f"no approved agreement {agreement_id}"}, status_code=404)
    policy = to_odrl(agreement.terms, uid=f"urn:socialdata:agreement:{agreement.id}")
    policy["sdf:status"] = agreement.status.value
    return JSONResponse(policy, media_type=JSON_LD)
