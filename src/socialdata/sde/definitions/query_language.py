"""The language researchers write dataset definitions in, in the spirit of OpenSAFELY's ehrQL.

    from socialdata.sde.definitions.query_language import *

    dataset = create_dataset()
    dataset.define_population(hospital_admissions.exists_for_patient())
    dataset.age = patients.age_on("2024-01-01")

Tables mirror governance.datasets.DATASETS; every expression builds a node of the frozen query model
(query_model/nodes.py), which checks it as it is made, so mistakes are reported on the line that makes them.
"""

from __future__ import annotations

import contextvars
import csv
import datetime as dt
import keyword
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialdata.governance.datasets import DATASETS, FieldType
from socialdata.sde.definitions.query_model import nodes
from socialdata.sde.definitions.query_model.nodes import QueryError

__all__ = [
    "BoolSeries",
    "Codelist",
    "Dataset",
    "DateSeries",
    "Duration",
    "EventFrame",
    "FloatSeries",
    "IntSeries",
    "PatientFrame",
    "Series",
    "SortedEventFrame",
    "StrSeries",
    "care_packages",
    "case",
    "clinical_events",
    "codelist",
    "codelist_from_csv",
    "create_dataset",
    "days",
    "hospital_admissions",
    "medications",
    "months",
    "patients",
    "weeks",
    "when",
    "years",
]

# The folder relative codelist paths are read from: the definition file's own, while it is being loaded.
definition_folder: contextvars.ContextVar[Path] = contextvars.ContextVar("definition_folder", default=Path())

Literal = bool | int | float | str | dt.date | None


# --- Values --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Codelist:
    """A set of codes (e.g. SNOMED CT or ICD-10) that `is_in` tests against."""

    codes: frozenset[str]
    system: str | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if not self.codes:
            raise QueryError(
                f"codelist {self.name} has no codes" if self.name else "a codelist has no codes", where="codelist"
            )


def codelist(codes: Iterable[str], system: str | None = None, name: str = "") -> Codelist:
    """A codelist from the codes given."""
    return Codelist(frozenset(str(c).strip() for c in codes if str(c).strip()), system, name)


def codelist_from_csv(path: str | Path, column: str = "code", system: str | None = None) -> Codelist:
    """A codelist from one column of a CSV file (a relative path is read from the definition's folder)."""
    where = Path(path)
    if not where.is_absolute():
        where = definition_folder.get() / where
    if not where.is_file():
        raise QueryError(f"there is no codelist file {where}", where="codelist_from_csv")
    with where.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if column not in (reader.fieldnames or []):
            raise QueryError(
                f"codelist {where.name} has no column {column!r}; its columns are {', '.join(reader.fieldnames or [])}",
                where="codelist_from_csv",
            )
        return codelist((row[column] for row in reader), system, where.stem)


@dataclass(frozen=True)
class Duration:
    """A number of days, months or years to move a date by: `date + years(1)`."""

    amount: int | IntSeries
    unit: nodes.DateUnit

    def __neg__(self) -> Duration:
        if isinstance(self.amount, int):
            return Duration(-self.amount, self.unit)
        return Duration(
            IntSeries(nodes.Arithmetic(nodes.ArithmeticOp.MUL, self.amount.node, nodes.Value(-1, int))), self.unit
        )

    def node(self) -> nodes.Series:
        return _node(self.amount, int)


def days(n: int | IntSeries) -> Duration:
    return Duration(n, nodes.DateUnit.DAYS)


def weeks(n: int) -> Duration:
    return Duration(n * 7, nodes.DateUnit.DAYS)


def months(n: int) -> Duration:
    return Duration(n, nodes.DateUnit.MONTHS)


def years(n: int) -> Duration:
    return Duration(n, nodes.DateUnit.YEARS)


