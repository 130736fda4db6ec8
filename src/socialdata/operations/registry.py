"""The hub's list of nodes: which partner each belongs to, where it listens, and the public key its answers carry."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select

from socialdata.errors import UserError
from socialdata.operations.hub import NodeEntry
from socialdata.operations.signing import parse_public_key
from socialdata.store import Database
from socialdata.store.models import OperationsNode, Organisation

NODE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


def register_node(db: Database, node_id: str, organisation_id: str, url: str, public_key: str) -> NodeEntry:
    """Add a node, or move an existing one to a new address or key (a key rotation is a re-registration)."""
    if not NODE_ID.fullmatch(node_id):
        raise UserError("a node id is 1-32 letters, digits, '.', '_' or '-'", where=node_id)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError("not an http(s) address the hub can reach, e.g. https://node.trust.example:8443", where=url)
    parse_public_key(public_key, "public key")
    with db.session() as session:
        if session.get(Organisation, organisation_id) is None:
            raise UserError("no such organisation; add it with `sdf org add` first", where=organisation_id)
        row = session.get(OperationsNode, node_id)
        if row is None:
            row = OperationsNode(id=node_id, organisation_id=organisation_id, url=url, public_key=public_key.strip())
            session.add(row)
        elif row.organisation_id != organisation_id:
            raise UserError(f"this node is registered for {row.organisation_id}", where=node_id)
        else:
            row.url, row.public_key = url, public_key.strip()
    return NodeEntry(node_id, organisation_id, url, public_key.strip())


def remove_node(db: Database, node_id: str) -> None:
    with db.session() as session:
        row = session.get(OperationsNode, node_id)
        if row is None:
            raise UserError("no node is registered under this id", where=node_id)
        session.delete(row)


def registered_nodes(db: Database) -> list[NodeEntry]:
    with db.session() as session:
        rows = session.scalars(select(OperationsNode).order_by(OperationsNode.id))
        return [NodeEntry(r.id, r.organisation_id, r.url, r.public_key) for r in rows]
