"""`write_city`: the whole synthetic city on disk in one pass, written aside and moved into place when complete."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from rich.progress import Progress

from socialdata.errors import UserError
from socialdata.synth.council import CouncilWriter
from socialdata.synth.csv_files import TRUTH_COLUMNS, CsvFile
from socialdata.synth.gp import GpWriter
from socialdata.synth.hospital import HospitalWriter
from socialdata.synth.manifest import MANIFEST_NAME, CityManifest, ManifestOrganisation
from socialdata.synth.operational import write_bed_state, write_care_home_vacancies, write_supply_stock
from socialdata.synth.organisations import CITY_DATE, COUNCIL, HOSPITAL, ORGANISATIONS
from socialdata.synth.source_records import check_size, iter_sourced_people

TRUTH_NAME = "truth.csv"
_PROGRESS_STEP = 250


def write_city(out: Path, people: int = 10_000, seed: int = 1, progress: Progress | None = None) -> CityManifest:
    """Write the city's feeds, truth and manifest to `out` (new, empty, or an earlier city, which is replaced).
    Nothing appears at `out` unless every file was written."""
    check_size(people)
    _check_destination(out)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        manifest = _write(staging, people, seed, progress)
        _move_into_place(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise UserError(f"cannot write the city there ({exc.strerror or exc})", where=str(out)) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _check_destination(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UserError("exists and is not a folder", where=str(out))
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST_NAME).is_file():
        raise UserError(
            "folder is not empty and holds no synthetic city (no manifest.json): choose a new or empty folder",
            where=str(out),
        )


def _move_into_place(staging: Path, out: Path) -> None:
    if not out.exists():
        staging.rename(out)
        return
    retired = out.parent / f".{out.name}.old-{os.getpid()}"
    out.rename(retired)
    staging.rename(out)
    shutil.rmtree(retired, ignore_errors=True)


def _write(folder: Path, people: int, seed: int, progress: Progress | None) -> CityManifest:
    folder.mkdir(parents=True)
    hospital = HospitalWriter(folder / "hospital" / HOSPITAL, seed)
    council = CouncilWriter(folder / "council" / COUNCIL / "asc_cld.csv", seed)
    gp = GpWriter(folder / "gp", seed)
    truth = CsvFile(folder / TRUTH_NAME, TRUTH_COLUMNS)
    task = progress.add_task("Synthesising the city", total=people) if progress else None
    try:
        for count, sourced in enumerate(iter_sourced_people(people, seed), start=1):
            for record in sourced.records:
                truth.write((record.organisation_id, record.source_id, record.person_id, ";".join(record.noise)))
                if record.organisation_id == HOSPITAL:
                    hospital.add(sourced.person, record, sourced.stay)
                elif record.organisation_id == COUNCIL:
                    council.add(sourced.person, record)
                else:
                    gp.add(sourced.person, record)
            if progress is not None and task is not None and count % _PROGRESS_STEP == 0:
                progress.update(task, completed=count)
        hospital.close()
    finally:
        for file in (council, gp, truth):
            file.close()
    operational = folder / "operational"
    write_bed_state(operational / HOSPITAL / "bed_state.csv", seed)
    write_supply_stock(operational / HOSPITAL / "supply_stock.csv", seed)
    write_care_home_vacancies(operational / COUNCIL / "care_home_vacancies.csv", seed)
    if progress is not None and task is not None:
        progress.update(task, completed=people)

    files: dict[str, list[Path]] = {
        HOSPITAL: [
            *hospital.files,
            operational / HOSPITAL / "bed_state.csv",
            operational / HOSPITAL / "supply_stock.csv",
        ],
        COUNCIL: [council.path, operational / COUNCIL / "care_home_vacancies.csv"],
    }
    manifest = CityManifest(
        seed=seed,
        people=people,
        generated_for=CITY_DATE,
        organisations=tuple(
            ManifestOrganisation(
                org.code,
                org.name,
                org.kind,
                tuple(
                    p.relative_to(folder).as_posix()
                    for p in files.get(org.code, gp.files(org.code) if org.kind == "gp_practice" else ())
                ),
            )
            for org in ORGANISATIONS
        ),
    )
    (folder / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
    return manifest
