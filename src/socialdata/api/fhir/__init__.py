"""The FHIR R4 API (`/fhir`): Patient read and search, `$everything`, per-patient searches and AuditEvent, behind
bearer tokens and the access gate."""

from socialdata.api.fhir.not_found import fhir_http_error
from socialdata.api.fhir.routes import router

__all__ = ["fhir_http_error", "router"]
