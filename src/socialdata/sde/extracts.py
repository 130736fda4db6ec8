"""Building a project's extract: its approved datasets and fields only, for the linked population minus national data
opt-outs (unless the project records an exemption), pseudonymised per project, dates coarsened as the project says.

The whole build runs inside the gate's `open_project` block: the decision, the extract's row, the list of people in
it (for the citizen's "how my data was used") and the audit event commit together, or none of them do. A rebuild
replaces the project's earlier extract (its file is deleted), so a person who has since opted out drops out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]  # no stubs in the environment
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from socialdata.access import AccessGate, Actor, Purpose
from socialdata.access.secondary_use import PROJECT_PURPOSES, ProjectAccess
from socialdata.audit import Action
from socialdata.config import Settings
from socialdata.errors import UserError
from socialdata.governance.datasets import DATASETS, FieldType, check_fields
from socialdata.sde.deprivation import imd_decile
from socialdata.sde.paths import extracts_dir, private_dir
from socialdata.sde.pseudonyms import project_key, pseudonymise
from socialdata.sde.staging import EVENTS_SCHEMA, PEOPLE_SCHEMA, events_query, opted_out_count, people_query, stage
from socialdata.sde.tables import RECIPES
from socialdata.store import Database
from socialdata.store.models import ExtractMember, ExtractStatus, Project, ProjectExtract

BUILD_STEPS = (
    "reading the population",
    "reading events",
    "making the tables",
    "pseudonymising",
    "writing the extract",
    "recording who is in it",
)
COARSENING = {"none": None, "month": "month", "year": "year"}

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ExtractSummary:
    extract_id: int
    project_id: int
    path: Path
    people: int
    opted_out_excluded: int
    rows: dict[str, int]
    built_at: dt.datetime
    opt_out_applied: bool
    replaced: tuple[tuple[int, Path], ...]  # the earlier extracts this one replaced, and their (deleted) files


def project_purpose(db: Database, project_id: int) -> Purpose:
    """The gate purpose a project is used under (research when there is no such project: the gate then refuses)."""
    with db.session() as s:
        project = s.get(Project, project_id)
    return PROJECT_PURPOSES.get(project.purpose if project else "", Purpose.RESEARCH)


def applies_opt_out(project: Project) -> bool:
    """The national data opt-out applies unless the project turned it off AND recorded the exemption it rests on."""
    return project.apply_national_opt_out or not (project.opt_out_exemption or "").strip()


def approved_fields(project: Project) -> dict[str, list[str]]:
    """The project's datasets and fields in the registry's order, the pseudonym always first."""
    wanted = project.datasets or {}
    if not wanted:
        raise UserError(f"project {project.id} has no approved datasets", where="project.datasets")
    approved: dict[str, list[str]] = {}
    for dataset_id, fields in wanted.items():
        check_fields(dataset_id, list(fields))
        dataset = DATASETS[dataset_id]
        approved[dataset_id] = [f.name for f in dataset.fields if f.is_pseudonym or f.name in fields]
    return approved


def _column(dataset_id: str, field: str, coarsen: str | None) -> str:
    if field == "patient_id":
        return "pm.patient_id"
    kind = DATASETS[dataset_id].field(field).type
    if coarsen is not None and kind == FieldType.DATE:
        return f"CAST(date_trunc('{coarsen}', m.{field}) AS DATE) AS {field}"
    return f"m.{field}"


def latest_extract(session: Session, project_id: int) -> ProjectExtract | None:
    """The project's extract in use (the newest one still built), if any."""
    stmt = (
        select(ProjectExtract)
        .where(ProjectExtract.project_id == project_id, ProjectExtract.status == ExtractStatus.BUILT)
        .order_by(ProjectExtract.id.desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def _make_tables(
    session: Session, con: duckdb.DuckDBPyConnection, approved: dict[str, list[str]], opt_out: bool, step: Progress
) -> None:
    step(BUILD_STEPS[0])
    stage(session, con, "stage_people", people_query(opt_out), PEOPLE_SCHEMA)
    step(BUILD_STEPS[1])
    kinds = sorted({kind for dataset_id in approved for kind in RECIPES[dataset_id].event_kinds(dataset_id)})
    stage(session, con, "stage_events", events_query(opt_out, kinds), EVENTS_SCHEMA)
    step(BUILD_STEPS[2])
    districts = con.execute(
        "SELECT DISTINCT split_part(upper(trim(postcode)), ' ', 1) FROM stage_people WHERE trim(postcode) <> ''"
    ).fetchall()
    names = [str(d) for (d,) in districts]
    lookup = pa.table({"district": names, "decile": [imd_decile(d) for d in names]})
    con.register("imd_lookup", lookup)
    for dataset_id in approved:
        con.execute(f"CREATE TABLE m_{dataset_id} AS {RECIPES[dataset_id].sql}")


def _write_extract(
    con: duckdb.DuckDBPyConnection, path: Path, approved: dict[str, list[str]], coarsen: str | None
) -> dict[str, int]:
    quoted = str(path).replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS ext")
    rows: dict[str, int] = {}
    try:
        for dataset_id, fields in approved.items():
            columns = ", ".join(_column(dataset_id, f, coarsen) for f in fields)
            con.execute(
                f"CREATE TABLE ext.{dataset_id} AS SELECT {columns} FROM m_{dataset_id} m"
                f" JOIN pseudonyms pm USING (person_id) ORDER BY pm.patient_id"
            )
            rows[dataset_id] = int(con.execute(f"SELECT count(*) FROM ext.{dataset_id}").fetchone()[0])  # type: ignore[index]
    finally:
        con.execute("DETACH ext")
    return rows


def _pseudonyms(con: duckdb.DuckDBPyConnection, approved: dict[str, list[str]], key: bytes) -> list[str]:
    """The people in any of the tables (the extract's members), their pseudonyms registered for the write."""
    union = " UNION ".join(f"SELECT person_id FROM m_{d}" for d in approved)
    members = [str(p) for (p,) in con.execute(f"SELECT DISTINCT person_id FROM ({union})").fetchall()]
    con.register("pseudonyms", pa.table({"person_id": members, "patient_id": pseudonymise(key, members)}))
    return members


def _retire_previous(session: Session, project_id: int, keep: int, at: dt.datetime) -> list[ProjectExtract]:
    """Mark the project's earlier extracts deleted (their files go once the new one is committed)."""
    stmt = select(ProjectExtract).where(
        ProjectExtract.project_id == project_id,
        ProjectExtract.status == ExtractStatus.BUILT,
        ProjectExtract.id != keep,
    )
    previous = list(session.scalars(stmt))
    for old in previous:
        old.status, old.deleted_at = ExtractStatus.DELETED, at
    return previous


def _build(pa_: ProjectAccess, settings: Settings, step: Progress, written: list[Path]) -> ExtractSummary:
    """The build inside the gate's transaction; every file it writes is listed in `written` as soon as it exists."""
    project, s = pa_.project, pa_.session
    approved = approved_fields(project)
    opt_out = applies_opt_out(project)
    with duckdb.connect() as con:
        _make_tables(s, con, approved, opt_out, step)
        step(BUILD_STEPS[3])
        members = _pseudonyms(con, approved, project_key(settings, project.id))
        excluded = opted_out_count(s) if opt_out else 0
        extract = ProjectExtract(
            project_id=project.id,
            built_at=pa_.at,
            built_by=pa_.actor.user_id,
            path="",
            people=len(members),
            opted_out_excluded=excluded,
            status=ExtractStatus.BUILT,
        )
        s.add(extract)
        s.flush()
        step(BUILD_STEPS[4])
        path = private_dir(extracts_dir(settings, project.id)) / f"extract-{extract.id}.duckdb"
        path.unlink(missing_ok=True)
        written.append(path)
        rows = _write_extract(con, path, approved, COARSENING.get(project.date_coarsening or "none"))
    path.chmod(0o440)
    extract.path = str(path)
    step(BUILD_STEPS[5])
    if members:
        rows_in = [{"extract_id": extract.id, "person_id": p} for p in members]
        s.connection().execute(insert(ExtractMember), rows_in)  # on the connection: no ORM step per member
    previous = _retire_previous(s, project.id, extract.id, pa_.at)
    pa_.detail.update(
        {
            "extract_id": extract.id,
            "people": len(members),
            "opted_out_excluded": excluded,
            "opt_out_applied": opt_out,
            "datasets": approved,
            "date_coarsening": project.date_coarsening,
            "replaced_extracts": [old.id for old in previous],
        }
    )
    return ExtractSummary(
        extract_id=extract.id,
        project_id=project.id,
        path=path,
        people=len(members),
        opted_out_excluded=excluded,
        rows=rows,
        built_at=pa_.at,
        opt_out_applied=opt_out,
        replaced=tuple((old.id, Path(old.path)) for old in previous),
    )


def build_extract(
    db: Database,
    actor: Actor,
    project_id: int,
    *,
    gate: AccessGate | None = None,
    progress: Progress | None = None,
) -> ExtractSummary:
    """Build (or rebuild) the project's extract for a member of it; AccessDenied when the gate refuses. The earlier
    extract's file is deleted only once the new one is committed; a failed build leaves no file behind."""
    gate = gate or AccessGate(db)
    written: list[Path] = []
    try:
        with gate.open_project(
            actor,
            project_id,
            project_purpose(db, project_id),
            action=Action.CREATE,
            entity_type="ProjectExtract",
            entity_id=str(project_id),
        ) as pa_:
            summary = _build(pa_, db.settings, progress or (lambda _: None), written)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    for _, old_path in summary.replaced:
        old_path.unlink(missing_ok=True)
    return summary
