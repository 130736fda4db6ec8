"""Appending audit events in the caller's transaction with no lock, so writers commit in parallel; the sequencer makes
committed events gapless leaves; signed tree heads and the key."""

from __future__ import annotations

import base64
import datetime as dt
import json
import stat
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import func, select, text

from socialdata.audit import (
    Action,
    AuditEvent,
    AuditIntegrityError,
    Outcome,
    PurposeOfUse,
    append_event,
    append_events,
    issue_tree_head,
    load_signing_key,
    prove_consistency,
    prove_inclusion,
    public_key_of,
    sequence_pending,
)
from socialdata.audit.canonical import canonical_bytes, event_leaf_hash
from socialdata.audit.merkle import EMPTY_ROOT, root
from socialdata.audit.proof_check import verify_consistency, verify_inclusion
from socialdata.audit.rows import event_from_row
from socialdata.audit.samples import sample_events
from socialdata.errors import UserError
from socialdata.store import Database
from socialdata.store.models import AuditEventRecord, AuditLeaf, AuditTreeHead


def _leaves(db: Database) -> list[tuple[int, int, bytes]]:
    """(leaf index, event id, leaf hash) in leaf order."""
    with db.session() as s:
        rows = s.execute(select(AuditLeaf.leaf_index, AuditLeaf.event_id, AuditLeaf.leaf_hash).order_by("leaf_index"))
        return [tuple(row) for row in rows]


def _stored_hashes(db: Database) -> list[bytes]:
    return [leaf for _, _, leaf in _leaves(db)]


def test_appended_events_get_increasing_ids_then_consecutive_leaves_and_round_trip(db: Database) -> None:
    events = sample_events(8, seed=1)
    with db.session() as s:
        singles = [append_event(s, e) for e in events[:3]]
        batch = append_events(s, events[3:])
    ids = singles + batch
    assert ids == sorted(set(ids)) and len(ids) == 8
    assert _leaves(db) == []
    assert sequence_pending(db) == 8
    assert sequence_pending(db) == 0
    assert _leaves(db) == [(i, ids[i], event_leaf_hash(e)) for i, e in enumerate(events)]
    with db.session() as s:
        for event, event_id in zip(events, ids, strict=True):
            record = s.get_one(AuditEventRecord, event_id)
            assert record.leaf_hash == event_leaf_hash(event)
            assert event_from_row(record.__dict__) == event


def test_an_event_vanishes_with_the_callers_rolled_back_transaction_and_leaves_no_gap(db: Database) -> None:
    first, lost, last = sample_events(3, seed=2)
    with db.session() as s:
        kept = [append_event(s, first)]
    with pytest.raises(RuntimeError), db.session() as s:
        append_event(s, lost)
        raise RuntimeError("the read it recorded failed")
    with db.session() as s:
        kept.append(append_event(s, last))
    sequence_pending(db)
    assert _leaves(db) == [(0, kept[0], event_leaf_hash(first)), (1, kept[1], event_leaf_hash(last))]


def _writer_transaction(
    db: Database, events: list[AuditEvent], meet: threading.Barrier | None, keep: bool
) -> list[int]:
    """One audited transaction; with `meet`, it waits, events appended and transaction open, until every other writer
    is there too. On PostgreSQL a lock timeout turns any lock an append takes into an error instead of a wait."""
    with db.session() as s:
        if db.dialect == "postgresql":
            s.execute(text("SET LOCAL lock_timeout = '3s'"))
            s.execute(text("SET LOCAL statement_timeout = '10s'"))
        ids = append_events(s, events)
        if meet is not None:
            meet.wait()
        if not keep:
            raise LookupError("rolled back on purpose")
    return ids