def _node(value: Series | Literal, like: nodes.ValueType) -> nodes.Series:
    """The query-model node for a series or a Python value (typed like the other operand)."""
    if isinstance(value, Series):
        return value.node
    if value is None:
        return nodes.Value(None, like)
    if isinstance(value, bool):
        return nodes.Value(value, bool)
    if isinstance(value, int):
        return nodes.Value(value, int)
    if isinstance(value, float):
        return nodes.Value(value, float)
    if isinstance(value, dt.datetime):
        raise QueryError(f"{value!r} is a date and time; use a date", where="value")
    if isinstance(value, dt.date):
        return nodes.Value(value, dt.date)
    if isinstance(value, str):
        return nodes.Value(_parse_date(value), dt.date) if like is dt.date else nodes.Value(value, str)
    raise QueryError(f"{value!r} is not a value a dataset definition can use", where="value")


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise QueryError(f"{text!r} is not a date (write it as YYYY-MM-DD)", where="date") from None


def _values(values: Codelist | Iterable[Literal], like: nodes.ValueType) -> frozenset[str | int | float | dt.date]:
    items = values.codes if isinstance(values, Codelist) else values
    out: set[str | int | float | dt.date] = set()
    for item in items:
        node = _node(item, like)
        assert isinstance(node, nodes.Value)
        if node.value is None or isinstance(node.value, bool):
            raise QueryError(f"is_in() cannot test for {item!r}", where="is_in")
        out.add(node.value)
    return frozenset(out)


# --- Series --------------------------------------------------------------------------------------------------


