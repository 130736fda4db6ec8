"""The web application: FastAPI serving the server-rendered pages now, the platform and FHIR APIs later."""

from socialdata.api.app import create_app

__all__ = ["create_app"]