def test_concurrent_writers_commit_in_parallel_and_sequence_gapless(db: Database) -> None:
    """On PostgreSQL, each round's 4 writers all hold an open transaction with their events appended at the same moment
    (the barrier), then one rolls back and three commit: under a lock taken by append, the second writer's append
    would time out and the barrier break. SQLite allows one writer at a time, so there they take turns. Sequencers
    run alongside; afterwards the leaves are exactly 0..n-1 and are the committed events, in event-id order."""
    writers, rounds = 4, 6
    parallel = db.dialect == "postgresql"
    events = sample_events(3, seed=3)
    committed: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    meet = [threading.Barrier(writers, timeout=20) if parallel else None for _ in range(rounds)]
    done = threading.Event()

    def writer(worker: int) -> None:
        try:
            for round_ in range(rounds):
                batch = events[: 1 + (worker + round_) % 3]
                try:
                    ids = _writer_transaction(db, batch, meet[round_], keep=round_ % writers != worker)
                except LookupError:
                    continue
                with lock:
                    committed.extend(ids)
        except BaseException as exc:  # surfaced in the main thread below
            failures.append(exc)

    def sequencer() -> None:
        try:
            while not done.is_set():
                sequence_pending(db)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    background = [threading.Thread(target=sequencer) for _ in range(2)]
    for t in threads + background:
        t.start()
    for t in threads:
        t.join()
    done.set()
    for t in background:
        t.join()
    assert not failures, failures
    sequence_pending(db)
    leaves = _leaves(db)
    assert [index for index, _, _ in leaves] == list(range(len(committed)))
    assert sorted(event_id for _, event_id, _ in leaves) == sorted(committed)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEventRecord)) == len(committed)  # rollbacks left nothing
        stored = {
            event_id: leaf for event_id, leaf in s.execute(select(AuditEventRecord.id, AuditEventRecord.leaf_hash))
        }
    assert all(stored[event_id] == leaf for _, event_id, leaf in leaves)


def test_the_canonical_form_is_sorted_compact_utf8_json() -> None:
    event = AuditEvent(
        user_id=7,
        username="zoë.ødegaard",
        role="R8000",
        organisation_id="RXX",
        patient_id=None,
        action=Action.READ,
        purpose=PurposeOfUse.HRESCH,
        outcome=Outcome.SUCCESS,
        entity_type="Dataset",
        entity_id="cohort-1",
        detail={"z": [1, {"b": True, "a": None}], "a": "x"},
        recorded_at=dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    )
    data = canonical_bytes(event)
    doc = json.loads(data.decode("utf-8"))
    assert data == json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert doc["recorded"] == "2026-03-01T11:00:00.000000Z"
    assert doc["user"] == {"id": 7, "username": "zoë.ødegaard"}
    assert (doc["action"], doc["purpose"], doc["outcome"], doc["patient"]) == ("R", "HRESCH", 0, None)


def test_the_same_moment_in_another_zone_hashes_the_same() -> None:
    (event,) = sample_events(1, seed=4)
    elsewhere = dt.timezone(dt.timedelta(hours=-5))
    moved = AuditEvent(**{**event.__dict__, "recorded_at": event.recorded_at.astimezone(elsewhere)})
    assert event_leaf_hash(moved) == event_leaf_hash(event)
    assert moved.recorded_at.tzinfo == dt.UTC


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"detail": {"score": 0.5}}, "detail.score: float is not allowed"),
        ({"detail": {"note": "a\x00b"}}, "detail.note: text contains a NUL"),
        ({"detail": {"n": 1 << 70}}, "does not fit in 64 bits"),
        ({"recorded_at": dt.datetime(2026, 1, 1)}, "timezone-aware"),
        ({"action": "X"}, "'X' is not a valid Action"),
        ({"purpose": "SHOPPING"}, "'SHOPPING' is not a valid PurposeOfUse"),
        ({"outcome": 3}, "3 is not a valid Outcome"),
        ({"username": "u" * 101}, "username is longer than 100 characters"),
        ({"patient_id": 42}, "patient_id must be text"),
        ({"break_glass": "yes"}, "break_glass must be true or false"),
    ],
)
def test_events_that_could_not_be_hashed_canonically_are_refused(change: dict[str, object], message: str) -> None:
    (event,) = sample_events(1, seed=5)
    with pytest.raises(ValueError, match=message):
        AuditEvent(**{**event.__dict__, **change})


def test_tree_heads_sign_the_rfc6962_root_and_proofs_verify_against_them(db: Database) -> None:
    key = load_signing_key(db.settings.home)
    empty = issue_tree_head(db, key)
    assert (empty.tree_size, empty.root_hash) == (0, EMPTY_ROOT)
    with db.session() as s:
        append_events(s, sample_events(10, seed=6))
    first = issue_tree_head(db, key)
    with db.session() as s:
        append_events(s, sample_events(7, seed=7))
    second = issue_tree_head(db, key)
    leaves = _stored_hashes(db)
    assert (first.tree_size, first.root_hash) == (10, root(leaves[:10]))
    assert (second.tree_size, second.root_hash) == (17, root(leaves))
    public = public_key_of(key)
    assert all(h.signature_valid(public) for h in (empty, first, second))
    for index in range(17):
        proof = prove_inclusion(db, index)
        assert proof.tree_size == 17
        assert verify_inclusion(index, 17, leaves[index], proof.audit_path, second.root_hash)
    old = prove_inclusion(db, 4, tree_size=10)
    assert verify_inclusion(4, 10, leaves[4], old.audit_path, first.root_hash)
    link = prove_consistency(db, 10)
    assert verify_consistency(10, 17, first.root_hash, second.root_hash, link.proof)


