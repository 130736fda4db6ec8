"""The secure data environment's records: each project extract built, who was in it, and each job run against it.

`extract_member` is what the citizen's "how my data was used" page reads: one row per person per extract.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from socialdata.store.models.base import Base
from socialdata.store.types import BigIntId, utcnow


class ExtractStatus(enum.StrEnum):
    BUILT = "built"
    DELETED = "deleted"


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ProjectExtract(Base):
    """One build of a project's extract: where its file is, how many people it holds, how many opt-outs it left out."""

    __tablename__ = "project_extract"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    built_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    built_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    path: Mapped[str] = mapped_column(String(1000))
    people: Mapped[int] = mapped_column(Integer, default=0)
    opted_out_excluded: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=ExtractStatus.BUILT)
    deleted_at: Mapped[dt.datetime | None]


class ExtractMember(Base):
    """A person whose data went into an extract (their person id, never the project's pseudonym)."""

    __tablename__ = "extract_member"
    __table_args__ = (Index("ix_extract_member_person", "person_id"),)

    extract_id: Mapped[int] = mapped_column(ForeignKey("project_extract.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), primary_key=True)


class SdeJob(Base):
    """A researcher's dataset definition and analysis script, run in isolation against the project's extract."""

    __tablename__ = "sde_job"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    submitted_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # The extract the job ran against (the project's newest built one when it was submitted).
    extract_id: Mapped[int | None] = mapped_column(ForeignKey("project_extract.id"))
    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    isolation: Mapped[str | None] = mapped_column(Text)
    exit_code: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    # The supervising process group while the job runs, so a cancel from any process can end it.
    pid: Mapped[int | None] = mapped_column(Integer)
