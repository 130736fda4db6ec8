"""Ingestion of partner feeds: FHIR R4 transaction Bundles and CSV extracts, validated, quarantined, idempotent."""

from socialdata.feeds.ingest import ingest_path
from socialdata.feeds.progress import Progress
from socialdata.feeds.results import ResultStatus, SubmissionResult

__all__ = ["Progress", "ResultStatus", "SubmissionResult", "ingest_path"]
