"""The query model: a small tree of frozen nodes that a dataset definition builds and every engine compiles.

Validation lives in the nodes themselves (each checks its operands as it is made), so a researcher's mistake -- an
event-level value where one value per patient is needed, two event tables mixed in one expression, a date compared
with a number -- is refused where it is written, and engines only ever see well-typed trees.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from socialdata.errors import UserError


class QueryError(UserError):
    """A dataset definition that does not make sense, said in the researcher's terms."""


# The value types a series can have; int and float together are "numbers".
ValueType = type[bool] | type[int] | type[float] | type[str] | type[dt.date]
NUMERIC: tuple[ValueType, ...] = (int, float)
TYPE_NAMES: dict[ValueType, str] = {
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "text",
    dt.date: "a date",
}


def type_name(value_type: ValueType) -> str:
    return TYPE_NAMES[value_type]


def same_kind(a: ValueType, b: ValueType) -> bool:
    """Whether values of the two types can be compared (numbers with numbers, dates with dates, ...)."""
    return a is b or (a in NUMERIC and b in NUMERIC)


# --- Frames -----------------------------------------------------------------------------------------------------


class Frame:
    """Rows: either one per patient (patient frames) or many per patient (event frames)."""

    @property
    def table(self) -> SelectTable:
        raise NotImplementedError

    @property
    def is_patient_level(self) -> bool:
        raise NotImplementedError

    def column_type(self, name: str) -> ValueType:
        return self.table.column_type(name)


@dataclass(frozen=True)
class Column:
    name: str
    type: ValueType


@dataclass(frozen=True)
class SelectTable(Frame):
    """A table of the extract, as named in governance.datasets.DATASETS."""

    name: str
    columns: tuple[Column, ...]
    one_row_per_patient: bool = False

    @property
    def table(self) -> SelectTable:
        return self

    @property
    def is_patient_level(self) -> bool:
        return self.one_row_per_patient

    def column_type(self, name: str) -> ValueType:
        for column in self.columns:
            if column.name == name:
                return column.type
        raise QueryError(
            f"table {self.name} has no column {name!r}; its columns are "
            + ", ".join(c.name for c in self.columns if c.name != "patient_id"),
            where=f"{self.name}.{name}",
        )


@dataclass(frozen=True)
class Filter(Frame):
    """The rows of an event frame for which the condition is true (false and missing both drop the row)."""

    source: Frame
    condition: Series

    def __post_init__(self) -> None:
        if self.source.is_patient_level:
            raise QueryError(
                f"{describe_frame(self.source)} has one row per patient; filter patients with define_population",
                where="where",
            )
        require_type(self.condition, bool, "the condition of where()")
        domain = self.condition.domain
        if domain is not None and not is_ancestor_or_self(domain, self.source):
            raise QueryError(
                f"the condition {describe(self.condition)} is about rows of {describe_frame(domain)}, "
                f"not of {describe_frame(self.source)}",
                where="where",
            )

    @property
    def table(self) -> SelectTable:
        return self.source.table

    @property
    def is_patient_level(self) -> bool:
        return False


@dataclass(frozen=True)
class Sort(Frame):
    """An event frame ordered by keys, ready to pick each patient's first or last row."""

    source: Frame
    keys: tuple[Series, ...]

    def __post_init__(self) -> None:
        if self.source.is_patient_level:
            raise QueryError(f"{describe_frame(self.source)} has one row per patient; there is nothing to sort")
        if not self.keys:
            raise QueryError("sort_by() needs at least one column to sort by", where="sort_by")
        for key in self.keys:
            if key.domain is None or not is_ancestor_or_self(key.domain, self.source):
                raise QueryError(
                    f"sort_by({describe(key)}) must sort by a column of {describe_frame(self.source)}",
                    where="sort_by",
                )
            if key.type is bool:
                raise QueryError(f"sort_by({describe(key)}) cannot sort by a boolean", where="sort_by")

    @property
    def table(self) -> SelectTable:
        return self.source.table

    @property
    def is_patient_level(self) -> bool:
        return False


class Position(enum.StrEnum):
    FIRST = "first"
    LAST = "last"


