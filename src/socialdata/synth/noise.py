"""Identity noise as real feeds have it, at documented rates: what makes linking partners' records hard.

Rates are per source person record and come from published data-quality figures where there are any (NHS Digital's
DQMI: NHS number valid in ~99% of hospital records; the ASC CLD pilots: NHS number present for ~70% of social care
clients) and from record-linkage studies of English data (Harron et al. 2017: 1-3% of names mistyped, ~0.5% of dates
of birth with a transposition or swap, nicknames commoner where names are taken by phone or at the front desk).
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

from socialdata.identity.nhs_number import nhs_check_digit
from socialdata.identity.nicknames import nicknames_of


class SourceKind(enum.StrEnum):
    HOSPITAL = "hospital"
    COUNCIL = "council"
    GP = "gp"


class Noise(enum.StrEnum):
    """What makes a source record differ from the truth, or be hard to link: written to truth.csv per record."""

    NAME_TYPO = "name_typo"
    NICKNAME = "nickname"
    NAME_SWAP = "name_swap"  # given and family name in each other's fields
    BIRTH_DAY_MONTH_SWAP = "birth_day_month_swap"
    BIRTH_DATE_TYPO = "birth_date_typo"
    NHS_MISSING = "nhs_missing"
    NHS_MISTYPED = "nhs_mistyped"  # fails the check digit
    NHS_MISTYPED_VALID = "nhs_mistyped_valid"  # another valid number, copied from the wrong document
    OLD_ADDRESS = "old_address"  # the source has not caught up with a house move
    FORMER_NAME = "former_name"  # the surname before a recent marriage
    POSTCODE_TYPO = "postcode_typo"
    DUPLICATE = "duplicate"  # a second record of the same person within one source
    SHARED_NHS_NUMBER = "shared_nhs_number"  # carries another person's (real, valid) NHS number
    DEREGISTERED = "deregistered"  # the old practice's record of someone who moved practice
    TWIN = "twin"  # a twin: same surname, birth date, address and practice as another person
    COMMON_NAME = "common_name"  # one of the many JOHN SMITHs


@dataclass(frozen=True)
class NoiseRates:
    """Per source record, the chance of each error; stale_address and former_name apply to people who moved or
    married recently, duplicate is the chance a person has a second record in the source."""

    name_typo: float
    nickname: float
    name_swap: float
    birth_day_month_swap: float
    birth_date_typo: float
    nhs_missing: float
    nhs_mistyped: float
    stale_address: float
    former_name: float
    postcode_typo: float
    duplicate: float


NOISE_RATES: dict[SourceKind, NoiseRates] = {
    SourceKind.HOSPITAL: NoiseRates(
        name_typo=0.02,
        nickname=0.03,
        name_swap=0.005,
        birth_day_month_swap=0.004,
        birth_date_typo=0.006,
        nhs_missing=0.03,
        nhs_mistyped=0.006,
        stale_address=0.5,
        former_name=0.5,
        postcode_typo=0.008,
        duplicate=0.012,
    ),
    SourceKind.COUNCIL: NoiseRates(
        name_typo=0.03,
        nickname=0.08,
        name_swap=0.01,
        birth_day_month_swap=0.01,
        birth_date_typo=0.01,
        nhs_missing=0.30,
        nhs_mistyped=0.01,
        stale_address=0.35,
        former_name=0.4,
        postcode_typo=0.015,
        duplicate=0.006,
    ),
    SourceKind.GP: NoiseRates(
        name_typo=0.006,
        nickname=0.01,
        name_swap=0.002,
        birth_day_month_swap=0.002,
        birth_date_typo=0.003,
        nhs_missing=0.003,
        nhs_mistyped=0.002,
        stale_address=0.05,
        former_name=0.1,
        postcode_typo=0.003,
        duplicate=0.0,
    ),
}
NHS_MISTYPE_VALID_SHARE = 0.1
"""Of mistyped NHS numbers, the share that are another valid number (copied from the wrong letter). The rest are a
single wrong digit or two adjacent digits swapped, which the modulus-11 check always catches. The 999 prefix is never
touched, so every number in the feeds stays in the test range."""
SHARED_NHS_NUMBER_EVERY = 10_000
"""One person in this many (and at least one per city) has a record carrying a household member's NHS number."""
DUPLICATE_NHS_MISSING = 0.5
"""A duplicate record is usually made when the number was not to hand (an unconscious patient at A&E)."""

