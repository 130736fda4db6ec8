"""The FHIR R4 API (`/fhir`): Patient read and search, `$everything`, per-patient searches and AuditEvent, behind
bearer tokens and the access gate."""

from socialdata.api.fhir.routes import router

__all__ = ["router"]
