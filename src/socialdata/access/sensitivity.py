"""Which items are sensitive, and which roles may see each kind: two small tables, read them before changing either.

An item's category comes from its codes: ICD-10 codes match by prefix (dots ignored, so `F32.1` and `F321` are alike),
SNOMED CT concepts by exact id (SNOMED ids carry no hierarchy in their digits). An item with codes in two categories
takes the stricter one. A sealed item (the person sealed it, or the source flagged it) is SEALED whatever its codes.

| category       | clinician | nurse | gp | social worker | the person |
| -------------- | --------- | ----- | -- | ------------- | ---------- |
| normal         | yes       | yes   | yes| yes           | yes        |
| mental health  | yes       | yes   | yes| yes           | yes        |
| sexual health  | yes       |       | yes|               | yes        |
| safeguarding   | yes       | yes   | yes| yes           |            |
| sealed         |           |       |    |               | yes        |

Safeguarding concerns are kept from the person's own view (reading them could put them at risk); sealed items from
every professional. Roles not in the table (administrator, researcher, …) never reach items through direct care.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable

from socialdata.governance.users import Role

ICD10 = "http://hl7.org/fhir/sid/icd-10"
SNOMED_CT = "http://snomed.info/sct"


class Sensitivity(enum.StrEnum):
    NORMAL = "normal"
    MENTAL_HEALTH = "mental_health"
    SEXUAL_HEALTH = "sexual_health"
    SAFEGUARDING = "safeguarding"
    SEALED = "sealed"


_ALL_CARE = frozenset({Role.CLINICIAN, Role.NURSE, Role.GP, Role.SOCIAL_WORKER})

VISIBLE_TO: dict[Sensitivity, frozenset[Role]] = {
    Sensitivity.NORMAL: _ALL_CARE | {Role.CITIZEN},
    Sensitivity.MENTAL_HEALTH: _ALL_CARE | {Role.CITIZEN},
    Sensitivity.SEXUAL_HEALTH: frozenset({Role.CLINICIAN, Role.GP, Role.CITIZEN}),
    Sensitivity.SAFEGUARDING: _ALL_CARE,
    Sensitivity.SEALED: frozenset({Role.CITIZEN}),
}

# Strictest first: an item coded in two categories is treated as the earlier one.
_STRICTNESS = (Sensitivity.SEALED, Sensitivity.SAFEGUARDING, Sensitivity.SEXUAL_HEALTH, Sensitivity.MENTAL_HEALTH)

ICD10_PREFIXES: dict[Sensitivity, tuple[str, ...]] = {
    # F: mental and behavioural disorders; X60-X84: intentional self-harm; Z915: personal history of self-harm.
    Sensitivity.MENTAL_HEALTH: ("F", "X6", "X7", "X80", "X81", "X82", "X83", "X84", "Z915"),
    # A50-A64: infections with a predominantly sexual mode of transmission; B20-B24, Z21: HIV; O04: medical abortion;
    # Z30: contraceptive management.
    Sensitivity.SEXUAL_HEALTH: (
        "A5",
        "A60",
        "A61",
        "A62",
        "A63",
        "A64",
        "B20",
        "B21",
        "B22",
        "B23",
        "B24",
        "Z21",
        "O04",
        "Z30",
    ),
    # T74: maltreatment syndromes; T76: suspected maltreatment; Y07: perpetrator of maltreatment; Z614-Z616:
    # abuse in childhood.
    Sensitivity.SAFEGUARDING: ("T74", "T76", "Y07", "Z614", "Z615", "Z616"),
}

SNOMED_CONCEPTS: dict[Sensitivity, frozenset[str]] = {
    Sensitivity.MENTAL_HEALTH: frozenset(
        {
            "35489007",  # depressive disorder
            "370143000",  # major depressive disorder
            "197480006",  # anxiety disorder
            "58214004",  # schizophrenia
            "13746004",  # bipolar disorder
            "69322001",  # psychotic disorder
            "47505003",  # post-traumatic stress disorder
            "191736004",  # obsessive-compulsive disorder
            "72366004",  # eating disorder
            "66214007",  # substance abuse
            "7200002",  # alcoholism
            "248062006",  # self-injurious behaviour
        }
    ),
    Sensitivity.SEXUAL_HEALTH: frozenset(
        {
            "86406008",  # human immunodeficiency virus infection
            "165816005",  # HIV positive
            "76272004",  # syphilis
            "15628003",  # gonorrhoea
            "105629000",  # chlamydial infection
            "33839006",  # genital herpes simplex
            "240542006",  # anogenital warts
            "8266001",  # termination of pregnancy (procedure)
            "169553002",  # insertion of subcutaneous contraceptive
        }
    ),
    Sensitivity.SAFEGUARDING: frozenset(
        {
            "397940009",  # victim of abuse
            "95930002",  # victim of physical abuse
            "95932005",  # victim of emotional abuse
            "95931000",  # victim of sexual abuse
            "225826008",  # at risk of abuse
            "1090171000000101",  # victim of domestic abuse (UK extension)
            "713781009",  # subject of adult safeguarding concern
            "417430008",  # vulnerable adult
            "412732008",  # history of domestic violence
            "514331000000104",  # adult safeguarding referral (UK extension)
        }
    ),
}


def _normalised_icd10(code: str) -> str:
    return code.replace(".", "").strip().upper()


@functools.lru_cache(maxsize=65_536)  # every item of every read is categorised; the tables are fixed
def category_of_code(system: str | None, code: str | None) -> Sensitivity:
    """The category one coding puts an item in (NORMAL when the code is in no table)."""
    if not code or not system:
        return Sensitivity.NORMAL
    if system == ICD10:
        icd = _normalised_icd10(code)
        for category in _STRICTNESS:
            if icd.startswith(ICD10_PREFIXES.get(category, ())):
                return category
    elif system == SNOMED_CT:
        for category in _STRICTNESS:
            if code.strip() in SNOMED_CONCEPTS.get(category, frozenset()):
                return category
    return Sensitivity.NORMAL


def categorise(codes: Iterable[tuple[str | None, str | None]], *, sealed: bool = False) -> Sensitivity:
    """The category of an item from all its codings and its sealed flag: the strictest that applies."""
    if sealed:
        return Sensitivity.SEALED
    found = {category_of_code(system, code) for system, code in codes}
    return next((category for category in _STRICTNESS if category in found), Sensitivity.NORMAL)


def may_see(role: Role, category: Sensitivity) -> bool:
    return role in VISIBLE_TO[category]
