"""Compiles a dataset definition's query model into one Ibis expression, whatever engine it will run on.

The shape of the result, close to what an expert writes by hand: first the population -- the people (the patients
table, or everyone in the tables used) left-joined to what its condition needs, filtered -- then its members
left-joined to what the variables need. Every per-patient value drawn from one table (counts, exists, minimums,
first/last rows, over any number of differently filtered frames of it) comes from one GROUP BY patient over one scan
of that table, each aggregate filtered to its own frame's rows; for the variables the scan reads only the members'
rows (a semi-join). Values a row-level expression needs per patient (an age at the event, say) are joined onto the
rows the same way.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

import ibis  # type: ignore[import-untyped]  # no stubs in the environment
import ibis.expr.types as ir  # type: ignore[import-untyped]  # no stubs in the environment

from socialdata.errors import UserError
from socialdata.sde.definitions.query_model import nodes

_IBIS_TYPES: dict[nodes.ValueType, str] = {
    bool: "boolean",
    int: "int64",
    float: "float64",
    str: "string",
    dt.date: "date",
}

_COMPARE: dict[nodes.CompareOp, Callable[[Any, Any], Any]] = {
    nodes.CompareOp.EQ: lambda a, b: a == b,
    nodes.CompareOp.NE: lambda a, b: a != b,
    nodes.CompareOp.LT: lambda a, b: a < b,
    nodes.CompareOp.LE: lambda a, b: a <= b,
    nodes.CompareOp.GT: lambda a, b: a > b,
    nodes.CompareOp.GE: lambda a, b: a >= b,
}

_AGGREGATE: dict[nodes.AggregateFunction, Callable[[Any, Any], Any]] = {
    nodes.AggregateFunction.MIN: lambda e, where: e.min(where=where),
    nodes.AggregateFunction.MAX: lambda e, where: e.max(where=where),
    nodes.AggregateFunction.SUM: lambda e, where: e.sum(where=where),
    nodes.AggregateFunction.MEAN: lambda e, where: e.mean(where=where),
    nodes.AggregateFunction.COUNT_DISTINCT: lambda e, where: e.nunique(where=where),
}

Leaves = dict[nodes.Series, ir.Value]
# Where per-patient values come from: a table, and whether its rows are grouped (else it has one row per patient).
_Source = tuple[nodes.SelectTable, bool]


class TableSource(Protocol):
    """Where the extract's tables come from (an engine's connection)."""

    def table(self, name: str) -> ir.Table: ...

    def has_table(self, name: str) -> bool: ...

    # Whether the backend's FIRST aggregate can return a missing value (DuckDB); else first of an ordered array.
    @property
    def first_keeps_nulls(self) -> bool: ...


class Compiler:
    """Turns one DatasetQuery into one Ibis table expression: patient_id and a column per variable."""

    def __init__(self, source: TableSource) -> None:
        self._source = source
        self._names = itertools.count()
        # Once the population is known, the rows read for variables are only its members' (a semi-join).
        self._members: ir.Table | None = None

    def dataset(self, query: nodes.DatasetQuery) -> ir.Table:
        """The population first, then the variables computed for its members only."""
        people = self._people(query)
        with_population, (population,) = self._attach(people, [query.population])
        members = with_population.filter(population).select("patient_id")
        self._members = members
        try:
            joined, values = self._attach(members, [s for _, s in query.variables])
        finally:
            self._members = None
        return joined.select(
            joined.patient_id, **{name: value for (name, _), value in zip(query.variables, values, strict=True)}
        )

    # --- tables ------------------------------------------------------------------------------------------------

    def _people(self, query: nodes.DatasetQuery) -> ir.Table:
        """Everyone the definition considers: the patients table when the extract has one, else anyone with a row."""
        if self._source.has_table("patients"):
            return self._source.table("patients").select("patient_id")
        tables = nodes.tables_used(query)
        if not tables:
            raise UserError("the definition uses no table, so it has no patients", where="define_population")
        ids = [self._table(t).select("patient_id") for t in tables]
        return ids[0].distinct() if len(ids) == 1 else ibis.union(*ids, distinct=True)

    def _table(self, node: nodes.SelectTable) -> ir.Table:
        if not self._source.has_table(node.name):
            raise UserError(
                f"the extract has no table {node.name!r} (the project was not approved for that dataset)",
                where=node.name,
            )
        return self._source.table(node.name)

    def _column(self, table: ir.Table, node: nodes.SelectColumn) -> ir.Value:
        if node.name not in table.columns:
            raise UserError(
                f"the extract's table {node.source.table.name} has no column {node.name!r} (the project was not "
                "approved for that field)",
                where=f"{node.source.table.name}.{node.name}",
            )
        return table[node.name]

    # --- per-patient values -----------------------------------------------------------------------------------

    def _attach(self, base: ir.Table, series: list[nodes.Series]) -> tuple[ir.Table, list[ir.Value]]:
        """Left-join to `base` (which has patient_id) every per-patient source the series use; compile them on it."""
        sources: dict[_Source, list[nodes.Series]] = {}
        for one in series:
            _collect_sources(one, sources)
        joined = base
        leaves: Leaves = {}
        # An exists that shares its table's scan with nothing else is a semi-join: no GROUP BY, and the engine may
        # run it after more selective conditions.
        lone_exists = [n[0] for n in sources.values() if len(n) == 1 and isinstance(n[0], nodes.Exists)]
        for (table, grouped), needed in sources.items():
            if needed[0] in lone_exists:
                continue
            key = f"_k{next(self._names)}"
            names = {node: f"_v{next(self._names)}" for node in needed}
            if not grouped:
                rows = self._table(table)
                per_patient = rows.select(
                    rows.patient_id.name(key),
                    **{name: self._column(rows, n) for n, name in names.items() if isinstance(n, nodes.SelectColumn)},
                )
            else:
                per_patient = self._grouped(table, names, key)
            joined = joined.left_join(per_patient, joined.patient_id == per_patient[key]).drop(key)
            for node, name in names.items():
                leaves[node] = _when_no_rows(node, joined[name])
        for node in lone_exists:
            leaves[node] = joined.patient_id.isin(self._frame_patients(_frame_of(node)))
        return joined, [self._expr(one, joined, leaves) for one in series]

    def _frame_patients(self, frame: nodes.Frame) -> ir.Value:
        """The patient ids with a row in the frame (members only, once the population is known)."""
        rows = self._table(frame.table)
        if self._members is not None:
            rows = rows.filter(rows.patient_id.isin(self._members.patient_id))
        conditions = _conditions(frame)
        if conditions:
            with_values, compiled = self._row_values(rows, list(conditions))
            rows = with_values.filter(ibis.and_(*compiled))
        return rows.patient_id

    def _row_values(self, rows: ir.Table, series: list[nodes.Series]) -> tuple[ir.Table, list[ir.Value]]:
        """Compile row-level series on a table's rows, joining on any per-patient values they use."""
        patient_parts: list[nodes.Series] = []
        for one in series:
            _collect_patient_parts(one, patient_parts)
        if not patient_parts:
            return rows, [self._expr(one, rows, {}) for one in series]
        joined, values = self._attach(rows, patient_parts)
        leaves = dict(zip(patient_parts, values, strict=True))
        return joined, [self._expr(one, joined, leaves) for one in series]

    def _grouped(self, table: nodes.SelectTable, names: dict[nodes.Series, str], key: str) -> ir.Table:
        """Every per-patient value drawn from one table's rows, in one GROUP BY patient over one scan.

        Each value is about a frame (the table, or rows of it filtered by a chain of where()s): the scan keeps the
        rows any frame wants and each aggregate counts only its own frame's rows (an aggregate FILTER).
        """
        frames = {node: _frame_of(node) for node in names}
        conditions = {frame: _conditions(frame) for frame in frames.values()}
        inputs: list[nodes.Series] = [c for conds in conditions.values() for c in conds]
        for node in names:
            if isinstance(node, nodes.Aggregate):
                inputs.append(node.source)
            elif isinstance(node, nodes.SelectColumn):
                assert isinstance(node.source, nodes.PickOneRowPerPatient)
                inputs.extend(node.source.source.keys)
        unique_inputs = list(dict.fromkeys(inputs))
        rows = self._table(table)
        if self._members is not None:
            rows = rows.filter(rows.patient_id.isin(self._members.patient_id))
        rows, values = self._row_values(rows, unique_inputs)
        # Name every row-level input and frame condition as a column, so the filter and the aggregates below read
        # the same columns of the same (filtered) rows.
        input_names = {node: f"_i{next(self._names)}" for node in unique_inputs}
        by_name = {input_names[node]: value for node, value in zip(unique_inputs, values, strict=True)}
        where_names = {frame: f"_w{next(self._names)}" for frame, conds in conditions.items() if conds}
        for frame, name in where_names.items():
            by_name[name] = ibis.and_(*(by_name[input_names[c]] for c in conditions[frame]))
        rows = rows.mutate(**by_name)
        if where_names and len(where_names) == len(conditions):
            rows = rows.filter(ibis.or_(*(rows[name] for name in where_names.values())))
            if len(set(conditions.values())) == 1:
                where_names = {}
        compiled: Leaves = {node: rows[name] for node, name in input_names.items()}
        where = {frame: rows[where_names[frame]] if frame in where_names else None for frame in conditions}
        metrics: dict[str, ir.Value] = {}
        for node, name in names.items():
            condition = where[frames[node]]
            if isinstance(node, nodes.Exists):
                metrics[name] = rows.count(where=condition) > 0
            elif isinstance(node, nodes.Count):
                metrics[name] = rows.count(where=condition)
            elif isinstance(node, nodes.Aggregate):
                metrics[name] = _AGGREGATE[node.function](compiled[node.source], condition)
            else:
                assert isinstance(node, nodes.SelectColumn) and isinstance(node.source, nodes.PickOneRowPerPatient)
                value = self._column(rows, node)
                metrics[name] = self._first(value, self._ordering(node.source, rows, compiled), condition)
        return rows.group_by(rows.patient_id.name(key)).aggregate(**metrics)

    def _ordering(self, pick: nodes.PickOneRowPerPatient, rows: ir.Table, compiled: Leaves) -> list[Any]:
        """The picked row comes first: sort keys then the table's other columns break ties; missing sorts first."""
        keys = [compiled[k] for k in pick.source.keys]
        keys += [rows[c.name] for c in pick.table.columns if c.name in rows.columns]
        if pick.position is nodes.Position.FIRST:
            return [ibis.asc(k, nulls_first=True) for k in keys]
        return [ibis.desc(k, nulls_first=False) for k in keys]

    def _first(self, value: ir.Value, ordering: list[Any], where: Any) -> Any:
        """The value of the first row in order (missing values included) among the rows `where` keeps."""
        if self._source.first_keeps_nulls:
            return value.first(order_by=ordering, where=where, include_null=True)
        return value.collect(order_by=ordering, where=where, include_null=True)[0]

    # --- expressions ------------------------------------------------------------------------------------------

    def _expr(self, node: nodes.Series, table: ir.Table, leaves: Leaves) -> Any:
        if node in leaves:
            return leaves[node]
        if isinstance(node, nodes.Value):
            if node.value is None:
                return ibis.null(_IBIS_TYPES[node.type])
            if isinstance(node.value, float):
                # Written as a cast, or PostgreSQL reads 0.5 as NUMERIC and sums with it stay NUMERIC.
                return ibis.literal(Decimal(repr(node.value))).cast("float64")
            return ibis.literal(node.value, type=_IBIS_TYPES[node.type])
        if isinstance(node, nodes.SelectColumn):
            return self._column(table, node)

        def sub(child: nodes.Series) -> Any:
            return self._expr(child, table, leaves)

        if isinstance(node, nodes.Compare):
            return _COMPARE[node.op](sub(node.lhs), sub(node.rhs))
        if isinstance(node, nodes.Boolean):
            lhs, rhs = sub(node.lhs), sub(node.rhs)
            return lhs & rhs if node.op is nodes.BooleanOp.AND else lhs | rhs
        if isinstance(node, nodes.Not):
            return ~sub(node.source)
        if isinstance(node, nodes.Arithmetic):
            return _arithmetic(node.op, sub(node.lhs), sub(node.rhs))
        if isinstance(node, nodes.IsNull):
            return sub(node.source).isnull()
        if isinstance(node, nodes.Coalesce):
            return ibis.coalesce(sub(node.source), sub(node.default))
        if isinstance(node, nodes.IsIn):
            return sub(node.source).isin(sorted(node.values, key=str))
        if isinstance(node, nodes.DateAdd):
            return _date_add(sub(node.date), node.amount, sub(node.amount), node.unit)
        if isinstance(node, nodes.DateDifference):
            return _date_difference(sub(node.start), sub(node.end), node.unit)
        if isinstance(node, nodes.DatePartOf):
            date = sub(node.date)
            return {nodes.DatePart.YEAR: date.year, nodes.DatePart.MONTH: date.month, nodes.DatePart.DAY: date.day}[
                node.part
            ]()
        if isinstance(node, nodes.Case):
            default = None if node.default is None else sub(node.default)
            return ibis.cases(*((sub(c), sub(v)) for c, v in node.cases), else_=default)
        raise AssertionError(f"no compilation for {type(node).__name__}")


