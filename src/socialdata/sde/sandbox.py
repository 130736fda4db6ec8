"""The isolation a job runs in, built from Linux namespaces with `unshare` (no root needed on the host):

- a user namespace (the job is "root" only inside it), a network namespace with no interfaces (no network at all),
  a PID namespace (it sees only its own processes) and a mount namespace in which
- the job's root (after pivot_root, with the host's tree unmounted) is a fresh read-only tmpfs holding only what
  Python needs (the system's /usr and /lib, the interpreter, the virtual environment, the socialdata package),
  all read-only, plus /workspace (the job's own folder, the only writable place besides a small /tmp) and
  /extract/extract.duckdb (the project's extract, read-only).
  Nothing else of the host — the store's database, the pseudonym keys, other projects' extracts and workspaces,
  home directories, /etc — exists inside;
- every capability dropped (bounding set emptied, no-new-privs), so the job cannot undo any of that.

Resource limits (CPU seconds, address space, file size) are set with setrlimit in the child before it starts; the
wall-clock limit and cancel kill the whole process group. When the machine does not allow the namespaces, jobs are
refused rather than run unisolated, and the log says so.
"""

from __future__ import annotations

import functools
import os
import resource
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import socialdata

UNSHARE_FLAGS = ("--user", "--map-root-user", "--net", "--mount", "--pid", "--fork", "--kill-child")
WORKSPACE = "/workspace"
EXTRACT = "/extract/extract.duckdb"
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin")
DEVICES = ("null", "zero", "urandom", "random")
TMP_SIZE = "256m"


@dataclass(frozen=True)
class JobLimits:
    cpu_seconds: int = 900
    memory_bytes: int = 4 * 1024**3
    wall_seconds: int = 1800
    file_bytes: int = 1024**3

    def describe(self) -> str:
        return (
            f"CPU {self.cpu_seconds} s, memory {self.memory_bytes // 1024**2} MiB, wall clock {self.wall_seconds} s,"
            f" largest file {self.file_bytes // 1024**2} MiB"
        )


@dataclass(frozen=True)
class Isolation:
    available: bool
    reason: str  # why not, when not available

    def describe(self, limits: JobLimits) -> list[str]:
        """What the job log says, plainly, about the isolation in force."""
        if not self.available:
            return [
                f"Isolation NOT available on this machine: {self.reason}.",
                "The job was refused: jobs never run without isolation.",
            ]
        return [
            "Isolation in force:",
            "  network: none (own network namespace with no interfaces; sockets cannot reach anything)",
            "  filesystem: own mount namespace; a read-only root holding only the system libraries, Python, the"
            " virtual environment and the socialdata package",
            f"  extract: {EXTRACT}, read-only",
            f"  writable: {WORKSPACE} (this job's workspace, outputs in {WORKSPACE}/outputs) and a {TMP_SIZE} /tmp",
            "  not visible: the store's database, pseudonym keys, other extracts and workspaces, /etc, home folders",
            "  processes: own user namespace (no host privileges), own PID namespace, every capability dropped",
            f"  limits: {limits.describe()}",
            "Not in force: seccomp system-call filtering, cgroup accounting (limits are per-process rlimits).",
        ]


@functools.cache
def probe_isolation() -> Isolation:
    """Whether this machine lets an unprivileged process make the namespaces a job needs (asked once)."""
    unshare = shutil.which("unshare")
    missing = [tool for tool in ("unshare", "setpriv", "pivot_root", "mount") if shutil.which(tool) is None]
    if unshare is None or missing:
        return Isolation(False, f"missing programs: {', '.join(missing)}")
    trial = subprocess.run(  # noqa: S603 (a fixed trial command)
        [unshare, *UNSHARE_FLAGS, "sh", "-c", "mount -t tmpfs tmpfs /mnt"], capture_output=True, text=True, timeout=30
    )
    if trial.returncode != 0:
        return Isolation(False, f"unshare refused: {trial.stderr.strip() or trial.returncode}")
    return Isolation(True, "")


def readable_trees() -> list[str]:
    """The host paths a job may read: system libraries, the interpreter and venv, and the socialdata package."""
    trees = [d for d in SYSTEM_DIRS if Path(d).exists() and not Path(d).is_symlink()]
    for prefix in (sys.base_prefix, sys.prefix, str(Path(socialdata.__file__).resolve().parent)):
        if not any(prefix == t or prefix.startswith(t + "/") for t in trees):
            trees.append(prefix)
    return trees


def _setup_script(root: Path, workspace: Path, extract: Path, inner: list[str]) -> str:
    """The shell run inside the new namespaces: build the job's root, make it read-only, pivot into it, drop every
    capability, exec the job."""
    q = shlex.quote
    r = q(str(root))
    lines = [
        "set -e",
        f"mount -t tmpfs -o size=16m tmpfs {r}",
        # The job's own /tmp first: a checkout (and so its venv) may live under the host's /tmp, and mounting /tmp
        # after binding it would hide the interpreter.
        f"mkdir {r}/tmp",  # noqa: S108 (inside the job's root)
        f"mount -t tmpfs -o size={TMP_SIZE} tmpfs {r}/tmp",  # noqa: S108 (the job's own /tmp, inside its root)
    ]
    for tree in readable_trees():
        target = q(str(root) + tree)
        lines += [f"mkdir -p {target}", f"mount --rbind {q(tree)} {target}", f"mount -o remount,bind,ro {target}"]
    for link in ("/lib", "/lib64", "/bin", "/sbin"):
        if Path(link).is_symlink():
            lines.append(f"ln -s {q(os.readlink(link))} {q(str(root) + link)}")
    lines += [f"mkdir -p {r}/proc {r}/dev {r}{WORKSPACE} {r}/extract", f"mount -t proc proc {r}/proc"]
    for device in DEVICES:
        lines += [f"touch {r}/dev/{device}", f"mount --bind /dev/{device} {r}/dev/{device}"]
    lines += [
        f"mount --bind {q(str(workspace))} {r}{WORKSPACE}",
        f"touch {r}{EXTRACT}",
        f"mount --bind {q(str(extract))} {r}{EXTRACT}",
        f"mount -o remount,bind,ro {r}{EXTRACT}",
        f"mkdir {r}/.host",
        # pivot_root, not chroot: the host's tree is detached from the namespace, so there is nothing to escape to.
        f"cd {r}",
        "pivot_root . .host",
        "umount -l /.host",
        "rmdir /.host",
        "mount -o remount,bind,ro /",
        # The job keeps no capability (it cannot mount, remount, chroot or override file permissions).
        "exec env -i PATH=/usr/bin:/bin HOME=/workspace TMPDIR=/tmp PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1"
        " setpriv --bounding-set=-all --inh-caps=-all --securebits=+noroot,+noroot_locked --no-new-privs --"
        f" sh -c {q('cd ' + WORKSPACE + ' && exec ' + shlex.join(inner))}",
    ]
    return "\n".join(lines)


def sandbox_command(root: Path, workspace: Path, extract: Path, inner: list[str]) -> list[str]:
    """The host command that runs `inner` (paths as seen inside) isolated; `root` is an empty host folder."""
    unshare = shutil.which("unshare") or "unshare"
    return [
        unshare,
        *UNSHARE_FLAGS,
        "--propagation",
        "private",
        "sh",
        "-c",
        _setup_script(root, workspace, extract, inner),
    ]


def limiter(limits: JobLimits) -> Callable[[], None]:
    """What the child runs before exec: its resource limits (its process group comes from start_new_session)."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply
