"""The shared care record: a person's joined-up summary and timeline across every partner, each item with where it
came from, and the notes and care-plan entries professionals add — all through the access gate."""

from socialdata.record.api_tokens import IssuedToken, actor_for_token, issue_token
from socialdata.record.audit_reading import AuditPage, read_audit
from socialdata.record.entries import parse_kind
from socialdata.record.filters import TimelineFilter
from socialdata.record.items import KIND_LABELS, Provenance, TimelineItem
from socialdata.record.rows import RECORD_ENTRY
from socialdata.record.service import CareRecord, RecordView, parse_item_ref, parse_person_id
from socialdata.record.summary import Contact, Demographics, RecordSummary, SummaryLine

__all__ = [
    "KIND_LABELS",
    "RECORD_ENTRY",
    "AuditPage",
    "CareRecord",
    "Contact",
    "Demographics",
    "IssuedToken",
    "Provenance",
    "RecordSummary",
    "RecordView",
    "SummaryLine",
    "TimelineFilter",
    "TimelineItem",
    "actor_for_token",
    "issue_token",
    "parse_item_ref",
    "parse_kind",
    "parse_person_id",
    "read_audit",
]
