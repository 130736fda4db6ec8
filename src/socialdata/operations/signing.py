"""Each node's Ed25519 key: the node signs every answer with it, the hub checks answers against the registered half.

What is signed is the answer's canonical bytes (sorted-key compact JSON), so a proxy that re-encodes the JSON does not
break the signature but any change to a value does.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from socialdata.errors import UserError


def canonical(document: dict[str, Any]) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def public_key_text(key: Ed25519PrivateKey) -> str:
    """The public half as base64 of its 32 raw bytes: what `sdf node register` takes."""
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def parse_public_key(text: str, where: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) != 32:
        raise UserError("not a base64-encoded raw Ed25519 public key (32 bytes)", where=where)
    return Ed25519PublicKey.from_public_bytes(raw)


def sign(key: Ed25519PrivateKey, document: dict[str, Any]) -> str:
    return base64.b64encode(key.sign(canonical(document))).decode()


def signature_holds(key: Ed25519PublicKey, document: dict[str, Any], signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), canonical(document))
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def node_key(path: Path) -> Ed25519PrivateKey:
    """The node's key from its file (owner-only), made on first use; the private half never leaves the node."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(base64.b64encode(raw) + b"\n")
        try:
            os.link(tmp, path)  # a racing process that made the key first wins; both then read the same file
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise UserError(f"the node key is readable by others (mode {mode:o}); run: chmod 600 {path}", where=str(path))
    try:
        raw = base64.b64decode(path.read_text().strip(), validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) != 32:
        raise UserError("not a base64-encoded raw Ed25519 private key (32 bytes)", where=str(path))
    return Ed25519PrivateKey.from_private_bytes(raw)
