"""Professionals' additions to a record: checked, authorised by the gate, and stored verbatim with their provenance."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select

from socialdata.access import PersonAccess, WriteKind
from socialdata.errors import UserError
from socialdata.store.models import EntryKind, Person, RecordEntry, UserAccount

TEXT_LONGEST = 10_000

_WRITE_KINDS = {EntryKind.NOTE: WriteKind.NOTE, EntryKind.CARE_PLAN: WriteKind.CARE_PLAN_ENTRY}


def parse_kind(raw: str) -> EntryKind:
    try:
        return EntryKind(raw.strip())
    except ValueError:
        raise UserError(f"choose a note or a care-plan entry, not {raw[:40]!r}", where="kind") from None


def checked_text(text: str) -> str:
    """The text as written (never trimmed or rewritten: it is shown escaped), or why it cannot be stored."""
    if not text.strip():
        raise UserError("write something first: the entry is empty", where="text")
    if len(text) > TEXT_LONGEST:
        raise UserError(f"keep it under {TEXT_LONGEST:,} characters (it has {len(text):,})", where="text")
    if "\x00" in text:
        raise UserError("the text contains a NUL character, which cannot be stored", where="text")
    return text


def write_entry(access: PersonAccess, kind: EntryKind, text: str) -> RecordEntry:
    """Add an entry inside the gate's transaction: the row and its audit event commit together."""
    auth = access.authorise_write(_WRITE_KINDS[kind])
    author_name = auth.author.display_name
    if author_name is None:  # the caller did not bring it with the actor
        account = access.session.get(UserAccount, auth.author.user_id)
        author_name = account.display_name if account is not None else auth.author.username
    entry = RecordEntry(
        person_id=auth.person_id,
        kind=kind,
        text=text,
        author_user_id=auth.author.user_id,
        author_name=author_name,
        author_role=auth.author.role.value,
        organisation_id=auth.author.organisation_id,
        basis=auth.basis.kind.value,
        created_at=auth.at,
    )
    access.session.add(entry)
    access.session.flush()
    auth.written(entry.id)
    return entry


def _about_the_person(access: PersonAccess) -> ColumnElement[bool]:
    """Entries on the person's id or an id the index merged into it (written before the merge, kept on the record)."""
    # One IN over the person and those merged into them: "id = X OR id IN (subquery)" made PostgreSQL filter every
    # row of the table (~1 ms per read at 10,000 entries, growing with the store); this is two index lookups.
    ids = select(Person.id).where(or_(Person.id == access.person_id, Person.merged_into == access.person_id))
    return RecordEntry.person_id.in_(ids)


def person_entries(access: PersonAccess) -> list[RecordEntry]:
    """Every note and care-plan entry on the person's record, oldest first (the caller filters them by the gate)."""
    query = select(RecordEntry).where(_about_the_person(access)).order_by(RecordEntry.id)
    return list(access.session.scalars(query))


def person_entry(access: PersonAccess, entry_id: int) -> RecordEntry | None:
    """One entry by id, if it is on this person's record."""
    query = select(RecordEntry).where(RecordEntry.id == entry_id, _about_the_person(access))
    return access.session.scalars(query).one_or_none()
