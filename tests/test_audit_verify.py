"""`verify_log` and `sdf audit verify` find every kind of tampering done with direct SQL, and say precisely what."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from typer.testing import CliRunner, Result

from socialdata.audit import (
    AuditEvent,
    Backlog,
    PublicKey,
    VerificationReport,
    append_events,
    issue_tree_head,
    load_signing_key,
    public_key_of,
    sequence_pending,
    verify_log,
)
from socialdata.audit.canonical import event_leaf_hash
from socialdata.audit.proof_check import verify_inclusion
from socialdata.audit.rows import event_row
from socialdata.audit.samples import sample_events
from socialdata.audit.tree_head import sign_tree_head
from socialdata.cli import app
from socialdata.store import Database
from socialdata.store.types import utcnow

HEAD_SIZES = (10, 25, 40)


@pytest.fixture
def public(db: Database) -> PublicKey:
    """A log of 40 events with signed heads at sizes 10, 25 and 40."""
    key = load_signing_key(db.settings.home)
    events = sample_events(40, seed=21)
    done = 0
    for size in HEAD_SIZES:
        with db.session() as s:
            append_events(s, events[done:size])
        issue_tree_head(db, key)
        done = size
    return public_key_of(key)


def _sql(db: Database, *statements: str, **params: object) -> None:
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), params)


def _event(leaf_index: int) -> str:
    """SQL for the id of the event at a leaf index, since tampering targets what a proof points at."""
    return f"(SELECT event_id FROM audit_leaf WHERE leaf_index = {leaf_index})"


def _kinds(report: VerificationReport) -> Counter[str]:
    return Counter(p.kind for p in report.problems)


def _head_ids(db: Database) -> dict[int, int]:
    with db.engine.connect() as conn:
        return {size: head_id for size, head_id in conn.execute(text("SELECT tree_size, id FROM audit_tree_head"))}


def _mismatched_sizes(db: Database, report: VerificationReport) -> list[int]:
    size_of = {head_id: size for size, head_id in _head_ids(db).items()}
    return sorted(size_of[p.head_id] for p in report.problems if p.kind == "head_root_mismatch" and p.head_id)


def test_an_untouched_log_verifies(db: Database, public: PublicKey) -> None:
    seen: list[tuple[int, int]] = []
    report = verify_log(db, public, lambda done, total: seen.append((done, total)))
    assert report.ok, report.problems
    assert (report.events, report.heads) == (40, 3)
    assert seen[-1] == (40, 40)


def test_a_changed_event_is_named_by_its_leaf_index(db: Database, public: PublicKey) -> None:
    _sql(db, f"UPDATE audit_event SET username = 'mallory' WHERE id = {_event(7)}")
    report = verify_log(db, public)
    assert [(p.kind, p.leaf_index) for p in report.problems] == [("event_changed", 7)]


def test_a_changed_event_with_a_recomputed_leaf_hash_breaks_every_head_over_it(db: Database, public: PublicKey) -> None:
    original = sample_events(40, seed=21)[17]
    forged = AuditEvent(**{**original.__dict__, "username": "mallory"})
    _sql(
        db,
        f"UPDATE audit_event SET username = :u, leaf_hash = :h WHERE id = {_event(17)}",
        "UPDATE audit_leaf SET leaf_hash = :h WHERE leaf_index = 17",
        u=forged.username,
        h=event_leaf_hash(forged),
    )
    report = verify_log(db, public)
    assert _kinds(report) == Counter({"head_root_mismatch": 2})
    assert _mismatched_sizes(db, report) == [25, 40]
    # head 25 signed subtrees 0..15, 16..23, 24; head 40 signed 0..31, 32..39: each narrows to the one holding 17
    assert "the first difference is within events 16..23" in report.problems[0].message
    assert "the first difference is within events 0..31" in report.problems[1].message
    assert all(f"the last head that does is #{_head_ids(db)[10]} (size 10)" in p.message for p in report.problems)


def test_a_sequenced_leaf_whose_event_was_deleted_is_reported(db: Database, public: PublicKey) -> None:
    _sql(db, f"DELETE FROM audit_event WHERE id = {_event(12)}")
    report = verify_log(db, public)
    assert [(p.kind, p.leaf_index) for p in report.problems] == [("events_missing", 12)]
    assert "its leaf remains, its event row does not" in report.problems[0].message


def test_a_deleted_event_and_leaf_are_reported_missing(db: Database, public: PublicKey) -> None:
    _sql(db, f"DELETE FROM audit_event WHERE id = {_event(12)}", "DELETE FROM audit_leaf WHERE leaf_index = 12")
    report = verify_log(db, public)
    assert ("events_missing", 12) in [(p.kind, p.leaf_index) for p in report.problems]
    assert _mismatched_sizes(db, report) == [25]
    assert _kinds(report)["head_beyond_log"] == 1


def test_an_event_deleted_from_the_unsigned_end_is_caught_by_the_counter(db: Database, public: PublicKey) -> None:
    with db.session() as s:
        append_events(s, sample_events(2, seed=22))
    sequence_pending(db)
    _sql(db, f"DELETE FROM audit_event WHERE id = {_event(41)}", "DELETE FROM audit_leaf WHERE leaf_index = 41")
    report = verify_log(db, public)
    assert [(p.kind, p.leaf_index) for p in report.problems] == [("events_missing", 41)]


def test_an_event_slipped_onto_the_end_is_caught(db: Database, public: PublicKey) -> None:
    (extra,) = sample_events(1, seed=23)
    _insert(db, extra, 40)
    report = verify_log(db, public)
    assert [(p.kind, p.leaf_index) for p in report.problems] == [("events_not_appended", 40)]


def _insert(db: Database, event: AuditEvent, index: int) -> None:
    """An event and its leaf written straight into the tables, bypassing append and the sequencer."""
    row = event_row(event)
    row["detail"] = json.dumps(row["detail"])
    columns = ", ".join(row)
    with db.engine.begin() as conn:
        inserted = text(f"INSERT INTO audit_event ({columns}) VALUES ({', '.join(':' + c for c in row)}) RETURNING id")
        event_id = conn.execute(inserted, row).scalar_one()
        conn.execute(
            text("INSERT INTO audit_leaf (leaf_index, event_id, leaf_hash) VALUES (:i, :e, :h)"),
            {"i": index, "e": event_id, "h": row["leaf_hash"]},
        )


def test_an_event_inserted_in_the_middle_is_caught(db: Database, public: PublicKey) -> None:
    _sql(
        db,
        "UPDATE audit_leaf SET leaf_index = leaf_index + 1000000 WHERE leaf_index >= 20",
        "UPDATE audit_leaf SET leaf_index = leaf_index - 999999 WHERE leaf_index >= 1000000",
    )
    (extra,) = sample_events(1, seed=24)
    _insert(db, extra, 20)
    report = verify_log(db, public)
    assert _mismatched_sizes(db, report) == [25, 40]
    assert ("events_not_appended", 40) in [(p.kind, p.leaf_index) for p in report.problems]
    assert "event_changed" not in _kinds(report)


def test_two_events_with_swapped_leaf_indices_are_caught(db: Database, public: PublicKey) -> None:
    _sql(
        db,
        "UPDATE audit_leaf SET leaf_index = -1 WHERE leaf_index = 3",
        "UPDATE audit_leaf SET leaf_index = 3 WHERE leaf_index = 30",
        "UPDATE audit_leaf SET leaf_index = 30 WHERE leaf_index = -1",
    )
    report = verify_log(db, public)
    assert _mismatched_sizes(db, report) == [10, 25, 40]
    assert "no earlier head does" in report.problems[0].message
    assert set(_kinds(report)) == {"head_root_mismatch"}


def test_two_leaves_pointed_at_each_others_events_are_both_named(db: Database, public: PublicKey) -> None:
    with db.engine.connect() as conn:
        first, second = (conn.execute(text(f"SELECT {_event(i)}")).scalar_one() for i in (3, 30))
    _sql(
        db,
        "UPDATE audit_leaf SET event_id = -1 WHERE leaf_index = 3",
        "UPDATE audit_leaf SET event_id = :a WHERE leaf_index = 30",
        "UPDATE audit_leaf SET event_id = :b WHERE leaf_index = 3",
        a=first,
        b=second,
    )
    report = verify_log(db, public)
    assert [(p.kind, p.leaf_index) for p in report.problems] == [("event_changed", 3), ("event_changed", 30)]


def test_two_events_with_swapped_contents_are_both_named(db: Database, public: PublicKey) -> None:
    _sql(
        db,
        f"UPDATE audit_event SET patient_id = 'swap' WHERE id = {_event(3)}",
        f"UPDATE audit_event SET patient_id = (SELECT patient_id FROM audit_event WHERE id = {_event(4)})"
        f" WHERE id = {_event(3)}",
    )
    with db.engine.connect() as conn:
        before = conn.execute(text(f"SELECT patient_id FROM audit_event WHERE id = {_event(3)}")).scalar_one()
    _sql(db, f"UPDATE audit_event SET patient_id = :p WHERE id = {_event(4)}", p=before + "x")
    report = verify_log(db, public)
    assert [(p.kind, p.leaf_index) for p in report.problems] == [("event_changed", 3), ("event_changed", 4)]


def test_a_forged_tree_head_is_caught(db: Database, public: PublicKey) -> None:
    forger = Ed25519PrivateKey.generate()
    fake = sign_tree_head(forger, 40, b"\x42" * 32, utcnow())
    _sql(
        db,
        "INSERT INTO audit_tree_head (tree_size, root_hash, timestamp, signature, key_id, frontier)"
        " VALUES (40, :r, :t, :s, :k, :f)",
        r=fake.root_hash,
        t=fake.timestamp if db.dialect == "postgresql" else fake.timestamp.replace(tzinfo=None),
        s=fake.signature,
        k=public.key_id,
        f=json.dumps([]),
    )
    report = verify_log(db, public)
    assert _kinds(report) == Counter({"head_bad_signature": 1, "head_frontier": 1, "head_root_mismatch": 1})
    assert len({p.head_id for p in report.problems}) == 1


def test_a_tree_head_with_a_bad_signature_is_caught(db: Database, public: PublicKey) -> None:
    head_id = _head_ids(db)[25]
    with db.engine.connect() as conn:
        signature = conn.execute(text(f"SELECT signature FROM audit_tree_head WHERE id = {head_id}")).scalar_one()
    _sql(
        db,
        f"UPDATE audit_tree_head SET signature = :s WHERE id = {head_id}",
        s=bytes([signature[0] ^ 1]) + signature[1:],
    )
    report = verify_log(db, public)
    assert [(p.kind, p.head_id) for p in report.problems] == [("head_bad_signature", head_id)]


def test_heads_are_checked_against_a_published_key_too(db: Database, public: PublicKey) -> None:
    stranger = public_key_of(Ed25519PrivateKey.generate())
    report = verify_log(db, stranger)
    assert _kinds(report) == Counter({"head_unknown_key": 3})


def _sdf(env: dict[str, str], *args: str) -> Result:
    """In-process (Typer's runner sets the environment for the call), to spare each call a second of imports."""
    return CliRunner().invoke(app, ["audit", *args], env=env)


def test_the_cli_issues_heads_serves_proofs_and_reports_tampering(
    db: Database, public: PublicKey, cli_env: dict[str, str]
) -> None:
    with db.session() as s:
        append_events(s, sample_events(5, seed=25))
    head = _sdf(cli_env, "head", "--json")
    assert head.exit_code == 0, head.stderr
    sth = json.loads(head.stdout)
    assert sth["tree_size"] == 45
    proof = json.loads(_sdf(cli_env, "proof", "inclusion", "42", "--json").stdout)
    path = [bytes.fromhex(h) for h in proof["audit_path"]]
    assert verify_inclusion(42, 45, bytes.fromhex(proof["leaf_hash"]), path, bytes.fromhex(sth["root_hash"]))
    key = json.loads(_sdf(cli_env, "key", "--json").stdout)
    assert key["public_key"] == public.base64
    secret = (db.settings.home / "audit-signing.key").read_text().strip()
    assert json.loads(_sdf(cli_env, "verify", "--json").stdout)["ok"] is True

    _sql(db, f"UPDATE audit_event SET outcome = 4 WHERE id = {_event(2)}")
    verify = _sdf(cli_env, "verify")
    assert verify.exit_code == 1
    assert "event_changed: event 2 was changed" in verify.stderr
    published = _sdf(cli_env, "verify", "--json", "--public-key", public.base64)
    assert published.exit_code == 1
    assert [p["leaf_index"] for p in json.loads(published.stdout)["problems"]] == [2]
    for run in (head, verify, published):
        assert secret not in run.stdout + run.stderr


def test_the_cli_explains_bad_requests_in_one_line(
    db: Database, public: PublicKey, cli_env: dict[str, str], tmp_path: Path
) -> None:
    beyond = _sdf(cli_env, "proof", "inclusion", "40")
    assert beyond.exit_code == 2
    assert beyond.stderr.strip() == "error: leaf_index: 40 is not a leaf of a tree of size 40 (0..39)"
    bad_key = _sdf(cli_env, "verify", "--public-key", base64.b64encode(b"short").decode())
    assert bad_key.exit_code == 2
    assert "--public-key: not a base64-encoded raw Ed25519 public key" in bad_key.stderr
    nowhere = _sdf({**cli_env, "SDF_HOME": str(tmp_path / "new"), "SDF_DATABASE_URL": ""}, "head")
    assert nowhere.exit_code == 2
    assert "the store has no schema yet; run `sdf init` first" in nowhere.stderr


def test_events_waiting_too_long_for_the_sequencer_are_reported(db: Database, public: PublicKey) -> None:
    waiting = sample_events(3, seed=26)
    with db.session() as s:
        append_events(s, waiting)
    oldest = min(e.recorded_at for e in waiting)
    soon = verify_log(db, public, now=oldest + dt.timedelta(seconds=30))
    assert soon.ok, soon.problems
    assert (soon.events, soon.unsequenced) == (40, Backlog(3, oldest))
    late = verify_log(db, public, now=oldest + dt.timedelta(minutes=6))
    assert [p.kind for p in late.problems] == ["events_unsequenced"]
    assert "3 event(s) not yet sequenced" in late.problems[0].message
    sequence_pending(db)
    assert verify_log(db, public, now=oldest + dt.timedelta(days=1)).ok


def test_the_cli_finds_an_events_leaf_and_reports_the_backlog(
    db: Database, public: PublicKey, cli_env: dict[str, str]
) -> None:
    with db.session() as s:
        (event_id,) = append_events(s, sample_events(1, seed=27))
    waiting = _sdf(cli_env, "leaf", str(event_id))
    assert waiting.exit_code == 2
    assert f"event_id: audit event {event_id} is not yet sequenced" in waiting.stderr
    stale = _sdf(cli_env, "verify", "--json")
    assert stale.exit_code == 1
    body = json.loads(stale.stdout)
    assert body["unsequenced"]["events"] == 1
    assert [p["kind"] for p in body["problems"]] == ["events_unsequenced"]
    fresh = _sdf(cli_env, "verify", "--max-delay", str(10**9))
    assert fresh.exit_code == 0
    assert "1 event(s) not yet sequenced" in " ".join(fresh.stderr.split())  # Rich may wrap the line
    assert _sdf(cli_env, "head").exit_code == 0
    found = _sdf(cli_env, "leaf", str(event_id), "--json")
    assert json.loads(found.stdout) == {"event_id": event_id, "leaf_index": 40}
    missing = _sdf(cli_env, "leaf", str(event_id + 1000))
    assert missing.exit_code == 2
    assert f"event_id: no audit event has id {event_id + 1000}" in missing.stderr
