"""Alembic environment: runs against the engine the Database hands over (never a URL in a config file)."""

from __future__ import annotations

from alembic import context

from socialdata.store.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
    )
    context.run_migrations()
