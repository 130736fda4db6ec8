"""What governance keeps: data sharing agreements (machine-readable policies with a lifecycle), projects (Five Safes
applications with stages), their members, and researchers' training and accreditation.

Every step of an agreement's or a project's lifecycle keeps who took it and when, so the public register and the audit
log can say who approved what.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from socialdata.store.models.base import Base
from socialdata.store.types import BigIntId, utcnow


class AgreementStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    STEWARD_REVIEWED = "steward_reviewed"
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"
    REJECTED = "rejected"


class ProjectStage(enum.StrEnum):
    ENQUIRY = "enquiry"
    APPLICATION = "application"
    REVIEW = "review"
    APPROVED = "approved"
    ACCESS = "access"
    CLOSED = "closed"
    REJECTED = "rejected"


class DataSharingAgreement(Base):
    """An agreement between partners to share named datasets and fields for one purpose, on a legal basis, under
    conditions, for a fixed time; only an active agreement within its dates lets data be used."""

    __tablename__ = "data_sharing_agreement"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), index=True, default=AgreementStatus.DRAFT)
    parties: Mapped[list[str]]
    datasets: Mapped[dict[str, Any]]
    conditions: Mapped[list[str]]
    legal_basis_article6: Mapped[str] = mapped_column(String(64))
    legal_basis_article9: Mapped[str | None] = mapped_column(String(64))
    confidentiality_basis: Mapped[str] = mapped_column(String(64))
    value_terms: Mapped[dict[str, Any] | None]
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    created_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    steward_reviewed_at: Mapped[dt.datetime | None]
    steward_reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[dt.datetime | None]
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ended_at: Mapped[dt.datetime | None]
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    end_reason: Mapped[str | None] = mapped_column(Text)


class Project(Base):
    """A Five Safes application: who (members), why (purpose, lay summary, public benefit), what data (datasets,
    fields and why each), under which agreement, and the output rules; moved through its stages by the right roles."""

    __tablename__ = "project"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    lead_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("data_sharing_agreement.id"))
    stage: Mapped[str] = mapped_column(String(32), index=True, default=ProjectStage.ENQUIRY)
    lay_summary: Mapped[str] = mapped_column(Text, default="")
    public_benefit: Mapped[str] = mapped_column(Text, default="")
    datasets: Mapped[dict[str, Any]]
    field_justifications: Mapped[dict[str, Any]]
    apply_national_opt_out: Mapped[bool] = mapped_column(Boolean, default=True)
    opt_out_exemption: Mapped[str | None] = mapped_column(Text)
    date_coarsening: Mapped[str] = mapped_column(String(16), default="none")
    min_cell_count: Mapped[int] = mapped_column(Integer, default=10)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[dt.datetime | None]
    reviewed_at: Mapped[dt.datetime | None]
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    review_note: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[dt.datetime | None]
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    access_from: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closure_note: Mapped[str | None] = mapped_column(Text)
    extract_deleted_at: Mapped[dt.datetime | None]
    rejected_at: Mapped[dt.datetime | None]
    rejected_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    rejection_reason: Mapped[str | None] = mapped_column(Text)


class ProjectMember(Base):
    """A named researcher on a project: its lead or an analyst (safe people)."""

    __tablename__ = "project_member"

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ResearcherAccreditation(Base):
    """A researcher's information-governance training and accredited-researcher status, with the dates they lapse:
    a project is approved only when every member's training is valid that day."""

    __tablename__ = "researcher_accreditation"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    training: Mapped[str] = mapped_column(String(200))
    training_completed_on: Mapped[dt.date]
    training_expires_on: Mapped[dt.date]
    accreditation: Mapped[str | None] = mapped_column(String(200))
    accredited_on: Mapped[dt.date | None]
    accreditation_expires_on: Mapped[dt.date | None]
    recorded_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