def _collect_sources(node: nodes.Series, sources: dict[_Source, list[nodes.Series]]) -> None:
    """Find the per-patient values a patient-level series reads, by the table they come from (not looking inside)."""
    if isinstance(node, nodes.SelectColumn) and isinstance(node.source, nodes.SelectTable):
        source = (node.source, False)
    elif isinstance(node, nodes.SelectColumn | nodes.Exists | nodes.Count | nodes.Aggregate):
        source = (_frame_of(node).table, True)
    else:
        for child in node.children():
            _collect_sources(child, sources)
        return
    needed = sources.setdefault(source, [])
    if node not in needed:
        needed.append(node)


def _frame_of(node: nodes.Series) -> nodes.Frame:
    """The rows a per-patient value is drawn from."""
    if isinstance(node, nodes.Exists | nodes.Count):
        return nodes.rows_of(node.source)
    if isinstance(node, nodes.Aggregate):
        return nodes.rows_of(node.frame)
    assert isinstance(node, nodes.SelectColumn)
    if isinstance(node.source, nodes.PickOneRowPerPatient):
        return nodes.rows_of(node.source.source)
    return node.source


def _conditions(frame: nodes.Frame) -> tuple[nodes.Series, ...]:
    """The where() conditions that make a frame from its table, outermost last."""
    return tuple(f.condition for f in reversed(nodes.ancestors(frame)) if isinstance(f, nodes.Filter))