@dataclass(frozen=True)
class PickOneRowPerPatient(Frame):
    """Each patient's first or last row of a sorted event frame (ties broken by the remaining columns in order)."""

    source: Sort
    position: Position

    @property
    def table(self) -> SelectTable:
        return self.source.table

    @property
    def is_patient_level(self) -> bool:
        return True


# --- Series -----------------------------------------------------------------------------------------------------


class Series:
    """A value per patient (domain None) or per row of one event frame (domain that frame)."""

    @property
    def type(self) -> ValueType:
        raise NotImplementedError

    @property
    def domain(self) -> Frame | None:
        raise NotImplementedError

    def children(self) -> tuple[Series, ...]:
        return ()


@dataclass(frozen=True)
class Value(Series):
    """A constant, the same for every patient and row; None is a missing value of the given type."""

    value: bool | int | float | str | dt.date | None
    value_type: ValueType

    @property
    def type(self) -> ValueType:
        return self.value_type

    @property
    def domain(self) -> Frame | None:
        return None


@dataclass(frozen=True)
class SelectColumn(Series):
    source: Frame
    name: str

    def __post_init__(self) -> None:
        self.source.column_type(self.name)

    @property
    def type(self) -> ValueType:
        return self.source.column_type(self.name)

    @property
    def domain(self) -> Frame | None:
        return None if self.source.is_patient_level else rows_of(self.source)


# Aggregations: one value per patient from the rows of an event frame.


@dataclass(frozen=True)
class Exists(Series):
    """Whether the patient has any row (of an event table or of patients); False, never missing, when none."""

    source: Frame

    def __post_init__(self) -> None:
        if isinstance(self.source, PickOneRowPerPatient):
            raise QueryError("exists_for_patient() of a picked row: ask it of the rows it was picked from")

    @property
    def type(self) -> ValueType:
        return bool

    @property
    def domain(self) -> Frame | None:
        return None


@dataclass(frozen=True)
class Count(Series):
    """How many rows the patient has; 0 when they have none."""

    source: Frame

    def __post_init__(self) -> None:
        require_event_frame(self.source, "count_for_patient")

    @property
    def type(self) -> ValueType:
        return int

    @property
    def domain(self) -> Frame | None:
        return None


class AggregateFunction(enum.StrEnum):
    MIN = "minimum_for_patient"
    MAX = "maximum_for_patient"
    SUM = "sum_for_patient"
    MEAN = "mean_for_patient"
    COUNT_DISTINCT = "count_distinct_for_patient"


@dataclass(frozen=True)
class Aggregate(Series):
    """min/max/sum/mean/distinct count of an event-level series per patient; missing when they have no values."""

    function: AggregateFunction
    source: Series

    def __post_init__(self) -> None:
        if self.source.domain is None:
            raise QueryError(
                f"{describe(self.source)} already has one value per patient; {self.function.value}() needs values "
                "from an event table",
                where=self.function.value,
            )
        if self.function in (AggregateFunction.SUM, AggregateFunction.MEAN) and self.source.type not in NUMERIC:
            raise QueryError(
                f"{self.function.value}() needs numbers, but {describe(self.source)} is {type_name(self.source.type)}",
                where=self.function.value,
            )
        if self.function in (AggregateFunction.MIN, AggregateFunction.MAX) and self.source.type is bool:
            raise QueryError(f"{self.function.value}() of a boolean: use exists_for_patient()", where="aggregate")

    @property
    def frame(self) -> Frame:
        assert self.source.domain is not None
        return self.source.domain

    @property
    def type(self) -> ValueType:
        if self.function is AggregateFunction.COUNT_DISTINCT:
            return int
        if self.function is AggregateFunction.MEAN:
            return float
        return self.source.type

    @property
    def domain(self) -> Frame | None:
        return None


# Row-wise functions: the result lives in the combined domain of the operands.


class CompareOp(enum.StrEnum):
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


class ArithmeticOp(enum.StrEnum):
    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"


class BooleanOp(enum.StrEnum):
    AND = "&"
    OR = "|"


