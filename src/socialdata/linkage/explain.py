"""Why the model scores a pair as it does: the field-by-field weights a steward reads beside the two records."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from socialdata.linkage.comparisons import COMPARISONS, ComparedPairs, compare
from socialdata.linkage.features import RawColumns, Vocabulary, build_frame
from socialdata.linkage.model import LinkageModel
from socialdata.linkage.records import FieldWeight, LinkRecord, ScoredPair
from socialdata.linkage.scoring import Scorer

_SHOWN = {
    "nhs_number": ("nhs_number",),
    "given_name": ("given_name", "other_given_names"),
    "family_name": ("family_name",),
    "birth_date": ("birth_date",),
    "postcode": ("postcode",),
    "sex": ("sex",),
}


def shown_value(raw: RawColumns, row: int, field: str) -> str | None:
    """The record's value for a compared field as a steward should see it (None when missing)."""
    if field == "birth_date":
        number = int(raw.birth_date[row])
        return None if number < 0 else f"{number // 10000:04d}-{number // 100 % 100:02d}-{number % 100:02d}"
    parts = [str(getattr(raw, column)[row]) for column in _SHOWN[field]]
    text = " / ".join(p for p in parts if p)
    return text or None


def scored_pairs(
    scorer: Scorer,
    compared: ComparedPairs,
    field_weights: npt.NDArray[np.float64],
    rows: npt.NDArray[np.int64],
    left: tuple[RawColumns, npt.NDArray[np.int64]],
    right: tuple[RawColumns, npt.NDArray[np.int64]],
    rules: list[str],
) -> list[ScoredPair]:
    """ScoredPairs (with breakdown) for the chosen compared pairs; keys are ordered so left_key < right_key."""
    result = []
    totals = scorer.match_weights(field_weights[rows])
    (lraw, lrows), (rraw, rrows) = left, right
    prior = FieldWeight("prior", "two records picked at random", None, None, scorer.model.prior_weight)
    for row, total, rule in zip(rows.tolist(), totals.tolist(), rules, strict=True):
        lrow, rrow = int(lrows[row]), int(rrows[row])
        fields = (
            prior,
            *(
                FieldWeight(
                    c.name,
                    c.levels[int(compared.levels[row, i])],
                    shown_value(lraw, lrow, c.name),
                    shown_value(rraw, rrow, c.name),
                    float(field_weights[row, i]),
                )
                for i, c in enumerate(COMPARISONS)
            ),
        )
        lkey, rkey = int(lraw.key[lrow]), int(rraw.key[rrow])
        if lkey > rkey:
            lkey, rkey = rkey, lkey
            fields = tuple(FieldWeight(f.field, f.level, f.right, f.left, f.weight) for f in fields)
        result.append(ScoredPair(lkey, rkey, total, LinkageModel.probability(total), rule, fields))
    return result


def explain(model: LinkageModel, left: LinkRecord, right: LinkRecord) -> ScoredPair:
    """`explain(model, a, b)`: the pair's match weight and its field-by-field FieldWeights (a "prior" entry first;
    together they sum to the match weight), scored exactly as batch and real-time matching score it."""
    vocabulary = Vocabulary()
    raw = RawColumns.from_records([left, right])
    frame = build_frame(raw, vocabulary)
    zero, one = np.array([0], dtype=np.int64), np.array([1], dtype=np.int64)
    compared = compare(frame, zero, frame, one)
    scorer = Scorer.of(model, vocabulary)
    weights = scorer.field_weights(compared)
    return scored_pairs(scorer, compared, weights, zero, (raw, zero), (raw, one), ["explain"])[0]
