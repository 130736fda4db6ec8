"""The FHIR API's answer to a path or method it does not serve: an OperationOutcome (404, 405) like every other FHIR
error, so a client that misspells a resource type reads why; other paths keep the framework's own answer."""

from __future__ import annotations

from fastapi import Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from socialdata.api.fhir.outcome import operation_outcome

PREFIX = "/fhir"


def _is_fhir(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


async def fhir_http_error(request: Request, error: Exception) -> Response:
    """An HTTP error from routing: an OperationOutcome under /fhir, the framework's answer elsewhere."""
    assert isinstance(error, HTTPException)
    path = request.url.path
    if not _is_fhir(path):
        return await http_exception_handler(request, error)
    if error.status_code == status.HTTP_404_NOT_FOUND:
        code, message = "not-found", f"nothing is served at {path[:100]}; GET /fhir/metadata lists what is"
    elif error.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        code, message = "not-supported", f"{request.method} is not supported at {path[:100]}; this API only reads"
    else:
        code, message = "processing", str(error.detail)
    return operation_outcome(error.status_code, code, message, dict(error.headers or {}))