class DateUnit(enum.StrEnum):
    DAYS = "days"
    MONTHS = "months"
    YEARS = "years"


class DatePart(enum.StrEnum):
    YEAR = "year"
    MONTH = "month"
    DAY = "day"


class Function(Series):
    """Base of row-wise functions: the domain is the operands' common domain, checked on creation."""

    def __post_init__(self) -> None:
        combine_domains(self.children())

    @property
    def domain(self) -> Frame | None:
        return combine_domains(self.children())


@dataclass(frozen=True)
class Compare(Function):
    op: CompareOp
    lhs: Series
    rhs: Series

    def __post_init__(self) -> None:
        if not same_kind(self.lhs.type, self.rhs.type):
            raise QueryError(
                f"cannot compare {describe(self.lhs)} ({type_name(self.lhs.type)}) with {describe(self.rhs)} "
                f"({type_name(self.rhs.type)})",
                where=self.op.value,
            )
        if self.lhs.type is bool and self.op not in (CompareOp.EQ, CompareOp.NE):
            raise QueryError(f"booleans cannot be ordered with {self.op.value}", where=self.op.value)
        super().__post_init__()

    def children(self) -> tuple[Series, ...]:
        return (self.lhs, self.rhs)

    @property
    def type(self) -> ValueType:
        return bool


@dataclass(frozen=True)
class Boolean(Function):
    op: BooleanOp
    lhs: Series
    rhs: Series

    def __post_init__(self) -> None:
        require_type(self.lhs, bool, f"the left of {self.op.value}")
        require_type(self.rhs, bool, f"the right of {self.op.value}")
        super().__post_init__()

    def children(self) -> tuple[Series, ...]:
        return (self.lhs, self.rhs)

    @property
    def type(self) -> ValueType:
        return bool


@dataclass(frozen=True)
class Not(Function):
    source: Series

    def __post_init__(self) -> None:
        require_type(self.source, bool, "~ (not)")
        super().__post_init__()

    def children(self) -> tuple[Series, ...]:
        return (self.source,)

    @property
    def type(self) -> ValueType:
        return bool


@dataclass(frozen=True)
class Arithmetic(Function):
    op: ArithmeticOp
    lhs: Series
    rhs: Series

    def __post_init__(self) -> None:
        for side in (self.lhs, self.rhs):
            if side.type not in NUMERIC:
                raise QueryError(
                    f"{self.op.value} needs numbers, but {describe(side)} is {type_name(side.type)}"
                    + (" (add or subtract days(), months() or years() to move a date)" if side.type is dt.date else ""),
                    where=self.op.value,
                )
        super().__post_init__()

    def children(self) -> tuple[Series, ...]:
        return (self.lhs, self.rhs)

    @property
    def type(self) -> ValueType:
        if self.op is ArithmeticOp.DIV or float in (self.lhs.type, self.rhs.type):
            return float
        return int


@dataclass(frozen=True)
class IsNull(Function):
    source: Series

    def children(self) -> tuple[Series, ...]:
        return (self.source,)

    @property
    def type(self) -> ValueType:
        return bool


@dataclass(frozen=True)
class Coalesce(Function):
    """The source, or the default where the source is missing."""

    source: Series
    default: Series

    def __post_init__(self) -> None:
        if not same_kind(self.source.type, self.default.type):
            raise QueryError(
                f"the default {describe(self.default)} is {type_name(self.default.type)}, but "
                f"{describe(self.source)} is {type_name(self.source.type)}",
                where="when_null_then",
            )
        super().__post_init__()

    def children(self) -> tuple[Series, ...]:
        return (self.source, self.default)

    @property
    def type(self) -> ValueType:
        return float if float in (self.source.type, self.default.type) else self.source.type


@dataclass(frozen=True)
class IsIn(Function):
    """Whether the value is one of the given values (a codelist's codes)."""

    source: Series
    values: frozenset[str | int | float | dt.date]

    def __post_init__(self) -> None:
        for value in self.values:
            if not same_kind(self.source.type, type(value)):
                raise QueryError(
                    f"is_in(): {value!r} is {type_name(type(value))}, but {describe(self.source)} is "
                    f"{type_name(self.source.type)}",
                    where="is_in",
                )
        super().__post_init__()

    def children(self) -> tuple[Series, ...]:
        return (self.source,)

    @property
    def type(self) -> ValueType:
        return bool