class Series:
    """A value per patient, or per row of an event table (then reduce it to one per patient to use it)."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, node: nodes.Series) -> None:
        self.node = node

    def __repr__(self) -> str:
        level = "per patient" if self.node.domain is None else f"per row of {nodes.describe_frame(self.node.domain)}"
        return f"<{type(self).__name__} {nodes.describe(self.node)} ({level})>"

    def __bool__(self) -> bool:
        raise QueryError(
            "a series has many values, so Python's if/and/or/not cannot use it: combine conditions with &, | and ~",
            where=nodes.describe(self.node),
        )

    def _compare(self, op: nodes.CompareOp, other: Series | Literal) -> BoolSeries:
        return BoolSeries(nodes.Compare(op, self.node, _node(other, self.node.type)))

    def __eq__(self, other: object) -> BoolSeries:  # type: ignore[override]
        return self._compare(nodes.CompareOp.EQ, other)  # type: ignore[arg-type]

    def __ne__(self, other: object) -> BoolSeries:  # type: ignore[override]
        return self._compare(nodes.CompareOp.NE, other)  # type: ignore[arg-type]

    def is_null(self) -> BoolSeries:
        return BoolSeries(nodes.IsNull(self.node))

    def is_not_null(self) -> BoolSeries:
        return ~self.is_null()

    def when_null_then(self, other: Series | Literal) -> Series:
        return wrap(nodes.Coalesce(self.node, _node(other, self.node.type)))

    def is_in(self, values: Codelist | Iterable[Literal]) -> BoolSeries:
        chosen = _values(values, self.node.type)
        if not chosen:
            return BoolSeries(nodes.Compare(nodes.CompareOp.NE, self.node, self.node))
        return BoolSeries(nodes.IsIn(self.node, chosen))

    def is_not_in(self, values: Codelist | Iterable[Literal]) -> BoolSeries:
        return ~self.is_in(values)

    def minimum_for_patient(self) -> Series:
        return wrap(nodes.Aggregate(nodes.AggregateFunction.MIN, self.node))

    def maximum_for_patient(self) -> Series:
        return wrap(nodes.Aggregate(nodes.AggregateFunction.MAX, self.node))

    def count_distinct_for_patient(self) -> IntSeries:
        return IntSeries(nodes.Aggregate(nodes.AggregateFunction.COUNT_DISTINCT, self.node))


class _Ordered(Series):
    def __lt__(self, other: Series | Literal) -> BoolSeries:
        return self._compare(nodes.CompareOp.LT, other)

    def __le__(self, other: Series | Literal) -> BoolSeries:
        return self._compare(nodes.CompareOp.LE, other)

    def __gt__(self, other: Series | Literal) -> BoolSeries:
        return self._compare(nodes.CompareOp.GT, other)

    def __ge__(self, other: Series | Literal) -> BoolSeries:
        return self._compare(nodes.CompareOp.GE, other)


class BoolSeries(Series):
    def __and__(self, other: BoolSeries | bool) -> BoolSeries:
        return BoolSeries(nodes.Boolean(nodes.BooleanOp.AND, self.node, _node(other, bool)))

    def __rand__(self, other: bool) -> BoolSeries:
        return BoolSeries(nodes.Boolean(nodes.BooleanOp.AND, _node(other, bool), self.node))

    def __or__(self, other: BoolSeries | bool) -> BoolSeries:
        return BoolSeries(nodes.Boolean(nodes.BooleanOp.OR, self.node, _node(other, bool)))

    def __ror__(self, other: bool) -> BoolSeries:
        return BoolSeries(nodes.Boolean(nodes.BooleanOp.OR, _node(other, bool), self.node))

    def __invert__(self) -> BoolSeries:
        return BoolSeries(nodes.Not(self.node))


class _Numeric(_Ordered):
    def _arith(self, op: nodes.ArithmeticOp, lhs: nodes.Series, rhs: nodes.Series) -> Series:
        return wrap(nodes.Arithmetic(op, lhs, rhs))

    def __add__(self, other: Series | int | float) -> Series:
        return self._arith(nodes.ArithmeticOp.ADD, self.node, _node(other, self.node.type))

    def __radd__(self, other: int | float) -> Series:
        return self._arith(nodes.ArithmeticOp.ADD, _node(other, self.node.type), self.node)

    def __sub__(self, other: Series | int | float) -> Series:
        return self._arith(nodes.ArithmeticOp.SUB, self.node, _node(other, self.node.type))

    def __rsub__(self, other: int | float) -> Series:
        return self._arith(nodes.ArithmeticOp.SUB, _node(other, self.node.type), self.node)

    def __mul__(self, other: Series | int | float) -> Series:
        return self._arith(nodes.ArithmeticOp.MUL, self.node, _node(other, self.node.type))

    def __rmul__(self, other: int | float) -> Series:
        return self._arith(nodes.ArithmeticOp.MUL, _node(other, self.node.type), self.node)

    def __truediv__(self, other: Series | int | float) -> FloatSeries:
        return FloatSeries(nodes.Arithmetic(nodes.ArithmeticOp.DIV, self.node, _node(other, self.node.type)))

    def __rtruediv__(self, other: int | float) -> FloatSeries:
        return FloatSeries(nodes.Arithmetic(nodes.ArithmeticOp.DIV, _node(other, self.node.type), self.node))

    def __neg__(self) -> Series:
        return self._arith(nodes.ArithmeticOp.MUL, self.node, nodes.Value(-1, int))

    def sum_for_patient(self) -> Series:
        return wrap(nodes.Aggregate(nodes.AggregateFunction.SUM, self.node))

    def mean_for_patient(self) -> FloatSeries:
        return FloatSeries(nodes.Aggregate(nodes.AggregateFunction.MEAN, self.node))


class IntSeries(_Numeric):
    pass


class FloatSeries(_Numeric):
    pass


class StrSeries(_Ordered):
    pass


class DateSeries(_Ordered):
    @property
    def year(self) -> IntSeries:
        return IntSeries(nodes.DatePartOf(self.node, nodes.DatePart.YEAR))

    @property
    def month(self) -> IntSeries:
        return IntSeries(nodes.DatePartOf(self.node, nodes.DatePart.MONTH))

    @property
    def day(self) -> IntSeries:
        return IntSeries(nodes.DatePartOf(self.node, nodes.DatePart.DAY))

    def __add__(self, other: Duration) -> DateSeries:
        if not isinstance(other, Duration):
            raise QueryError(
                f"add days(), months() or years() to a date, not {other!r}", where=nodes.describe(self.node)
            )
        return DateSeries(nodes.DateAdd(self.node, other.node(), other.unit))

    def __radd__(self, other: Duration) -> DateSeries:
        return self + other

    def __sub__(self, other: Duration | DateSeries | dt.date | str) -> Any:
        if isinstance(other, Duration):
            return self + (-other)
        return DateDifference(_node(other, dt.date), self.node)

    def __rsub__(self, other: dt.date | str) -> DateDifference:
        return DateDifference(self.node, _node(other, dt.date))

    def is_before(self, other: DateSeries | dt.date | str) -> BoolSeries:
        return self < other

    def is_on_or_before(self, other: DateSeries | dt.date | str) -> BoolSeries:
        return self <= other

    def is_after(self, other: DateSeries | dt.date | str) -> BoolSeries:
        return self > other

    def is_on_or_after(self, other: DateSeries | dt.date | str) -> BoolSeries:
        return self >= other

    def is_on_or_between(self, start: DateSeries | dt.date | str, end: DateSeries | dt.date | str) -> BoolSeries:
        """Within start..end, both days included."""
        return (self >= start) & (self <= end)

    def is_between_but_not_on(self, start: DateSeries | dt.date | str, end: DateSeries | dt.date | str) -> BoolSeries:
        return (self > start) & (self < end)


class DateDifference:
    """`later - earlier` between dates: read it in .days, .weeks, .months or .years (whole units, floored)."""

    def __init__(self, start: nodes.Series, end: nodes.Series) -> None:
        self._start = start
        self._end = end

    def _in(self, unit: nodes.DateUnit) -> IntSeries:
        return IntSeries(nodes.DateDifference(self._start, self._end, unit))

    @property
    def days(self) -> IntSeries:
        return self._in(nodes.DateUnit.DAYS)

    @property
    def months(self) -> IntSeries:
        return self._in(nodes.DateUnit.MONTHS)

    @property
    def years(self) -> IntSeries:
        return self._in(nodes.DateUnit.YEARS)


_SERIES_CLASSES: dict[nodes.ValueType, type[Series]] = {
    bool: BoolSeries,
    int: IntSeries,
    float: FloatSeries,
    str: StrSeries,
    dt.date: DateSeries,
}


def wrap(node: nodes.Series) -> Series:
    """The language's series for a query-model node, typed by its value type."""
    return _SERIES_CLASSES[node.type](node)


