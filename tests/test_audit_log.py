"""Appending audit events: in the caller's transaction, gapless under concurrency; signed tree heads and the key."""

from __future__ import annotations

import base64
import datetime as dt
import json
import stat
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import select, text

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
)
from socialdata.audit.canonical import canonical_bytes, event_leaf_hash
from socialdata.audit.merkle import EMPTY_ROOT, root
from socialdata.audit.proof_check import verify_consistency, verify_inclusion
from socialdata.audit.rows import event_from_row
from socialdata.audit.samples import sample_events
from socialdata.errors import UserError
from socialdata.store import Database
from socialdata.store.models import AuditEventRecord, AuditTreeHead


def _indices(db: Database) -> list[int]:
    with db.session() as s:
        return list(s.scalars(select(AuditEventRecord.leaf_index).order_by(AuditEventRecord.leaf_index)))


def _stored_hashes(db: Database) -> list[bytes]:
    with db.session() as s:
        return list(s.scalars(select(AuditEventRecord.leaf_hash).order_by(AuditEventRecord.leaf_index)))


def test_appended_events_get_consecutive_indices_and_round_trip_to_the_same_hash(db: Database) -> None:
    events = sample_events(8, seed=1)
    with db.session() as s:
        singles = [append_event(s, e) for e in events[:3]]
        batch = append_events(s, events[3:])
    assert singles == [0, 1, 2]
    assert list(batch) == [3, 4, 5, 6, 7]
    with db.session() as s:
        records = s.scalars(select(AuditEventRecord).order_by(AuditEventRecord.leaf_index)).all()
        for event, record in zip(events, records, strict=True):
            assert record.leaf_hash == event_leaf_hash(event)
            assert event_from_row(record.__dict__) == event


def test_an_event_vanishes_with_the_callers_rolled_back_transaction_and_leaves_no_gap(db: Database) -> None:
    first, lost, last = sample_events(3, seed=2)
    with db.session() as s:
        append_event(s, first)
    with pytest.raises(RuntimeError), db.session() as s:
        assert append_event(s, lost) == 1
        raise RuntimeError("the read it recorded failed")
    with db.session() as s:
        assert append_event(s, last) == 1
    assert _stored_hashes(db) == [event_leaf_hash(first), event_leaf_hash(last)]


def test_concurrent_writers_with_rollbacks_leave_indices_gapless(db: Database) -> None:
    events = sample_events(6, seed=3)
    committed: list[int] = []
    lock = threading.Lock()
    failures: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            for round_ in range(12):
                batch = events[: 1 + (worker + round_) % 3]
                try:
                    with db.session() as s:
                        got = append_events(s, batch)
                        if round_ % 3 == worker % 3:
                            raise LookupError("rolled back on purpose")
                except LookupError:
                    continue
                with lock:
                    committed.extend(got)
        except BaseException as exc:  # surfaced in the main thread below
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert sorted(committed) == list(range(len(committed)))
    assert _indices(db) == list(range(len(committed)))


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
    honest = root(_stored_hashes(db))
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET leaf_hash = :h WHERE leaf_index = 5"), {"h": b"\x11" * 32})
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