@dataclass(frozen=True)
class DateAdd(Function):
    """A date moved by a whole number of days, months or years (months clamp to the month's last day)."""

    date: Series
    amount: Series
    unit: DateUnit

    def __post_init__(self) -> None:
        require_type(self.date, dt.date, f"adding {self.unit.value}")
        require_type(self.amount, int, f"the number of {self.unit.value}")
        if self.unit is not DateUnit.DAYS and not isinstance(self.amount, Value):
            raise QueryError(f"{self.unit.value}() takes a whole number, not a column", where=self.unit.value)
        super().__post_init__()

    def children(self) -> tuple[Series, ...]:
        return (self.date, self.amount)

    @property
    def type(self) -> ValueType:
        return dt.date


@dataclass(frozen=True)
class DateDifference(Function):
    """Whole days, months or years from start to end (negative when end is earlier)."""

    start: Series
    end: Series
    unit: DateUnit

    def __post_init__(self) -> None:
        require_type(self.start, dt.date, "a date difference")
        require_type(self.end, dt.date, "a date difference")
        super().__post_init__()

    def children(self) -> tuple[Series, ...]:
        return (self.start, self.end)

    @property
    def type(self) -> ValueType:
        return int


@dataclass(frozen=True)
class DatePartOf(Function):
    date: Series
    part: DatePart

    def __post_init__(self) -> None:
        require_type(self.date, dt.date, f".{self.part.value}")
        super().__post_init__()

    def children(self) -> tuple[Series, ...]:
        return (self.date,)

    @property
    def type(self) -> ValueType:
        return int


@dataclass(frozen=True)
class Case(Function):
    """The value of the first condition that is true, else the default (missing when there is none)."""

    cases: tuple[tuple[Series, Series], ...]
    default: Series | None = None

    def __post_init__(self) -> None:
        if not self.cases:
            raise QueryError("case() needs at least one when(...).then(...)", where="case")
        first_type = self.cases[0][1].type
        for condition, value in self.cases:
            require_type(condition, bool, "the condition of when()")
            if not same_kind(value.type, first_type):
                raise QueryError(
                    f"every then() of a case() must be the same kind of value: {describe(value)} is "
                    f"{type_name(value.type)}, the first is {type_name(first_type)}",
                    where="case",
                )
        if self.default is not None and not same_kind(self.default.type, first_type):
            raise QueryError(
                f"otherwise={describe(self.default)} is {type_name(self.default.type)}, but the then() values are "
                f"{type_name(first_type)}",
                where="case",
            )
        super().__post_init__()

    def children(self) -> tuple[Series, ...]:
        flat = [s for pair in self.cases for s in pair]
        return (*flat, self.default) if self.default is not None else tuple(flat)

    @property
    def type(self) -> ValueType:
        values = [v.type for _, v in self.cases] + ([self.default.type] if self.default is not None else [])
        return float if float in values else values[0]


@dataclass(frozen=True)
class DatasetQuery:
    """What a dataset definition asks for: who is in it and the named variables, one row per patient."""

    population: Series
    variables: tuple[tuple[str, Series], ...]

    def __post_init__(self) -> None:
        require_patient_level(self.population, "the population")
        require_type(self.population, bool, "the population")
        for name, series in self.variables:
            require_patient_level(series, f"variable {name!r}")


# --- Checks and descriptions ------------------------------------------------------------------------------------


def require_type(series: Series, wanted: ValueType, what: str) -> None:
    if not same_kind(series.type, wanted) or (wanted is int and series.type is float):
        raise QueryError(
            f"{what} must be {type_name(wanted)}, but {describe(series)} is {type_name(series.type)}", where=what
        )


def require_event_frame(frame: Frame, method: str) -> None:
    if frame.is_patient_level:
        raise QueryError(f"{describe_frame(frame)} already has one row per patient; {method}() is for event tables")