# --- case / when ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WhenThen:
    condition: nodes.Series
    value: Series | Literal


class When:
    def __init__(self, condition: BoolSeries) -> None:
        self._condition = _node(condition, bool)

    def then(self, value: Series | Literal) -> WhenThen:
        return WhenThen(self._condition, value)


def when(condition: BoolSeries) -> When:
    return When(condition)


def case(*cases: WhenThen, otherwise: Series | Literal = None) -> Series:
    """The value of the first true `when(...).then(...)`, else `otherwise` (missing when not given)."""
    typed = [c.value.node.type for c in cases if isinstance(c.value, Series)]
    like: nodes.ValueType = typed[0] if typed else (_node(cases[0].value, str).type if cases else str)
    default = None if otherwise is None else _node(otherwise, like)
    return wrap(nodes.Case(tuple((c.condition, _node(c.value, like)) for c in cases), default))


# --- Frames --------------------------------------------------------------------------------------------------


class _Frame:
    def __init__(self, node: nodes.Frame) -> None:
        self._node = node

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return wrap(nodes.SelectColumn(self._node, name))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {nodes.describe_frame(self._node)}>"


class PatientFrame(_Frame):
    """One row per patient: the patients table, or each patient's first/last row of an event table."""

    def exists_for_patient(self) -> BoolSeries:
        node = self._node
        source = nodes.rows_of(node.source) if isinstance(node, nodes.PickOneRowPerPatient) else node
        return BoolSeries(nodes.Exists(source))


class PatientsTable(PatientFrame):
    """The patients table: one row per person in the extract."""

    def age_on(self, date: DateSeries | dt.date | str) -> IntSeries:
        """Age in whole years on the date (a birthday counts from its own day)."""
        return IntSeries(
            nodes.DateDifference(
                nodes.SelectColumn(self._node, "date_of_birth"), _node(date, dt.date), nodes.DateUnit.YEARS
            )
        )


class EventFrame(_Frame):
    """Many rows per patient."""

    def where(self, condition: BoolSeries | bool) -> EventFrame:
        return EventFrame(nodes.Filter(self._node, _node(condition, bool)))

    def except_where(self, condition: BoolSeries | bool) -> EventFrame:
        """Drop the rows where the condition is true (rows where it is missing stay)."""
        kept = nodes.Not(nodes.Coalesce(_node(condition, bool), nodes.Value(False, bool)))
        return EventFrame(nodes.Filter(self._node, kept))

    def sort_by(self, *keys: Series) -> SortedEventFrame:
        return SortedEventFrame(nodes.Sort(self._node, tuple(_node(k, str) for k in keys)))

    def exists_for_patient(self) -> BoolSeries:
        return BoolSeries(nodes.Exists(nodes.rows_of(self._node)))

    def count_for_patient(self) -> IntSeries:
        return IntSeries(nodes.Count(nodes.rows_of(self._node)))


