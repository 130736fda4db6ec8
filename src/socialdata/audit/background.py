"""Sequencing and signing in the background while the web app serves: this loop's interval is the log's maximum
merge delay, how long a committed event waits for a leaf index and a signed tree head that covers it.

`SDF_AUDIT_SEQUENCE_SECONDS` sets it (default 1). Rounds look only at event ids above those already sequenced (less
`LOOKBACK_IDS`), and every `FULL_SWEEP_EVERY`-th round at all of them, so an event whose transaction stayed open while
more than LOOKBACK_IDS newer ones were sequenced waits at most that many intervals. Each round runs in a worker thread
so requests are never blocked; a round that fails (say, a tampered head the log refuses to extend) is logged and the
next one tries again, because the app must keep serving and `sdf audit verify` says what is wrong.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Mapping

from socialdata.audit.heads import publish_tree_head
from socialdata.audit.signing import load_signing_key
from socialdata.errors import UserError
from socialdata.store import Database

ENV = "SDF_AUDIT_SEQUENCE_SECONDS"
DEFAULT_SECONDS = 1.0
LOOKBACK_IDS = 1_000  # ids below the highest sequenced that a round looks at again, for late commits
FULL_SWEEP_EVERY = 60
_log = logging.getLogger(__name__)


def sequence_interval(env: Mapping[str, str] | None = None) -> float:
    """Seconds between rounds, from SDF_AUDIT_SEQUENCE_SECONDS; a value that is not a positive number is refused."""
    raw = (os.environ if env is None else env).get(ENV, "").strip()
    if not raw:
        return DEFAULT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise UserError(f"must be a number of seconds above 0 and at most 3600, not {raw[:40]!r}", where=ENV)
    return seconds


def _round(db: Database, full: bool) -> None:
    try:
        publish_tree_head(db, load_signing_key(db.settings.home), lookback=None if full else LOOKBACK_IDS)
    except Exception:
        _log.exception("audit sequencing round failed")


async def _loop(db: Database, seconds: float, stop: asyncio.Event) -> None:
    rounds = 0
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
        rounds += 1
        # the last round, on shutdown, is a full sweep, so nothing waits for the next start
        await asyncio.to_thread(_round, db, rounds % FULL_SWEEP_EVERY == 0 or stop.is_set())


@contextlib.asynccontextmanager
async def sequencing_in_background(db: Database, seconds: float | None = None) -> AsyncIterator[None]:
    """Run rounds every `seconds` (default from the environment) until the block ends, then finish the current one."""
    stop = asyncio.Event()
    task = asyncio.create_task(_loop(db, seconds or sequence_interval(), stop))
    try:
        yield
    finally:
        stop.set()
        await task