def test_a_new_head_hashes_only_the_leaves_since_the_last_one(db: Database) -> None:
    """Rewriting a leaf hash already under a head does not change the next head: it extends the stored frontier."""
    key = load_signing_key(db.settings.home)
    with db.session() as s:
        append_events(s, sample_events(12, seed=8))
    issue_tree_head(db, key)
    with db.session() as s:
        append_events(s, sample_events(3, seed=9))
    sequence_pending(db)
    honest = root(_stored_hashes(db))
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_leaf SET leaf_hash = :h WHERE leaf_index = 5"), {"h": b"\x11" * 32})
    assert issue_tree_head(db, key).root_hash == honest


def test_issuing_refuses_to_extend_a_head_whose_frontier_or_signature_was_tampered(db: Database) -> None:
    key = load_signing_key(db.settings.home)
    with db.session() as s:
        append_events(s, sample_events(5, seed=10))
    issue_tree_head(db, key)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_tree_head SET frontier = :f"), {"f": json.dumps(["00" * 32, "11" * 32])})
    with pytest.raises(AuditIntegrityError, match="does not match its stored frontier"):
        issue_tree_head(db, key)
    with pytest.raises(AuditIntegrityError, match="not signed by this log's key"):
        issue_tree_head(db, Ed25519PrivateKey.generate())
    with db.session() as s:
        assert len(s.scalars(select(AuditTreeHead)).all()) == 1


def test_proof_requests_outside_the_log_are_clear_errors(db: Database) -> None:
    with pytest.raises(UserError, match="no signed tree head"):
        prove_inclusion(db, 0)
    with db.session() as s:
        append_events(s, sample_events(4, seed=11))
    issue_tree_head(db, load_signing_key(db.settings.home))
    with pytest.raises(UserError, match=r"leaf_index: 4 is not a leaf of a tree of size 4"):
        prove_inclusion(db, 4)
    with pytest.raises(UserError, match=r"tree_size: 9 is outside the log, which holds 4 events"):
        prove_inclusion(db, 0, tree_size=9)
    with pytest.raises(UserError, match=r"first: 5 must be between 0 and the second size, 4"):
        prove_consistency(db, 5)


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def test_the_signing_key_file_is_made_once_private_and_reused(db: Database) -> None:
    home = db.settings.home
    key = load_signing_key(home, env={})
    path = home / "audit-signing.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _raw(load_signing_key(home, env={})) == _raw(key)
    path.chmod(0o644)
    with pytest.raises(UserError, match=r"readable by others .* chmod 600"):
        load_signing_key(home, env={})


def test_the_signing_key_can_come_from_the_environment_and_a_bad_one_is_named(db: Database) -> None:
    given = Ed25519PrivateKey.generate()
    env = {"SDF_AUDIT_SIGNING_KEY": base64.b64encode(_raw(given)).decode()}
    assert _raw(load_signing_key(db.settings.home, env=env)) == _raw(given)
    assert not (db.settings.home / "audit-signing.key").exists()
    with pytest.raises(UserError, match="SDF_AUDIT_SIGNING_KEY: not a base64-encoded raw Ed25519 private key"):
        load_signing_key(db.settings.home, env={"SDF_AUDIT_SIGNING_KEY": "c2VjcmV0"})


def test_a_lookback_round_skips_old_unsequenced_ids_and_a_full_sweep_takes_them(db: Database) -> None:
    """The web app's cheap rounds look at ids above the highest sequenced less a lookback; a full sweep at all."""
    with db.session() as s:
        early = append_events(s, sample_events(3, seed=12))
    with db.session() as s:
        later = append_events(s, sample_events(4, seed=13))
    with db.engine.begin() as conn:  # as if `early` had still been open when `later` was sequenced
        conn.execute(
            text(
                "INSERT INTO audit_leaf (leaf_index, event_id, leaf_hash) SELECT 0, id, leaf_hash FROM audit_event"
                " WHERE id = :last"
            ),
            {"last": later[-1]},
        )
        conn.execute(text("INSERT INTO audit_sequence (id, next_leaf_index) VALUES (1, 1)"))
    lookback = later[-1] - later[0] + 1  # reaches back to the first of `later`, not to `early`
    assert sequence_pending(db, lookback=lookback) == 3
    assert sequence_pending(db, lookback=lookback) == 0
    assert sequence_pending(db) == 3
    order = [later[-1], *later[:-1], *early]
    assert [(index, event_id) for index, event_id, _ in _leaves(db)] == list(enumerate(order))
