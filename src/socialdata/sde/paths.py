"""Where the secure data environment keeps its files under SDF_HOME: extracts, per-project keys, job workspaces.

Keys live apart from extracts and workspaces so that nothing a job can see holds a key.
"""

from __future__ import annotations

from pathlib import Path

from socialdata.config import Settings

# The example dataset definition and analysis script the demo researcher can run (shown on the project page).
EXAMPLES = Path(__file__).parent / "examples"


def sde_home(settings: Settings) -> Path:
    return settings.home / "sde"


def keys_dir(settings: Settings) -> Path:
    return sde_home(settings) / "keys"


def extracts_dir(settings: Settings, project_id: int) -> Path:
    return sde_home(settings) / "extracts" / f"project-{project_id}"


def jobs_dir(settings: Settings) -> Path:
    return sde_home(settings) / "jobs"


def private_dir(path: Path) -> Path:
    """Make a directory (and its parents) readable by the platform's own user only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path
