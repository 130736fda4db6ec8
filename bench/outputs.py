"""Output checking benchmark: the same suppressed crosstabs through our checks and through ACRO, in one run.

    .venv/bin/python bench/outputs.py                      # 800,000 rows, 24 areas x 18 age bands (432 cells)
    .venv/bin/python bench/outputs.py --rows 100000 --repeats 3

Two tables over the same synthetic rows: a frequency crosstab (people by area and age band) and a magnitude crosstab
(mean care cost by area and age band), each built, checked and suppressed from row-level data — ours with
`tabulate` + `cell_masks` + `suppress` (which also adds totals and secondary suppression, work ACRO does not do),
ACRO's with `ACRO(suppress=True).crosstab(...)`. Some cells are made small on purpose and some dominated by one large
cost. Both sides use ACRO's default rules (threshold 10, (n,k) = (2, 0.9), p = 0.1, every zero disclosive).
Decisions are compared cell by cell, rule by rule (ACRO's MinimumThresholdCheck against our min_cell_count or
disclosive-zero cells, NKCheck against dominance_nk, PPercentCheck against p_percent, PresenceOfZeroCheck against
disclosive_zeros) and on the overall verdict (is the cell suppressed). Any disagreement is printed. Times are
medians of --repeats runs; results go to bench/results/outputs.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from socialdata.outputs.cell_checks import CellMasks, cell_masks
from socialdata.outputs.rules import DisclosureRules, ZeroPolicy
from socialdata.outputs.suppression import suppress
from socialdata.outputs.tables import CellTable, tabulate

RESULTS = Path(__file__).parent / "results" / "outputs.json"
ACRO_RULES = DisclosureRules(min_cell_count=10, nk_k=0.9, p_ratio=0.1, zeros=ZeroPolicy.ALL)
# Our rule names beside ACRO's check names (the overall verdict is compared too).
RULE_PAIRS = {
    "MinimumThresholdCheck": "small_or_zero",
    "NKCheck": "nk",
    "PPercentCheck": "p_ratio",
    "PresenceOfZeroCheck": "zeros",
}


def synthetic_rows(rows: int, areas: int, bands: int, seed: int) -> pd.DataFrame:
    """People with an area, an age band and a yearly care cost; a few cells made small, a few dominated."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "area": rng.integers(0, areas, rows),
            "age_band": rng.integers(0, bands, rows),
            "cost": rng.lognormal(7, 1, rows).round(2),
        }
    )
    # Small cells: move all but a handful of people out of some (area, band) cells.
    for cell, keep in enumerate((0, 1, 3, 7, 9, 12)):
        area, band = cell * 3 % areas, cell * 5 % bands
        inside = np.flatnonzero((frame["area"] == area) & (frame["age_band"] == band))
        frame.loc[inside[keep:], "age_band"] = (band + 1) % bands
    # Dominated cells: one person's cost dwarfs the rest of a small-ish cell.
    for cell in range(4):
        area, band = (cell * 7 + 1) % areas, (cell * 3 + 2) % bands
        inside = np.flatnonzero((frame["area"] == area) & (frame["age_band"] == band))
        frame.loc[inside[0], "cost"] = 1e9
    return frame


def ours(frame: pd.DataFrame, values: str | None) -> tuple[CellTable, CellMasks, CellTable]:
    table = tabulate(frame, "area", "age_band", values)
    masks = cell_masks(table, ACRO_RULES)
    return table, masks, suppress(table, rules=ACRO_RULES)


def theirs(frame: pd.DataFrame, values: str | None) -> dict[str, Any]:
    from acro import ACRO  # imported here: it configures logging on import

    session = ACRO(suppress=True)
    if values is None:
        session.crosstab(frame["area"], frame["age_band"])
    else:
        session.crosstab(frame["area"], frame["age_band"], values=frame[values], aggfunc="mean")
    output = next(iter(session.results.results.values()))
    return {"status": output.status, "cells": output.sdc["cells"], "summary": output.sdc["summary"]}


