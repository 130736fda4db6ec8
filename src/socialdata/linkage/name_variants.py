"""The canonical form of a given name, so a nickname agrees with the name it stands for (Bill ~ William)."""

from __future__ import annotations

from socialdata.identity.nicknames import canonical_forms


def canonical_given_name(name: str) -> str:
    """One canonical name (the first alphabetically when a nickname stands for several); the name itself if none."""
    forms = canonical_forms(name)
    return min(forms) if forms else name.upper()
