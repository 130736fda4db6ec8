"""Parsing and normalising the identifiers that say who a record is about."""

from socialdata.identity.dates import DateProblem, parse_date
from socialdata.identity.names import normalise_name
from socialdata.identity.nhs_number import NhsNumberStatus, check_nhs_number, nhs_check_digit
from socialdata.identity.postcode import Postcode, parse_postcode

__all__ = [
    "DateProblem",
    "NhsNumberStatus",
    "Postcode",
    "check_nhs_number",
    "nhs_check_digit",
    "normalise_name",
    "parse_date",
    "parse_postcode",
]
