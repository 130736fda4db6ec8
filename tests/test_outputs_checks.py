"""The automatic disclosure checks on output files, and the helpers researchers use (suppress, round), with no
store: each rule has a table that trips it and one that passes."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialdata.outputs.cell_checks import cell_masks
from socialdata.outputs.checks import check_output
from socialdata.outputs.differencing import NamedTable
from socialdata.outputs.findings import FileCheck, Outcome
from socialdata.outputs.rules import DisclosureRules, ZeroPolicy
from socialdata.outputs.suppression import determined_cells, round_counts, suppress
from socialdata.outputs.table_files import read_table
from socialdata.outputs.tables import CellTable, tabulate

RULES = DisclosureRules()
PSEUDONYM = "3f2a9c0d4e5b6a7f8091a2b3c4d5e6f7"


def _check(tmp_path: Path, name: str, content: str | bytes, **kwargs: object) -> FileCheck:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    check, _ = check_output(path, **kwargs)  # type: ignore[arg-type]
    return check


def _rule(check: FileCheck, rule: str) -> Outcome:
    return next(f.outcome for f in check.findings if f.rule == rule)


def _people(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    """Row-level data: `n` people in each (area, sex)."""
    return pd.DataFrame([(a, b) for a, b, n in rows for _ in range(n)], columns=["area", "sex"])


def test_a_table_with_a_cell_of_three_fails_naming_the_cell(tmp_path: Path) -> None:
    check = _check(tmp_path, "t.csv", "area,sex,count\nE01,female,40\nE01,male,3\nE02,female,25\nE02,male,31\n")
    assert check.outcome is Outcome.FAIL
    small = next(f for f in check.findings if f.rule == "min_cell_count")
    assert small.outcome is Outcome.FAIL
    assert small.cells == ("area=E01, sex=male: 3",)


def test_the_projects_minimum_cell_count_is_the_threshold(tmp_path: Path) -> None:
    content = "area,count\nE01,12\nE02,30\n"
    assert _check(tmp_path, "t.csv", content).outcome is Outcome.PASS
    strict = _check(tmp_path, "t.csv", content, rules=RULES.with_min_cell_count(15))
    assert _rule(strict, "min_cell_count") is Outcome.FAIL


def test_an_output_with_a_pseudonym_column_fails(tmp_path: Path) -> None:
    rows = "".join(f"{PSEUDONYM[:-2]}{i:02d},{i % 3}\n" for i in range(30))
    check = _check(tmp_path, "people.csv", "patient_id,admissions\n" + rows)
    assert check.outcome is Outcome.FAIL
    assert _rule(check, "identifier_columns") is Outcome.FAIL
    assert _rule(check, "identifier_values") is Outcome.FAIL


def test_pseudonym_values_under_an_innocent_name_still_fail(tmp_path: Path) -> None:
    check = _check(tmp_path, "t.csv", f"group,count\n{PSEUDONYM},12\nother,40\n")
    assert _rule(check, "identifier_columns") is Outcome.PASS
    assert _rule(check, "identifier_values") is Outcome.FAIL


def test_an_nhs_number_in_free_text_fails(tmp_path: Path) -> None:
    check = _check(tmp_path, "notes.txt", "The outlier was 943 476 5919, aged 97.\n")
    assert _rule(check, "identifier_values") is Outcome.FAIL
    clean = _check(tmp_path, "notes.txt", "Rates rose by 4% between 2023 and 2024.\n")
    assert clean.outcome is Outcome.REVIEW  # free text always needs a checker's eye


def test_an_output_with_thousands_of_rows_fails(tmp_path: Path) -> None:
    rows = "".join(f"{i},{20 + i % 50}\n" for i in range(3000))
    check = _check(tmp_path, "rows.csv", "row,age\n" + rows)
    assert _rule(check, "row_limit") is Outcome.FAIL
    assert check.outcome is Outcome.FAIL


def test_one_row_per_person_fails_even_under_the_row_limit(tmp_path: Path) -> None:
    rows = "".join(f"{i},1\n" for i in range(40))
    assert _rule(_check(tmp_path, "t.csv", "person,count\n" + rows), "one_row_per_person") is Outcome.FAIL


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    check = _check(tmp_path, "big.txt", "x" * 2000, rules=DisclosureRules(max_bytes=1000))
    assert check.layout == "refused"
    assert _rule(check, "size_limit") is Outcome.FAIL


@pytest.mark.parametrize("name", ["model.pkl", "data.parquet", "run.sh", "noextension"])
def test_file_types_outside_the_allowed_list_are_refused(tmp_path: Path, name: str) -> None:
    check = _check(tmp_path, name, b"anything")
    assert _rule(check, "file_type") is Outcome.FAIL


def test_images_and_drawings_pass_their_type_rules_and_go_to_a_checker(tmp_path: Path) -> None:
    png = _check(tmp_path, "plot.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert png.outcome is Outcome.REVIEW
    fake = _check(tmp_path, "plot.png", b"GIF89a not a png")
    assert _rule(fake, "file_type") is Outcome.FAIL
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="5"/><text>Rate 4.2</text></svg>'
    assert _check(tmp_path, "plot.svg", svg).outcome is Outcome.REVIEW
    scripted = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert _rule(_check(tmp_path, "plot.svg", scripted), "svg_content") is Outcome.FAIL
    entity = '<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'
    assert _check(tmp_path, "plot.svg", entity).outcome is Outcome.FAIL


def test_dominance_rules_on_the_frequency_and_magnitude_layout(tmp_path: Path) -> None:
    header = "area,count,sum,mean,largest,second_largest\n"
    dominated = "E01,12,10000,833.3,5000,4200\n"  # two largest: 92% of the total; the rest, 800, over 10% of 5000
    both = "E02,12,1000,83.3,500,460\n"  # and here the rest (40) is under 10% of the largest (500) too
    fine = "E03,12,1200,100,150,140\n"
    check = _check(tmp_path, "costs.csv", header + dominated + both + fine)
    assert check.layout == "magnitude"
    nk = next(f for f in check.findings if f.rule == "dominance_nk")
    p = next(f for f in check.findings if f.rule == "p_percent")
    assert nk.cells == ("area=E01: 12", "area=E02: 12")
    assert p.cells == ("area=E02: 12",)


def test_a_magnitude_table_without_its_evidence_columns_fails(tmp_path: Path) -> None:
    check = _check(tmp_path, "costs.csv", "area,count,mean\nE01,40,120.5\nE02,33,99.0\n")
    assert _rule(check, "table_layout") is Outcome.FAIL


def test_zero_policies(tmp_path: Path) -> None:
    # E01's people are all female: its zero says "no man in E01 has this condition". E02's zero is one of many.
    table = "area,female,male\nE01,40,0\nE02,0,30\nE03,25,31\n"
    group = _check(tmp_path, "t.csv", table)
    zeros = next(f for f in group.findings if f.rule == "disclosive_zeros")
    assert zeros.cells == ("area=E01, column=male: 0", "area=E02, column=female: 0")
    harmless = "area,under_40,40_to_70,over_70\nE01,10,0,12\nE02,15,14,11\nE03,0,20,13\n"
    assert _rule(_check(tmp_path, "t.csv", harmless), "disclosive_zeros") is Outcome.PASS
    every = _check(tmp_path, "t.csv", harmless, rules=DisclosureRules(zeros=ZeroPolicy.ALL))
    assert _rule(every, "disclosive_zeros") is Outcome.FAIL


def test_a_suppressed_cell_recoverable_from_the_totals_fails(tmp_path: Path) -> None:
    table = "area,female,male,Total\nE01,40,[c],43\nE02,20,30,50\nTotal,60,33,93\n"
    check = _check(tmp_path, "t.csv", table)
    assert _rule(check, "suppression_recoverable") is Outcome.FAIL


def test_suppress_hides_small_cells_and_enough_others_that_totals_give_nothing_away(tmp_path: Path) -> None:
    people = _people([("E01", "female", 40), ("E01", "male", 3), ("E02", "female", 20), ("E02", "male", 30)])
    protected = suppress(tabulate(people, "area", "sex"))
    assert protected.margins
    assert protected.suppressed[0, 1]  # the 3
    assert protected.suppressed.sum() >= 4  # its row and column partners too
    assert determined_cells(protected) == []
    path = tmp_path / "protected.csv"
    protected.to_csv(str(path))
    check, _ = check_output(path)
    assert check.outcome is Outcome.PASS, check.problems


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 6).flatmap(
        lambda r: st.integers(2, 6).flatmap(
            lambda c: st.lists(st.integers(0, 40), min_size=r * c, max_size=r * c).map(
                lambda v: np.array(v, dtype=np.int64).reshape(r, c)
            )
        )
    )
)
def test_suppression_leaves_no_hidden_cell_determined_by_the_published_numbers(counts: np.ndarray) -> None:
    rows, cols = counts.shape
    table = CellTable(
        ("r",),
        ("c",),
        tuple((str(i),) for i in range(rows)),
        tuple((str(j),) for j in range(cols)),
        counts,
        np.zeros(counts.shape, dtype=bool),
    )
    protected = suppress(table)
    hidden = protected.suppressed
    primary = cell_masks(table, RULES).any
    assert hidden[:rows, :cols][primary].all()
    # Independently of the implementation: the null space of the row/column equations over the hidden cells must
    # move every hidden cell, or that cell is pinned down by what is published.
    cells = [tuple(c) for c in np.argwhere(hidden)]
    if not cells:
        return
    equations = []
    for i in range(rows + 1):
        equations.append([1.0 if (c[0] == i and c[1] < cols) else -1.0 if c == (i, cols) else 0.0 for c in cells])
    for j in range(cols + 1):
        equations.append([1.0 if (c[1] == j and c[0] < rows) else -1.0 if c == (rows, j) else 0.0 for c in cells])
    matrix = np.array(equations)
    null_space = np.linalg.svd(matrix)[2][np.linalg.matrix_rank(matrix) :]
    assert len(null_space) > 0
    assert (np.abs(null_space).max(axis=0) > 1e-9).all()


def test_round_counts_to_the_nearest_five() -> None:
    table = tabulate(_people([("E01", "f", 12), ("E01", "m", 13), ("E02", "f", 27), ("E02", "m", 30)]), "area", "sex")
    assert round_counts(table).counts.tolist() == [[10, 15], [25, 30]]


def test_differencing_two_tables_to_recover_a_suppressed_cell_is_flagged(tmp_path: Path) -> None:
    # The released table hid E01's over-90s (3 people). The same table by area, with and without the over-90s,
    # passes on its own each time - but subtracting them gives the hidden 3 back.
    everyone = _people([("E01", "all", 57), ("E02", "all", 120)])
    under_90 = _people([("E01", "all", 54), ("E02", "all", 118)])
    first = tabulate(everyone, "area")
    path = tmp_path / "under_90.csv"
    tabulate(under_90, "area").to_csv(str(path))
    alone, _ = check_output(path)
    assert alone.outcome is Outcome.PASS
    paired, _ = check_output(path, others=[NamedTable("everyone.csv", first)])
    differencing = next(f for f in paired.findings if f.rule == "differencing")
    assert differencing.outcome is Outcome.FAIL
    assert differencing.cells[0] == "area=E01: 54 here, 57 in everyone.csv"


def test_tables_written_by_tabulate_read_back_the_same(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"a": rng.integers(0, 4, 500), "b": rng.integers(0, 3, 500), "v": rng.gamma(2, 50, 500)})
    for values in (None, "v"):
        table = tabulate(frame, "a", "b", values)
        path = tmp_path / "t.csv"
        table.to_csv(str(path))
        read = read_table(pd.read_csv(path, dtype=str, keep_default_na=False))
        assert read.table is not None
        assert read.table.counts.tolist() == table.counts.tolist()


def test_the_same_decisions_as_acro_on_the_same_table() -> None:
    from acro import ACRO

    logging.disable(logging.INFO)
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(11)
    frame = pd.DataFrame({"a": rng.integers(0, 6, 3000), "b": rng.integers(0, 5, 3000), "v": rng.lognormal(5, 1, 3000)})
    frame.loc[(frame["a"] == 1) & (frame["b"] == 2), "b"] = 3
    frame.loc[frame.index[:2], ["a", "b", "v"]] = [1, 2, 1e7]  # a small, dominated cell
    rules = DisclosureRules(zeros=ZeroPolicy.ALL)
    for values, aggfunc in ((None, None), ("v", "mean")):
        ours = cell_masks(tabulate(frame, "a", "b", values), rules)
        session = ACRO(suppress=True)
        session.crosstab(frame["a"], frame["b"], values=None if values is None else frame[values], aggfunc=aggfunc)
        cells = next(iter(session.results.results.values())).sdc["cells"]
        theirs = np.zeros(ours.any.shape, dtype=bool)
        for check in ("MinimumThresholdCheck", "NKCheck", "PPercentCheck", "PresenceOfZeroCheck"):
            for i, j in cells.get(check, []):
                theirs[i, j] = True
        assert theirs.any()
        assert (ours.any == theirs).all()
    logging.disable(logging.NOTSET)


def test_suppress_hides_dominated_magnitude_cells_and_the_result_passes(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({"area": rng.integers(0, 3, 600), "cost": rng.gamma(5, 100, 600)})
    frame.loc[0, ["area", "cost"]] = [1, 1e8]  # one person's cost dwarfs the rest of area 1
    costs = tabulate(frame, "area", values="cost")
    path = tmp_path / "costs.csv"
    costs.to_csv(str(path))
    before, _ = check_output(path)
    assert _rule(before, "dominance_nk") is Outcome.FAIL
    protected = suppress(costs)
    assert protected.suppressed[:, 0].tolist() == [False, True, False]
    protected.to_csv(str(path))
    after, _ = check_output(path)
    assert after.outcome is Outcome.PASS, after.problems
