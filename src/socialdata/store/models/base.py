"""The declarative base every table of the operational store hangs on, with naming rules Alembic can rely on."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import ForeignKey, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from socialdata.store.types import JsonDoc, UtcDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JsonDoc,
        list[str]: JsonDoc,
        dt.datetime: UtcDateTime,
    }


class ProvenanceMixin:
    """Where a fact came from: the partner, the submission that carried it, when it was loaded, the source's own id."""

    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("feed_submission.id"), index=True)
    loaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    source_id: Mapped[str] = mapped_column(String(128))
