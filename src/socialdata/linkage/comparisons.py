"""How two records compare, field by field, as ordered agreement levels (level 0 = a side is missing).

One vectorised implementation serves batch linkage (millions of pairs) and the real-time matcher (a few hundred),
so both give a pair exactly the same levels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from socialdata.linkage.features import MISSING, Codes, FeatureFrame

PARALLEL_FROM = 10_000  # pairs
FUZZY_NAME = 0.88  # Jaro-Winkler similarity at or above which two names count as a near miss


@dataclass(frozen=True)
class Comparison:
    """A field compared at ordered levels; `tf_level`'s weight is adjusted for how common the value is."""

    name: str
    levels: tuple[str, ...]  # levels[0] is always "missing"
    tf_level: int | None = None

    def level(self, name: str) -> int:
        return self.levels.index(name)


NHS = Comparison("nhs_number", ("missing", "exact", "one_edit", "different"))
GIVEN = Comparison(
    "given_name",
    ("missing", "exact", "nickname", "swapped", "other_given_name", "fuzzy", "phonetic", "different"),
    tf_level=1,
)
FAMILY = Comparison("family_name", ("missing", "exact", "swapped", "fuzzy", "phonetic", "different"), tf_level=1)
BIRTH = Comparison("birth_date", ("missing", "exact", "day_month_swapped", "two_of_three_parts", "different"))
POSTCODE = Comparison("postcode", ("missing", "exact", "sector", "district", "different"))
SEX = Comparison("sex", ("missing", "exact", "different"))
COMPARISONS: tuple[Comparison, ...] = (NHS, GIVEN, FAMILY, BIRTH, POSTCODE, SEX)

Levels = npt.NDArray[np.int8]  # (pairs, comparisons)


@dataclass(frozen=True)
class ComparedPairs:
    """Levels of each pair, plus the codes whose frequency adjusts the exact-name weights."""

    levels: Levels
    valid_nhs_numbers: npt.NDArray[np.bool_]  # both sides carry a number passing the NHS check digit
    given_code: Codes
    family_code: Codes

    def column(self, comparison: Comparison) -> Levels:
        return self.levels[:, COMPARISONS.index(comparison)]


def _choose(n: int, known: npt.NDArray[np.bool_], conditions: list[npt.NDArray[np.bool_]]) -> Levels:
    """First true condition gives the level (1-based); none true gives the last level; a missing side gives 0."""
    out = np.full(n, len(conditions) + 1, dtype=np.int8)
    for level in range(len(conditions), 0, -1):
        out[conditions[level - 1]] = level
    out[~known] = 0
    return out


def _workers(pairs: int) -> int:
    """All cores for batch work; one for a real-time query, where starting threads costs more than it saves."""
    return -1 if pairs > PARALLEL_FROM else 1


def _similarity(
    left: npt.NDArray[np.object_], right: npt.NDArray[np.object_], todo: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64]:
    result = np.zeros(len(left), dtype=np.float64)
    if todo.any():
        result[todo] = process.cpdist(
            left[todo].tolist(),
            right[todo].tolist(),
            scorer=JaroWinkler.normalized_similarity,
            score_cutoff=FUZZY_NAME,
            workers=_workers(int(todo.sum())),
        ).ravel()
    return result


def _distance(
    left: npt.NDArray[np.object_], right: npt.NDArray[np.object_], todo: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int64]:
    result = np.full(len(left), 99, dtype=np.int64)
    if todo.any():
        result[todo] = process.cpdist(
            left[todo].tolist(),
            right[todo].tolist(),
            scorer=DamerauLevenshtein.distance,
            score_cutoff=1,
            workers=_workers(int(todo.sum())),
        ).ravel()
    return result


def one_edit_apart(left: str, right: str) -> bool:
    """Two identifiers one typo apart (a digit changed, dropped, added or two swapped)."""
    return bool(DamerauLevenshtein.distance(left, right) <= 1)


