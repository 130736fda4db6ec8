"""Per-project pseudonyms: HMAC-SHA256 of the person id under a key that belongs to one project.

The key is made on first use and kept under SDF_HOME/sde/keys (0600), never in an extract, a workspace or a log, so
the same person has unrelated pseudonyms in two projects and their extracts cannot be joined. Rebuilding one project's
extract reuses its key, so a person keeps their pseudonym within the project.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable

from socialdata.config import Settings
from socialdata.sde.paths import keys_dir, private_dir

KEY_BYTES = 32
PSEUDONYM_HEX = 32  # 128 bits: no collision to expect at any population size


def project_key(settings: Settings, project_id: int) -> bytes:
    """The project's key, created (readable by the platform's user only) the first time it is needed."""
    path = private_dir(keys_dir(settings)) / f"project-{project_id}.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as out:
        out.write(secrets.token_bytes(KEY_BYTES))
    return path.read_bytes()


def pseudonymise(key: bytes, person_ids: Iterable[str]) -> list[str]:
    """The pseudonym of each person id, in the same order."""
    return [hmac.new(key, pid.encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX] for pid in person_ids]
