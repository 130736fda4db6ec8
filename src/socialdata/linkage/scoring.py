"""Match weights from comparison levels: prior plus one log2 Bayes factor per field, common names weighing less."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from socialdata.linkage.comparisons import COMPARISONS, ComparedPairs
from socialdata.linkage.features import Codes, Vocabulary
from socialdata.linkage.model import LinkageModel

Weights = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Scorer:
    """A model bound to a vocabulary: level weight tables and the exact-name weight of every coded name."""

    model: LinkageModel
    table: npt.NDArray[np.float64]  # (comparisons, levels)
    tf_weights: dict[str, npt.NDArray[np.float64]]  # comparison name → exact weight by vocabulary code

    @classmethod
    def of(cls, model: LinkageModel, vocabulary: Vocabulary) -> Scorer:
        width = max(len(c.levels) for c in COMPARISONS)
        table = np.zeros((len(COMPARISONS), width))
        for i, comparison in enumerate(COMPARISONS):
            for level in range(len(comparison.levels)):
                table[i, level] = model.level_weight(comparison, level)
        tf_weights = {}
        for comparison in COMPARISONS:
            if comparison.tf_level is not None and comparison.name in model.term_frequencies:
                frequencies = model.term_frequencies[comparison.name].frequencies
                # Every name the model knows gets its code now, so any code added later (a real-time arrival's
                # new name) is one the model never saw and rightly weighs as rare.
                codes = [vocabulary.code(text) for text in frequencies]
                by_code = np.full(len(vocabulary) + 1, model.tf_weight(comparison, ""))
                for text, code in zip(frequencies, codes, strict=True):
                    by_code[code] = model.tf_weight(comparison, text)
                tf_weights[comparison.name] = by_code
        return cls(model, table, tf_weights)

    def _tf(self, name: str, codes: Codes) -> npt.NDArray[np.float64]:
        by_code = self.tf_weights[name]
        # Codes added to the vocabulary after binding (real-time arrivals) are names the model never saw: rare.
        return by_code[np.where((codes >= 0) & (codes < len(by_code) - 1), codes, len(by_code) - 1)]

    def field_weights(self, pairs: ComparedPairs) -> Weights:
        """(pairs, comparisons) weights; sums with the prior to the match weight."""
        weights = self.table[np.arange(len(COMPARISONS)), pairs.levels.astype(np.int64)]
        for i, comparison in enumerate(COMPARISONS):
            if comparison.tf_level is None or comparison.name not in self.tf_weights:
                continue
            codes = pairs.given_code if comparison.name == "given_name" else pairs.family_code
            exact = pairs.levels[:, i] == comparison.tf_level
            weights[exact, i] = self._tf(comparison.name, codes[exact])
        return weights

    def match_weights(self, field_weights: Weights) -> Weights:
        totals: Weights = self.model.prior_weight + field_weights.sum(axis=1)
        return totals


def probabilities(weights: Weights) -> Weights:
    return 1.0 / (1.0 + np.exp2(-np.clip(weights, -200, 200)))
