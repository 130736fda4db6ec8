"""How a long load reports how far it has got, without the loader knowing whether a terminal is watching."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from socialdata.feeds.results import SubmissionResult

PROGRESS_EVERY = 2000  # records between progress reports: often enough for a bar, rare enough to cost nothing


class Progress(Protocol):
    """Receives one start, many advances and one finish per file (the CLI draws a bar or prints plain lines)."""

    def start(self, file: str, total_bytes: int) -> None: ...

    def advance(self, bytes_read: int, records: int) -> None: ...

    def finish(self, result: SubmissionResult) -> None: ...
