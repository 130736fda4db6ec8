"""The people who log in: accounts with argon2 password hashes and one role from the national RBAC vocabulary.

Authentication answers only "who is this?"; what a role may see or do about a person is decided by `access`.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from socialdata.errors import UserError
from socialdata.store import Database
from socialdata.store.models import Organisation, UserAccount

MIN_PASSWORD_LENGTH = 10
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,99}")

_hasher = PasswordHasher()
# Verifying against this when the username is unknown makes a failed login cost the same either way.
_ABSENT_USER_HASH = _hasher.hash("no such user: this hash never matches a login")


class Role(enum.StrEnum):
    """Roles of the national RBAC vocabulary as this project uses them."""

    CLINICIAN = "clinician"
    NURSE = "nurse"
    GP = "gp"
    SOCIAL_WORKER = "social_worker"
    ADMINISTRATOR = "administrator"
    PRIVACY_OFFICER = "privacy_officer"
    DATA_STEWARD = "data_steward"
    BOARD_MEMBER = "board_member"
    RESEARCHER = "researcher"
    CITIZEN = "citizen"

    @property
    def label(self) -> str:
        """As a person reads it ("GP", "Social worker")."""
        return "GP" if self is Role.GP else self.value.replace("_", " ").capitalize()

    @property
    def purpose(self) -> str:
        """What a person in this role comes to the platform for (DESIGN.md, users)."""
        return _PURPOSES[self]


_PURPOSES = {
    Role.CLINICIAN: "reads and adds to the shared care record of patients in their care",
    Role.NURSE: "reads and adds to the shared care record of patients in their care",
    Role.GP: "reads the joined-up record of registered patients, adds notes and care-plan entries",
    Role.SOCIAL_WORKER: "reads and adds to the shared record of the people their council supports",
    Role.ADMINISTRATOR: "runs the platform: partners, user accounts, feeds",
    Role.PRIVACY_OFFICER: "reviews break-glass alerts and audits who saw what",
    Role.DATA_STEWARD: "approves projects and agreements, checks outputs leaving the secure data environment",
    Role.BOARD_MEMBER: "sits on the partnership board: approves data sharing agreements and projects",
    Role.RESEARCHER: "discovers datasets, requests access, gets disclosure-checked outputs",
    Role.CITIZEN: "sees their own record, every access to it and every use of their data; sets opt-outs",
}


@dataclass(frozen=True)
class User:
    """An account as the rest of the platform sees it: never the password hash."""

    id: int
    username: str
    display_name: str
    role: Role
    organisation_id: str | None
    active: bool
    created_at: dt.datetime


def _user(account: UserAccount) -> User:
    return User(
        id=account.id,
        username=account.username,
        display_name=account.display_name,
        role=Role(account.role),
        organisation_id=account.organisation_id,
        active=account.active,
        created_at=account.created_at,
    )


def parse_role(text: str) -> Role:
    """A role named by a person (CLI option, form), or a UserError listing the roles there are."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        known = ", ".join(role.value for role in Role)
        raise UserError(f"unknown role {text!r}; choose one of: {known}", where="role") from None


def _check_new_account(username: str, password: str, display_name: str) -> None:
    if not USERNAME_PATTERN.fullmatch(username):
        raise UserError(
            f"username {username!r} must be 2-100 characters: lower-case letters, digits, '.', '_' or '-',"
            " starting with a letter or digit",
            where="username",
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long", where="password")
    if not display_name.strip():
        raise UserError("the display name must not be empty", where="name")


def create_user(
    db: Database, username: str, password: str, role: Role, *, display_name: str, organisation_id: str | None
) -> User:
    """Add an account; the username must be new and the organisation (if any) a registered partner."""
    _check_new_account(username, password, display_name)
    password_hash = _hasher.hash(password)
    try:
        with db.session() as s:
            if organisation_id is not None and s.get(Organisation, organisation_id) is None:
                raise UserError(
                    f"unknown organisation {organisation_id!r}; register it first with `sdf org add`", where="org"
                )
            if s.scalar(select(UserAccount.id).where(UserAccount.username == username)) is not None:
                raise UserError(f"a user named {username!r} already exists", where="username")
            account = UserAccount(
                username=username,
                display_name=display_name.strip(),
                role=role.value,
                organisation_id=organisation_id,
                password_hash=password_hash,
            )
            s.add(account)
            s.flush()
            return _user(account)
    except IntegrityError:
        # Another process added the same username between the check and the insert.
        raise UserError(f"a user named {username!r} already exists", where="username") from None


def set_password(db: Database, username: str, password: str) -> None:
    """Replace an account's password (the demo uses it to give a reused account its printed password back)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long", where="password")
    with db.session() as s:
        account = s.scalars(select(UserAccount).where(UserAccount.username == username)).one_or_none()
        if account is None:
            raise UserError(f"no user named {username!r}", where="username")
        account.password_hash = _hasher.hash(password)


def authenticate(db: Database, username: str, password: str) -> User | None:
    """The active user with these credentials, or None, taking the same time whether or not the username exists."""
    with db.session() as s:
        account = s.scalars(select(UserAccount).where(UserAccount.username == username.strip().lower())).one_or_none()
        stored = account.password_hash if account is not None else _ABSENT_USER_HASH
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if account is None or not account.active:
            return None
        if _hasher.check_needs_rehash(stored):
            account.password_hash = _hasher.hash(password)
        return _user(account)


def active_user(db: Database, user_id: int) -> User | None:
    """The account a session names, if it still exists and may still log in."""
    with db.session() as s:
        account = s.get(UserAccount, user_id)
        return _user(account) if account is not None and account.active else None


def find_user(db: Database, username: str) -> User | None:
    with db.session() as s:
        account = s.scalars(select(UserAccount).where(UserAccount.username == username)).one_or_none()
        return _user(account) if account is not None else None


def list_users(db: Database) -> list[User]:
    with db.session() as s:
        return [_user(a) for a in s.scalars(select(UserAccount).order_by(UserAccount.username))]
