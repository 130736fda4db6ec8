"""`sdf synth`: write the synthetic city of Avonford (partner feeds, truth and manifest) to a folder."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from socialdata.cli.output import console, emit_json, guarded
from socialdata.synth import CityManifest, write_city
from socialdata.synth.city import TRUTH_NAME


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)


@guarded
def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the city to (new, empty, or an earlier city).")],
    people: Annotated[int, typer.Option("--people", help="How many people live in the city.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same arguments give byte-identical files.")] = 1,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON summary for scripts.")] = False,
) -> None:
    """Generate the synthetic city: a population with known truth and each partner's feeds about it."""
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        manifest = write_city(out, people=people, seed=seed, progress=progress)
    summary = _summary(out, manifest)
    if json_out:
        emit_json(summary)
        return
    console.print(
        f"[green]Avonford written[/] to {out}: {people:,} people, {summary['source_person_records']:,} source person "
        f"records across {sum(1 for o in manifest.organisations if o.files)} organisations."
    )


def _summary(out: Path, manifest: CityManifest) -> dict[str, Any]:
    with (out / TRUTH_NAME).open(newline="", encoding="utf-8") as handle:
        records = Counter(row["organisation_id"] for row in csv.DictReader(handle))
    return {
        "out": str(out),
        "seed": manifest.seed,
        "people": manifest.people,
        "generated_for": manifest.generated_for.isoformat(),
        "source_person_records": sum(records.values()),
        "organisations": [
            {"code": o.code, "kind": o.kind, "files": len(o.files), "person_records": records.get(o.code, 0)}
            for o in manifest.organisations
        ],
    }
