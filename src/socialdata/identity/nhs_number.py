"""NHS numbers: ten digits, the last a modulus-11 check digit over the first nine."""

from __future__ import annotations

import enum
from dataclasses import dataclass

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


class NhsNumberStatus(enum.StrEnum):
    VALID = "valid"
    MISSING = "missing"
    INVALID = "invalid"


@dataclass(frozen=True)
class NhsNumberCheck:
    """The outcome of checking a received NHS number; `normalised` is set only when it is valid."""

    status: NhsNumberStatus
    normalised: str | None
    problem: str | None = None


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no digit fits (remainder gives 10)."""
    total = sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS, strict=True))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    if digit == 10:
        return None
    return digit


def check_nhs_number(raw: str | None) -> NhsNumberCheck:
    """Spaces and dashes are allowed as written on letters; anything else is reported, not guessed."""
    if raw is None or not raw.strip():
        return NhsNumberCheck(NhsNumberStatus.MISSING, None)
    compact = raw.strip().replace(" ", "").replace("-", "")
    if not compact.isascii() or not compact.isdigit():
        return NhsNumberCheck(NhsNumberStatus.INVALID, None, "contains characters other than digits")
    if len(compact) != 10:
        return NhsNumberCheck(NhsNumberStatus.INVALID, None, f"has {len(compact)} digits, not 10")
    expected = nhs_check_digit(compact[:9])
    if expected is None or expected != int(compact[9]):
        return NhsNumberCheck(NhsNumberStatus.INVALID, None, "fails the modulus-11 check digit")
    return NhsNumberCheck(NhsNumberStatus.VALID, compact)
