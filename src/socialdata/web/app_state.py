"""What pages take from the running application: its one Database (create_app puts it on app.state)."""

from __future__ import annotations

from fastapi import Request

from socialdata.store import Database


def database(request: Request) -> Database:
    db = request.app.state.db
    assert isinstance(db, Database)
    return db
