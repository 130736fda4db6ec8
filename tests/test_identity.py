"""Identifier parsing: what is valid is accepted in its written forms, and what is not says why."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from socialdata.identity import (
    DateProblem,
    NhsNumberStatus,
    check_nhs_number,
    nhs_check_digit,
    normalise_name,
    parse_date,
    parse_postcode,
)
from socialdata.identity.dates import parse_datetime


@given(st.integers(min_value=0, max_value=999_999).map(lambda n: f"999{n:06d}"))
def test_every_test_range_number_with_its_check_digit_is_valid_and_any_other_digit_is_not(first_nine: str) -> None:
    digit = nhs_check_digit(first_nine)
    if digit is None:
        for d in range(10):
            assert check_nhs_number(first_nine + str(d)).status is NhsNumberStatus.INVALID
        return
    good = check_nhs_number(f"{first_nine[:3]} {first_nine[3:6]} {first_nine[6:]}{digit}")
    assert good.status is NhsNumberStatus.VALID and good.normalised == first_nine + str(digit)
    wrong = (digit + 1) % 10
    bad = check_nhs_number(first_nine + str(wrong))
    assert bad.status is NhsNumberStatus.INVALID and bad.problem == "fails the modulus-11 check digit"


def test_nhs_number_problems_are_named() -> None:
    assert check_nhs_number(None).status is NhsNumberStatus.MISSING
    assert check_nhs_number("  ").status is NhsNumberStatus.MISSING
    assert check_nhs_number("99912345").problem == "has 8 digits, not 10"
    assert check_nhs_number("999123456X").problem == "contains characters other than digits"


def test_dates_in_both_partner_forms_and_their_problems() -> None:
    today = dt.date(2026, 11, 23)
    assert parse_date("1950-03-04", today=today) == dt.date(1950, 3, 4)
    assert parse_date("04/03/1950", today=today) == dt.date(1950, 3, 4)
    assert parse_date("", today=today) is None
    impossible = parse_date("31/02/1950", today=today)
    assert isinstance(impossible, DateProblem) and "not a real date" in impossible.message
    future = parse_date("2030-01-01", today=today)
    assert isinstance(future, DateProblem) and "in the future" in future.message
    assert isinstance(parse_date("1850-01-01", today=today), DateProblem)
    assert isinstance(parse_date("March 4th", today=today), DateProblem)


def test_datetimes_are_utc_aware() -> None:
    value = parse_datetime("2026-01-02T10:00:00+01:00")
    assert isinstance(value, dt.datetime) and value.utcoffset() == dt.timedelta(hours=1)
    bare = parse_datetime("2026-01-02")
    assert isinstance(bare, dt.datetime) and bare.tzinfo is dt.UTC
    assert isinstance(parse_datetime("yesterday"), DateProblem)


def test_postcodes_are_normalised_and_split() -> None:
    pc = parse_postcode(" bs7  8ab ")
    assert pc is not None and str(pc) == "BS7 8AB"
    assert (pc.area, pc.district, pc.sector) == ("BS", "BS7", "BS7 8")
    long_form = parse_postcode("EC1A1BB")
    assert long_form is not None and str(long_form) == "EC1A 1BB"
    assert parse_postcode("not a postcode") is None
    assert parse_postcode(None) is None


def test_names_fold_accents_and_punctuation() -> None:
    assert normalise_name("  Zoë  O'Neil-Smith ") == "ZOE ONEIL SMITH"
    assert normalise_name("'; DROP TABLE") == "DROP TABLE"
    assert normalise_name("---") is None
