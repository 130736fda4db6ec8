"""socialdata: the platform of a Social Data Foundation (see ../shared/DESIGN.md for the map)."""

__version__ = "0.1.0"