def compare(a: FeatureFrame, ai: npt.NDArray[np.int64], b: FeatureFrame, bi: npt.NDArray[np.int64]) -> ComparedPairs:
    """Levels of the pairs (a[ai[k]], b[bi[k]]); a and b share one Vocabulary (and are often the same frame)."""
    n = len(ai)

    def col(name: str) -> tuple[Codes, Codes]:
        return getattr(a, name)[ai], getattr(b, name)[bi]

    def both(x: Codes, y: Codes) -> npt.NDArray[np.bool_]:
        present: npt.NDArray[np.bool_] = (x != MISSING) & (y != MISSING)
        return present

    nhs_l, nhs_r = col("nhs")
    nhs_known = both(nhs_l, nhs_r)
    nhs_edits = _distance(a.nhs_text[ai], b.nhs_text[bi], nhs_known & (nhs_l != nhs_r))
    nhs = _choose(n, nhs_known, [nhs_l == nhs_r, nhs_edits <= 1])

    g_l, g_r = col("given")
    gc_l, gc_r = col("given_canonical")
    gp_l, gp_r = col("given_phonetic")
    f_l, f_r = col("family_canonical")
    fn_l, fn_r = col("family")
    fp_l, fp_r = col("family_phonetic")
    o_l, o_r = col("other_given")
    swapped = ((g_l == fn_r) & (fn_l == g_r)) & both(g_l, fn_r) & both(fn_l, g_r)
    given_exact = g_l == g_r
    given_near = ~given_exact & ~(gc_l == gc_r) & ~swapped
    given_sim = _similarity(a.given_text[ai], b.given_text[bi], given_near & both(g_l, g_r))
    other = ((o_l != MISSING) & (o_l == gc_r)) | ((o_r != MISSING) & (o_r == gc_l))
    given = _choose(
        n,
        both(g_l, g_r),
        [given_exact, gc_l == gc_r, swapped, other, given_sim >= FUZZY_NAME, gp_l == gp_r],
    )

    family_exact = f_l == f_r
    family_sim = _similarity(a.family_text[ai], b.family_text[bi], ~family_exact & ~swapped & both(f_l, f_r))
    family = _choose(n, both(f_l, f_r), [family_exact, swapped, family_sim >= FUZZY_NAME, fp_l == fp_r])

    d_l, d_r = col("birth_date")
    y_l, m_l, dd_l = d_l // 10000, d_l // 100 % 100, d_l % 100
    y_r, m_r, dd_r = d_r // 10000, d_r // 100 % 100, d_r % 100
    parts_equal = (y_l == y_r).astype(np.int8) + (m_l == m_r) + (dd_l == dd_r)
    birth = _choose(
        n,
        both(d_l, d_r),
        [d_l == d_r, (y_l == y_r) & (m_l == dd_r) & (dd_l == m_r), parts_equal == 2],
    )

    p_l, p_r = col("postcode")
    ps_l, ps_r = col("postcode_sector")
    pd_l, pd_r = col("postcode_district")
    postcode = _choose(
        n, both(p_l, p_r), [p_l == p_r, (ps_l == ps_r) & both(ps_l, ps_r), (pd_l == pd_r) & both(pd_l, pd_r)]
    )

    s_l, s_r = col("sex")
    sex = _choose(n, both(s_l, s_r), [s_l == s_r])
    levels = np.column_stack([nhs, given, family, birth, postcode, sex])
    return ComparedPairs(levels, a.nhs_valid[ai] & b.nhs_valid[bi], g_l, f_l)


@dataclass(frozen=True)
class PairFlags:
    """Rules on top of the weights: the deterministic link, and the evidence that two records are different people."""

    deterministic: npt.NDArray[np.bool_]  # same valid NHS number and same birth date
    possible_twins: npt.NDArray[np.bool_]  # same family name and birth date, different given names, no NHS number
    identified: npt.NDArray[np.bool_]  # some identifier beyond the name agrees (NHS number, birth date or postcode)
    clearly_different: npt.NDArray[np.bool_]  # never in one cluster: valid NHS numbers more than a typo apart, twins,
    # or (NHS numbers not agreeing) both a different birth date and a different given name

    @classmethod
    def of(cls, pairs: ComparedPairs) -> PairFlags:
        nhs, given = pairs.column(NHS), pairs.column(GIVEN)
        family, birth, postcode = pairs.column(FAMILY), pairs.column(BIRTH), pairs.column(POSTCODE)
        nhs_agrees = np.isin(nhs, [NHS.level("exact"), NHS.level("one_edit")])
        # With valid NHS numbers on both sides, twins are told apart by them; the guard is for a missing one.
        twins = (
            (nhs == NHS.level("missing"))
            & (given == GIVEN.level("different"))
            & (birth == BIRTH.level("exact"))
            & np.isin(family, [FAMILY.level("exact"), FAMILY.level("fuzzy"), FAMILY.level("phonetic")])
        )
        identified = (
            (nhs == NHS.level("exact"))
            | np.isin(
                birth, [BIRTH.level("exact"), BIRTH.level("day_month_swapped"), BIRTH.level("two_of_three_parts")]
            )
            | np.isin(postcode, [POSTCODE.level("exact"), POSTCODE.level("sector")])
        )
        different = (
            ((nhs == NHS.level("different")) & pairs.valid_nhs_numbers)
            | twins
            | ((birth == BIRTH.level("different")) & (given == GIVEN.level("different")) & ~nhs_agrees)
        )
        return cls(
            deterministic=(nhs == NHS.level("exact")) & (birth == BIRTH.level("exact")),
            possible_twins=twins,
            identified=identified,
            clearly_different=different,
        )
