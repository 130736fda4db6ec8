"""FHIR errors: every failure of the FHIR API is an OperationOutcome with an HTTP status, never a bare stack trace.

Endpoints raise `FhirError` (or let the gate's AccessDenied / a UserError through); `answered` turns them into the
OperationOutcome response. It sits outside the route guard: an error raised before the gate was asked (no token, a
bad parameter) carries no person data, and one raised after it has already been audited.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import status
from fastapi.responses import JSONResponse

from socialdata.access import AccessDenied
from socialdata.errors import UserError

FHIR_JSON = "application/fhir+json"
F = TypeVar("F", bound=Callable[..., Any])


class FhirError(Exception):
    """A request the FHIR API refuses: the HTTP status, the FHIR issue type and what is wrong."""

    def __init__(self, http_status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.message = message
        self.headers = headers or {}


def fhir_response(resource: dict[str, Any], http_status: int = status.HTTP_200_OK) -> JSONResponse:
    return JSONResponse(resource, status_code=http_status, media_type=FHIR_JSON)


def operation_outcome(http_status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": message}],
    }
    response = fhir_response(body, http_status)
    response.headers.update(headers or {})
    return response


def answered(endpoint: F) -> F:
    """Wrap a FHIR endpoint so its FhirError, AccessDenied and UserError become OperationOutcome responses."""

    @functools.wraps(endpoint)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return endpoint(*args, **kwargs)
        except FhirError as error:
            return operation_outcome(error.http_status, error.code, error.message, error.headers)
        except AccessDenied as denied:
            return operation_outcome(status.HTTP_403_FORBIDDEN, "forbidden", denied.message)
        except UserError as error:
            return operation_outcome(status.HTTP_400_BAD_REQUEST, "invalid", str(error))

    return wrapper  # type: ignore[return-value]
