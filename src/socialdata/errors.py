"""Errors meant for a person: what is wrong and where, never a stack trace."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix (a bad file, a missing option, an unknown organisation)."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message