def require_patient_level(series: Series, what: str) -> None:
    if series.domain is not None:
        raise QueryError(
            f"{what} has one value per row of {describe_frame(series.domain)}, not one per patient; reduce it with "
            "exists_for_patient(), count_for_patient(), minimum_for_patient(), maximum_for_patient() or "
            "sort_by(...).first_for_patient()",
            where=what,
        )


def rows_of(frame: Frame) -> Frame:
    """The frame whose rows these are: sorting changes the order, not the rows."""
    while isinstance(frame, Sort):
        frame = frame.source
    return frame


def ancestors(frame: Frame) -> list[Frame]:
    """The frame and the frames it was made from, nearest first."""
    chain: list[Frame] = []
    current: Frame | None = frame
    while current is not None:
        chain.append(current)
        current = current.source if isinstance(current, Filter | Sort) else None
    return chain


def is_ancestor_or_self(ancestor: Frame, frame: Frame) -> bool:
    return ancestor in ancestors(frame)


def combine_domains(operands: tuple[Series, ...]) -> Frame | None:
    """The one event frame the operands' rows belong to (patient values go with any); refuses two unrelated frames."""
    frames: list[Frame] = []
    for operand in operands:
        domain = operand.domain
        if domain is not None and domain not in frames:
            frames.append(domain)
    if not frames:
        return None
    deepest = max(frames, key=lambda f: len(ancestors(f)))
    for other in frames:
        if not is_ancestor_or_self(other, deepest):
            raise QueryError(
                f"cannot combine values from rows of {describe_frame(deepest)} with values from rows of "
                f"{describe_frame(other)}; reduce one side to a value per patient first (e.g. with "
                "exists_for_patient() or maximum_for_patient())"
            )
    return deepest


def describe_frame(frame: Frame) -> str:
    if isinstance(frame, SelectTable):
        return frame.name
    if isinstance(frame, Filter):
        return f"{frame.table.name} (filtered)"
    if isinstance(frame, Sort):
        return f"{frame.table.name} (sorted)"
    assert isinstance(frame, PickOneRowPerPatient)
    return f"{frame.table.name} ({frame.position.value} row per patient)"


def describe(series: Series) -> str:
    """A short, readable name for a series, for error messages."""
    if isinstance(series, Value):
        return repr(series.value.isoformat() if isinstance(series.value, dt.date) else series.value)
    if isinstance(series, SelectColumn):
        return f"{series.source.table.name}.{series.name}"
    if isinstance(series, Exists | Count):
        method = "exists_for_patient" if isinstance(series, Exists) else "count_for_patient"
        return f"{describe_frame(series.source)}.{method}()"
    if isinstance(series, Aggregate):
        return f"{describe(series.source)}.{series.function.value}()"
    if isinstance(series, Compare | Boolean | Arithmetic):
        return f"({describe(series.lhs)} {series.op.value} {describe(series.rhs)})"
    if isinstance(series, DateDifference):
        return f"({describe(series.end)} - {describe(series.start)}).{series.unit.value}"
    if isinstance(series, DatePartOf):
        return f"{describe(series.date)}.{series.part.value}"
    return type(series).__name__.lower()


def walk(series: Series) -> list[Series | Frame]:
    """Every series and frame a series is made from (itself included), depth first."""
    seen: list[Series | Frame] = []
    stack: list[Series | Frame] = [series]
    while stack:
        node = stack.pop()
        seen.append(node)
        if isinstance(node, Series):
            stack.extend(node.children())
            if isinstance(node, SelectColumn | Exists | Count | Aggregate):
                stack.append(node.source)
        elif isinstance(node, Filter):
            stack.extend((node.source, node.condition))
        elif isinstance(node, Sort):
            stack.extend((node.source, *node.keys))
        elif isinstance(node, PickOneRowPerPatient):
            stack.append(node.source)
    return seen


def tables_used(query: DatasetQuery) -> list[SelectTable]:
    found: list[SelectTable] = []
    for series in (query.population, *(s for _, s in query.variables)):
        for node in walk(series):
            if isinstance(node, SelectTable) and node not in found:
                found.append(node)
    return found
