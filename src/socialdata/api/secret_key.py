"""The key that signs session cookies: SDF_SECRET_KEY, or one generated once into SDF_HOME, readable by the owner only.

The key is never written to the repository or a log; deleting the file logs everyone out.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from socialdata.config import Settings
from socialdata.errors import UserError

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
MIN_KEY_LENGTH = 32


def load_secret_key(settings: Settings, env: dict[str, str] | None = None) -> str:
    env = dict(os.environ) if env is None else env
    configured = env.get("SDF_SECRET_KEY")
    if configured:
        if len(configured) < MIN_KEY_LENGTH:
            raise UserError(f"SDF_SECRET_KEY must be at least {MIN_KEY_LENGTH} characters long", where="SDF_SECRET_KEY")
        return configured
    return _stored_key(settings.home / SECRET_KEY_FILE)


def _stored_key(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written aside then linked into place: of two processes starting at once, one key wins and both read it.
        fd, aside = tempfile.mkstemp(dir=path.parent, prefix=".secret-")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(secrets.token_urlsafe(48) + "\n")
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(aside)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_KEY_LENGTH:
        raise UserError("the stored session key is empty or too short; delete it to make a new one", where=str(path))
    return key
