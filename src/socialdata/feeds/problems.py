"""The two ways a submission goes wrong: a record that cannot be read, or a file that cannot be read at all."""

from __future__ import annotations

from socialdata.errors import UserError


class RecordProblem(Exception):
    """One record cannot be interpreted; it goes to quarantine and the rest of the file loads."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class FileRejected(UserError):
    """The file cannot be read at all; the submission is recorded as rejected and nothing else is written."""

    def __init__(self, message: str, *, where: str, field: str | None = None) -> None:
        super().__init__(message, where=where)
        self.field = field