def _when_no_rows(node: nodes.Series, value: ir.Value) -> Any:
    """What a patient with no rows gets: False for exists, 0 for counts, otherwise missing."""
    if isinstance(node, nodes.Exists):
        return ibis.coalesce(value, False)
    if isinstance(node, nodes.Count) or (
        isinstance(node, nodes.Aggregate) and node.function is nodes.AggregateFunction.COUNT_DISTINCT
    ):
        return ibis.coalesce(value, 0)
    return value


def _collect_patient_parts(node: nodes.Series, parts: list[nodes.Series]) -> None:
    """The largest per-patient pieces of a row-level series (constants aside): they are joined onto the rows."""
    if node.domain is None:
        if not isinstance(node, nodes.Value) and node not in parts:
            parts.append(node)
        return
    for child in node.children():
        _collect_patient_parts(child, parts)


def _arithmetic(op: nodes.ArithmeticOp, lhs: Any, rhs: Any) -> Any:
    if op is nodes.ArithmeticOp.ADD:
        return lhs + rhs
    if op is nodes.ArithmeticOp.SUB:
        return lhs - rhs
    if op is nodes.ArithmeticOp.MUL:
        return lhs * rhs
    # Dividing by zero gives a missing value on every engine (PostgreSQL would otherwise raise).
    return lhs.cast("float64") / rhs.cast("float64").nullif(0)


def _date_add(date: Any, amount_node: nodes.Series, amount: Any, unit: nodes.DateUnit) -> Any:
    if isinstance(amount_node, nodes.Value):
        if amount_node.value is None:
            return ibis.null("date")
        return (date + ibis.interval(**{unit.value: int(amount_node.value)})).cast("date")  # type: ignore[arg-type]
    return (date + amount.as_interval("D")).cast("date")


def _date_difference(start: Any, end: Any, unit: nodes.DateUnit) -> Any:
    """Whole units from start to end, rounded down, counted as birthdays are (a month ends on the same day number)."""
    if unit is nodes.DateUnit.DAYS:
        return end.delta(start, unit="day")
    day_before = end.day() < start.day()
    if unit is nodes.DateUnit.MONTHS:
        return (end.year() - start.year()) * 12 + end.month() - start.month() - ibis.ifelse(day_before, 1, 0)
    month_before = (end.month() < start.month()) | ((end.month() == start.month()) & day_before)
    return end.year() - start.year() - ibis.ifelse(month_before, 1, 0)