_KEYBOARD_NEIGHBOURS = {
    "a": "qsz", "b": "vgn", "c": "xdv", "d": "sfe", "e": "wrd", "f": "dgr", "g": "fht", "h": "gjy", "i": "uok",
    "j": "hku", "k": "jli", "l": "kop", "m": "nj", "n": "bmh", "o": "ipl", "p": "ol", "q": "wa", "r": "etf",
    "s": "adw", "t": "ryg", "u": "yij", "v": "cbf", "w": "qes", "x": "zcs", "y": "tuh", "z": "xa",
}  # fmt: skip


def typo(rng: random.Random, word: str) -> str:
    """One slip of the keyboard: a neighbouring key, a dropped, doubled or transposed letter (never the first)."""
    if len(word) < 3:
        return word + word[-1]
    pos = rng.randint(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0 and word[pos].lower() in _KEYBOARD_NEIGHBOURS:
        return word[:pos] + rng.choice(_KEYBOARD_NEIGHBOURS[word[pos].lower()]) + word[pos + 1 :]
    if kind == 1:
        return word[:pos] + word[pos + 1 :]
    if kind == 2 or pos == len(word) - 1:
        return word[: pos + 1] + word[pos:]
    return word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]


def nickname(rng: random.Random, given: str) -> str | None:
    """A common nickname for the name, or None when it has none."""
    options = sorted(nicknames_of(given))
    return rng.choice(options).title() if options else None


def mistype_nhs_number(rng: random.Random, number: str) -> tuple[str, Noise]:
    """A mistyped copy of a valid NHS number and which kind of mistype it is (see NHS_MISTYPE_VALID_SHARE)."""
    if rng.random() < NHS_MISTYPE_VALID_SHARE:
        while True:
            pos = rng.randint(3, 8)
            nine = number[:pos] + str((int(number[pos]) + rng.randint(1, 9)) % 10) + number[pos + 1 : 9]
            check = nhs_check_digit(nine)
            if check is not None:
                return f"{nine}{check}", Noise.NHS_MISTYPED_VALID
    if rng.random() < 0.5:
        pairs = [p for p in range(3, 9) if number[p] != number[p + 1]]
        if pairs:
            p = rng.choice(pairs)
            return number[:p] + number[p + 1] + number[p] + number[p + 2 :], Noise.NHS_MISTYPED
    pos = rng.randint(3, 9)
    return number[:pos] + str((int(number[pos]) + rng.randint(1, 9)) % 10) + number[pos + 1 :], Noise.NHS_MISTYPED


def mistype_date(rng: random.Random, year: int, month: int, day: int) -> tuple[int, int, int]:
    """A keying slip in a date: digits of the day or year transposed, the year or month off by one.
    Some results are impossible dates (a 29th becomes a 92nd), as in real extracts."""
    kind = rng.randrange(4)
    if kind == 0 and day >= 10 and day % 10 != day // 10:
        return year, month, (day % 10) * 10 + day // 10
    if kind == 1 and (year // 10) % 10 != year % 10:
        return year - year % 100 + (year % 10) * 10 + (year // 10) % 10, month, day
    if kind == 2:
        return year, month % 12 + 1, day
    return year + rng.choice((-1, 1)), month, day


def mistype_postcode(rng: random.Random, postcode: str) -> str:
    """One wrong or transposed character in the inward code (BS7 8AB becomes BS7 8BA or BS7 8AR)."""
    outward, inward = postcode.split()
    if rng.random() < 0.5 and inward[1] != inward[2]:
        return f"{outward} {inward[0]}{inward[2]}{inward[1]}"
    pos = rng.randint(1, 2)
    letter = rng.choice([c for c in "ABDEFGHJLNPQRSTUWXYZ" if c != inward[pos]])
    return f"{outward} {inward[:pos]}{letter}{inward[pos + 1 :]}"
