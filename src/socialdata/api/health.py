"""/healthz: a JSON answer for scripts and load balancers — is the app up, and can it reach a migrated store?"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from socialdata.store import Database
from socialdata.web.app_state import database

router = APIRouter()


class Health(BaseModel):
    status: str
    database: str
    schema_ready: bool


@router.get("/healthz", response_model=Health)
def healthz(db: Annotated[Database, Depends(database)]) -> JSONResponse:
    try:
        ready = db.is_initialised()
    except SQLAlchemyError:
        ready = False
    body = Health(status="ok" if ready else "unavailable", database=db.dialect, schema_ready=ready)
    code = status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE
    return JSONResponse(body.model_dump(), status_code=code)
