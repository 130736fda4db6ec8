"""The operational store: models, migrations and the Database that owns every connection."""

from socialdata.store.database import Database
from socialdata.store.models import Base

__all__ = ["Base", "Database"]
