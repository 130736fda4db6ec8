"""Where the platform keeps its files and which database it talks to, read from the environment once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str

    @property
    def analytics_path(self) -> Path:
        """The embedded DuckDB file used by linkage and the secure data environment."""
        return self.home / "analytics.duckdb"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """SDF_HOME (default ./.sdf) holds the embedded files; SDF_DATABASE_URL overrides the SQLite default."""
    env = dict(os.environ) if env is None else env
    home = Path(env.get("SDF_HOME") or ".sdf").expanduser().resolve()
    url = env.get("SDF_DATABASE_URL") or f"sqlite:///{home / 'socialdata.db'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return Settings(home=home, database_url=url)