def our_rule_masks(masks: CellMasks) -> dict[str, np.ndarray]:
    return {
        "small_or_zero": masks.small | masks.zeros,
        "nk": masks.nk,
        "p_ratio": masks.p_ratio,
        "zeros": masks.zeros,
        "any": masks.any,
    }


def acro_masks(result: dict[str, Any], shape: tuple[int, int]) -> dict[str, np.ndarray]:
    masks = {}
    for check, ours_name in RULE_PAIRS.items():
        if check in result["cells"]:
            mask = np.zeros(shape, dtype=bool)
            for i, j in result["cells"][check]:
                mask[i, j] = True
            masks[ours_name] = mask
    masks["any"] = np.logical_or.reduce(list(masks.values()))
    return masks


def disagreements(table: CellTable, mine: dict[str, np.ndarray], acro: dict[str, np.ndarray]) -> list[str]:
    found = []
    for rule, theirs_mask in acro.items():
        for i, j in np.argwhere(mine[rule] != theirs_mask):
            said = "ours flags, ACRO passes" if mine[rule][i, j] else "ACRO flags, ours passes"
            found.append(f"{rule} {table.cell_name(int(i), int(j))} count={int(table.counts[i, j])}: {said}")
    return found


def timed(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compare(frame: pd.DataFrame, values: str | None, repeats: int) -> dict[str, Any]:
    table, masks, protected = ours(frame, values)
    acro_result = theirs(frame, values)
    mine = our_rule_masks(masks)
    acro = acro_masks(acro_result, table.shape)
    differ = disagreements(table, mine, acro)
    ours_s = timed(lambda: ours(frame, values), repeats)
    acro_s = timed(lambda: theirs(frame, values), repeats)
    label = "frequency" if values is None else f"magnitude (mean {values})"
    secondary = int(protected.suppressed.sum() - masks.any.sum()) if values is None else 0
    print(f"\n{label}: {table.shape[0]} x {table.shape[1]} = {table.counts.size} cells over {len(frame):,} rows")
    print(
        f"  ours: {int(masks.any.sum())} cells disclosive " + ", ".join(f"{k}={int(v.sum())}" for k, v in mine.items())
    )
    print(f"  ACRO: {int(acro['any'].sum())} cells disclosive {acro_result['summary']} status={acro_result['status']}")
    if values is None:
        print(f"  ours also hid {secondary} more cells (secondary suppression) so the totals it adds give none away")
    print(f"  disagreements: {len(differ)}")
    for line in differ[:50]:
        print(f"    {line}")
    print(f"  median seconds: ours {ours_s:.3f}, ACRO {acro_s:.3f}, ratio {acro_s / ours_s:.1f}x")
    return {
        "table": label,
        "cells": int(table.counts.size),
        "rows": len(frame),
        "ours_disclosive": {k: int(v.sum()) for k, v in mine.items()},
        "acro_disclosive": {k: int(v.sum()) for k, v in acro.items()},
        "ours_secondary_suppressions": secondary,
        "disagreements": differ,
        "ours_seconds_median": round(ours_s, 4),
        "acro_seconds_median": round(acro_s, 4),
        "ratio": round(acro_s / ours_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=800_000)
    parser.add_argument("--areas", type=int, default=24)
    parser.add_argument("--bands", type=int, default=18)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    warnings.simplefilter("ignore")
    frame = synthetic_rows(args.rows, args.areas, args.bands, args.seed)
    results = [compare(frame, None, args.repeats), compare(frame, "cost", args.repeats)]
    from acro.version import __version__ as acro_version

    report = {
        "benchmark": "outputs",
        "command": f"bench/outputs.py --rows {args.rows} --areas {args.areas} --bands {args.bands} "
        f"--repeats {args.repeats} --seed {args.seed}",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "acro_version": acro_version,
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten {RESULTS}")


if __name__ == "__main__":
    main()
