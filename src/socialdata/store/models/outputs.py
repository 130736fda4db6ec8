"""The output airlock: what a researcher asked to release from a job's workspace, the automatic disclosure checks on
each file, the two output checkers' votes, and where a released file was copied to.

A request is reviewed as a whole, per revision: when it is returned, the researcher revises it and a fresh pair of
votes is needed, so a vote on an earlier revision never counts for a later one.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from socialdata.store.models.base import Base
from socialdata.store.types import BigIntId


class OutputRequestStatus(enum.StrEnum):
    AWAITING_REVIEW = "awaiting_review"
    RETURNED = "returned"
    REJECTED = "rejected"
    RELEASED = "released"


class ReviewDecision(enum.StrEnum):
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"


class OutputRequest(Base):
    """A researcher's request to release files a job of their project wrote; reviewed and released as one."""

    __tablename__ = "output_request"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("sde_job.id"))
    title: Mapped[str] = mapped_column(String(200))
    requested_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    requested_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(20), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    revised_at: Mapped[dt.datetime | None]
    decided_at: Mapped[dt.datetime | None]
    released_at: Mapped[dt.datetime | None]


class OutputFile(Base):
    """One file of one revision of a request: its description, the automatic check results, and its released copy
    once released."""

    __tablename__ = "output_file"
    __table_args__ = (UniqueConstraint("request_id", "revision", "name", name="uq_output_file_request_name"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("output_request.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    source_path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    checks: Mapped[dict[str, Any]]
    checks_passed: Mapped[bool] = mapped_column(Boolean)
    released_path: Mapped[str | None] = mapped_column(Text)


class OutputReview(Base):
    """One output checker's vote on one revision of a request; hidden from the other checker until both voted."""

    __tablename__ = "output_review"
    __table_args__ = (UniqueConstraint("request_id", "revision", "reviewer_id", name="uq_output_review_one_vote"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("output_request.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decision: Mapped[str] = mapped_column(String(16))
    comments: Mapped[str] = mapped_column(Text, default="")
    voted_at: Mapped[dt.datetime]