class SortedEventFrame(EventFrame):
    """An event frame in order; pick each patient's first or last row (nulls sort first)."""

    @property
    def _sort(self) -> nodes.Sort:
        assert isinstance(self._node, nodes.Sort)
        return self._node

    def where(self, condition: BoolSeries | bool) -> SortedEventFrame:
        return SortedEventFrame(nodes.Sort(nodes.Filter(self._sort.source, _node(condition, bool)), self._sort.keys))

    def except_where(self, condition: BoolSeries | bool) -> SortedEventFrame:
        unsorted = EventFrame(self._sort.source).except_where(condition)
        return SortedEventFrame(nodes.Sort(unsorted._node, self._sort.keys))

    def first_for_patient(self) -> PatientFrame:
        return PatientFrame(nodes.PickOneRowPerPatient(self._sort, nodes.Position.FIRST))

    def last_for_patient(self) -> PatientFrame:
        return PatientFrame(nodes.PickOneRowPerPatient(self._sort, nodes.Position.LAST))


_TYPES: dict[FieldType, nodes.ValueType] = {
    FieldType.TEXT: str,
    FieldType.DATE: dt.date,
    FieldType.INTEGER: int,
    FieldType.NUMBER: float,
    FieldType.BOOLEAN: bool,
}


def table_node(dataset_id: str) -> nodes.SelectTable:
    """The query-model table for a research dataset: its fields as columns (patient_id is the implicit key)."""
    dataset = DATASETS[dataset_id]
    columns = tuple(nodes.Column(f.name, _TYPES[f.type]) for f in dataset.fields if not f.is_pseudonym)
    return nodes.SelectTable(dataset_id, columns, one_row_per_patient=dataset_id == "patients")


patients = PatientsTable(table_node("patients"))
clinical_events = EventFrame(table_node("clinical_events"))
medications = EventFrame(table_node("medications"))
hospital_admissions = EventFrame(table_node("hospital_admissions"))
care_packages = EventFrame(table_node("care_packages"))


# --- Dataset -------------------------------------------------------------------------------------------------

_RESERVED = {"patient_id", "population", "define_population", "query", "variables"}


class Dataset:
    """The output of a definition: who is in it (`define_population`) and one column per variable set on it."""

    def __init__(self) -> None:
        object.__setattr__(self, "_population", None)
        object.__setattr__(self, "_variables", {})

    def define_population(self, condition: BoolSeries) -> None:
        if self._population is not None:
            raise QueryError("the population is already defined", where="define_population")
        node = _node(condition, bool)
        nodes.require_patient_level(node, "the population")
        nodes.require_type(node, bool, "the population")
        object.__setattr__(self, "_population", node)

    def __setattr__(self, name: str, value: Series | Literal) -> None:
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_") or name in _RESERVED:
            raise QueryError(f"{name!r} cannot be a variable name", where=f"variable {name!r}")
        if name in self._variables:
            raise QueryError(f"variable {name!r} is already set", where=f"variable {name!r}")
        if value is None:
            raise QueryError("a variable cannot be None", where=f"variable {name!r}")
        node = _node(value, str)
        nodes.require_patient_level(node, f"variable {name!r}")
        self._variables[name] = node

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        variables: dict[str, nodes.Series] = self._variables
        if name not in variables:
            raise QueryError(f"the dataset has no variable {name!r} yet", where=f"variable {name!r}")
        return wrap(variables[name])

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(self._variables)

    def query(self) -> nodes.DatasetQuery:
        """The frozen query model of this definition."""
        if self._population is None:
            raise QueryError(
                "the dataset has no population: call dataset.define_population(...)", where="define_population"
            )
        return nodes.DatasetQuery(self._population, tuple(self._variables.items()))


def create_dataset() -> Dataset:
    return Dataset()
