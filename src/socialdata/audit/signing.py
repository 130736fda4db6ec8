"""The Ed25519 key that signs tree heads: from SDF_AUDIT_SIGNING_KEY, or a file in SDF_HOME made on first use.

The private key is never printed or logged; only the public key (and its id, SHA-256 of the raw key) is published.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from socialdata.errors import UserError

KEY_FILE_NAME = "audit-signing.key"
KEY_ENV = "SDF_AUDIT_SIGNING_KEY"


@dataclass(frozen=True)
class PublicKey:
    """The published half of the signing key."""

    raw: bytes

    @property
    def key_id(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def base64(self) -> str:
        return base64.b64encode(self.raw).decode()

    def verifier(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.raw)


def public_key_of(key: Ed25519PrivateKey) -> PublicKey:
    return PublicKey(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def _decode(text: str, where: str) -> Ed25519PrivateKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) != 32:
        raise UserError("not a base64-encoded raw Ed25519 private key (32 bytes)", where=where)
    return Ed25519PrivateKey.from_private_bytes(raw)


def _encode(key: Ed25519PrivateKey) -> bytes:
    return base64.b64encode(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())) + b"\n"


def _read_key_file(path: Path) -> Ed25519PrivateKey:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        message = f"the signing key is readable by others (mode {mode:o}); run: chmod 600 {path}"
        raise UserError(message, where=str(path))
    return _decode(path.read_text(), str(path))


def _create_key_file(path: Path) -> Ed25519PrivateKey:
    """Written to a private temporary file, then linked into place, so a racing process never reads half a key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, _encode(key))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return _read_key_file(path)
    finally:
        tmp.unlink()
    return key


def load_signing_key(home: Path, env: Mapping[str, str] | None = None) -> Ed25519PrivateKey:
    """SDF_AUDIT_SIGNING_KEY if set, else SDF_HOME/audit-signing.key (created with mode 0600 if absent)."""
    env = os.environ if env is None else env
    if env.get(KEY_ENV):
        return _decode(env[KEY_ENV], KEY_ENV)
    path = home / KEY_FILE_NAME
    return _read_key_file(path) if path.exists() else _create_key_file(path)
