"""`sdf audit`: sequence and sign tree heads, publish the key, find an event's leaf, serve proofs, verify the log.

None of these needs the web app running: `head` runs the sequencer itself before signing."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from socialdata.audit import (
    PublicKey,
    VerificationReport,
    issue_tree_head,
    leaf_index_of,
    load_signing_key,
    prove_consistency,
    prove_inclusion,
    public_key_of,
    verify_log,
)
from socialdata.audit.verify import DEFAULT_MAX_DELAY
from socialdata.cli.output import console, emit_json, guarded
from socialdata.config import load_settings
from socialdata.errors import UserError
from socialdata.store import Database
from socialdata.store.types import utcnow

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def register(app: typer.Typer) -> None:
    audit = typer.Typer(help="The tamper-evident audit log: tree heads, proofs, verification.", no_args_is_help=True)
    audit.command("verify")(verify)
    audit.command("head")(head)
    audit.command("key")(key)
    audit.command("leaf")(leaf)
    proof = typer.Typer(help="Merkle proofs that a client can check against a signed tree head.", no_args_is_help=True)
    proof.command("inclusion")(inclusion)
    proof.command("consistency")(consistency)
    audit.add_typer(proof, name="proof")
    app.add_typer(audit, name="audit")


@contextmanager
def _store() -> Iterator[Database]:
    db = Database()
    try:
        if not db.is_initialised():
            raise UserError("the store has no schema yet; run `sdf init` first", where=db.settings.database_url)
        yield db
    finally:
        db.dispose()


def _public_key(text: str | None, db: Database) -> PublicKey:
    if text is None:
        return public_key_of(load_signing_key(db.settings.home))
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) != 32:
        raise UserError("not a base64-encoded raw Ed25519 public key (32 bytes)", where="--public-key")
    return PublicKey(raw)


def _backlog_line(report: VerificationReport) -> str:
    waiting = report.unsequenced
    if waiting.oldest is None:
        return "no events waiting to be sequenced"
    age = (utcnow() - waiting.oldest).total_seconds()
    return f"{waiting.count} event(s) not yet sequenced, the oldest recorded {age:,.0f} s ago"


@guarded
def verify(
    json_out: JsonFlag = False,
    public_key: Annotated[
        str | None, typer.Option(help="Check heads against this published key (base64) instead of the local one.")
    ] = None,
    max_delay: Annotated[
        float,
        typer.Option(min=0, help="Seconds an event may wait to be sequenced before that counts as a problem."),
    ] = DEFAULT_MAX_DELAY.total_seconds(),
) -> None:
    """Recompute every sequenced event's hash, rebuild the tree, check every signed tree head, report events waiting
    for the sequencer; exit code 1 if anything is wrong."""
    with _store() as db:
        columns = (TextColumn("verifying audit log"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("verify", total=None)
            report = verify_log(
                db,
                _public_key(public_key, db),
                lambda done, total: bar.update(task, completed=done, total=total),
                max_delay=dt.timedelta(seconds=max_delay),
            )
    if json_out:
        emit_json(report.to_json())
    elif report.ok:
        console.print(
            f"[green]Audit log intact:[/] {report.events} sequenced events, {report.heads} signed tree heads, "
            f"root {report.root_hash.hex()}; {_backlog_line(report)}"
        )
    else:
        for problem in report.problems:
            console.print(f"[bold red]{problem.kind}:[/] {problem.message}", highlight=False)
        console.print(
            f"[bold red]{len(report.problems)} problem(s)[/] in {report.events} sequenced events, {report.heads} heads;"
            f" {_backlog_line(report)}"
        )
    if not report.ok:
        raise typer.Exit(1)


@guarded
def head(json_out: JsonFlag = False) -> None:
    """Sequence every committed event, then sign the log as it stands and store the new tree head."""
    with _store() as db:
        sth = issue_tree_head(db)
    if json_out:
        emit_json(sth.to_json())
    else:
        console.print(f"[green]Signed tree head:[/] size {sth.tree_size}, root {sth.root_hash.hex()}, {sth.timestamp}")


@guarded
def key(json_out: JsonFlag = False) -> None:
    """Print the public key that verifies this log's tree heads (the private key never leaves SDF_HOME)."""
    public = public_key_of(load_signing_key(load_settings().home))
    if json_out:
        emit_json({"algorithm": "Ed25519", "public_key": public.base64, "key_id": public.key_id})
    else:
        console.print(f"Ed25519 public key: {public.base64}\nkey id: {public.key_id}", highlight=False)


@guarded
def leaf(
    event_id: Annotated[int, typer.Argument(help="The event id its writer got back from append_event(s).")],
    json_out: JsonFlag = False,
) -> None:
    """The leaf index of an event, to ask for its inclusion proof (an error until the sequencer has run)."""
    with _store() as db:
        index = leaf_index_of(db, event_id)
    if json_out:
        emit_json({"event_id": event_id, "leaf_index": index})
    else:
        console.print(f"event {event_id} is leaf {index}", highlight=False)


@guarded
def inclusion(
    leaf_index: Annotated[int, typer.Argument(help="The event's leaf index.")],
    size: Annotated[int | None, typer.Option("--size", help="Tree size (default: the latest signed head).")] = None,
    json_out: JsonFlag = False,
) -> None:
    """The audit path proving one event is in the tree of a given size."""
    with _store() as db:
        proof = prove_inclusion(db, leaf_index, size)
    if json_out:
        emit_json(proof.to_json())
        return
    console.print(f"leaf {proof.leaf_index} of {proof.tree_size}: leaf hash {proof.leaf_hash.hex()}", highlight=False)
    for step in proof.audit_path:
        console.print(f"  {step.hex()}", highlight=False)
    console.print(f"root {proof.root_hash.hex()}", highlight=False)


@guarded
def consistency(
    first: Annotated[int, typer.Argument(help="The earlier tree size.")],
    second: Annotated[int | None, typer.Argument(help="The later tree size (default: the latest signed head).")] = None,
    json_out: JsonFlag = False,
) -> None:
    """The proof that the tree of the first size is a prefix of the tree of the second."""
    with _store() as db:
        proof = prove_consistency(db, first, second)
    if json_out:
        emit_json(proof.to_json())
        return
    console.print(f"{proof.first} ({proof.first_root.hex()}) → {proof.second} ({proof.second_root.hex()})")
    for step in proof.proof:
        console.print(f"  {step.hex()}", highlight=False)
