"""Builds the web application: one Database, signed session cookies, security headers, static files, the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, status
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from socialdata.api import audit_routes, catalogue_routes, fhir, governance_routes, health
from socialdata.api.secret_key import load_secret_key
from socialdata.api.security_headers import SecurityHeadersMiddleware
from socialdata.audit import sequencing_in_background
from socialdata.config import Settings, load_settings
from socialdata.store import Database
from socialdata.web.pages import PAGE_ROUTERS
from socialdata.web.session import CsrfRejected
from socialdata.web.templating import STATIC_DIR, templates

SESSION_COOKIE = "sdf_session"
SESSION_HOURS = 8

# Every router the app serves; each area (pages, audit, FHIR, later the platform API) adds its router here.
ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    audit_routes.router,
    fhir.router,
    catalogue_routes.router,
    governance_routes.router,
    *PAGE_ROUTERS,
)


async def _csrf_rejected(request: Request, _exc: Exception) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "pages/error.html",
        {
            "title": "This form has expired",
            "message": "The form was not sent from this site's own page, or it is too old. Go back, reload the page"
            " and try again.",
        },
        status_code=status.HTTP_403_FORBIDDEN,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    db = Database(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with sequencing_in_background(db):  # the audit log's maximum merge delay: SDF_AUDIT_SEQUENCE_SECONDS
            yield
        db.dispose()

    # No /docs or /redoc: they load their scripts from a CDN, and everything here is served locally.
    app = FastAPI(
        title="socialdata",
        summary="Social Data Foundation platform",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.db = db
    app.state.settings = settings
    app.add_middleware(
        SessionMiddleware,
        secret_key=load_secret_key(settings),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_exception_handler(CsrfRejected, _csrf_rejected)
    app.add_exception_handler(StarletteHTTPException, fhir.fhir_http_error)  # OperationOutcomes under /fhir only
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)
    return app
