"""What the citizen portal keeps: items a professional withheld from the person's own view (with the reason), the
person's requests to correct an item (the owning partner's decision, and the statement kept with the item), and the
Foundation's own choices (being contacted about research)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from socialdata.store.models.base import Base
from socialdata.store.types import BigIntId


class WithholdingReason(enum.StrEnum):
    THIRD_PARTY = "third_party"  # it is about someone else, who has not agreed to it being shown
    SERIOUS_HARM = "serious_harm"  # showing it is likely to cause serious harm to the person or someone else


class CorrectionStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class WithheldItem(Base):
    """One item of a person's record kept from their own view by a professional, saying why; `released_at` ends it."""

    __tablename__ = "withheld_item"
    __table_args__ = (Index("ix_withheld_item_person", "person_id", "released_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"))
    item_type: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int] = mapped_column(BigInteger)
    reason_code: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    withheld_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    withheld_at: Mapped[dt.datetime]
    released_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    released_at: Mapped[dt.datetime | None]


class CorrectionRequest(Base):
    """The person asks the partner that holds an item to correct it; the partner accepts or declines with a reason.
    Either way the person's own words stay attached to the item (an opinion is never rewritten)."""

    __tablename__ = "correction_request"
    __table_args__ = (Index("ix_correction_request_queue", "organisation_id", "status"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    item_type: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int] = mapped_column(BigInteger)
    item_title: Mapped[str] = mapped_column(Text)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    statement: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=CorrectionStatus.OPEN)
    requested_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[dt.datetime]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)


class FoundationChoice(Base):
    """The person's choices about the Foundation itself (beyond the national opt-out): may we contact you about
    research you could take part in?"""

    __tablename__ = "foundation_choice"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), primary_key=True)
    research_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[dt.datetime]
    changed_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
