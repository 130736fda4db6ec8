"""An administrator's management of partners and accounts from the pages: the same services as `sdf org` and
`sdf user`, with the role checked and each change on the audit log."""

from __future__ import annotations

from sqlalchemy import select

from socialdata.audit import Action
from socialdata.errors import UserError
from socialdata.governance.organisations import Organisation, register_organisation
from socialdata.governance.permissions import Account, NotPermitted, require_role
from socialdata.governance.trail import record_step
from socialdata.governance.users import Role, User, create_user
from socialdata.store import Database
from socialdata.store.models import UserAccount
from socialdata.store.types import utcnow

ADMINISTRATORS = (Role.ADMINISTRATOR,)


def add_partner(db: Database, account: Account, code: str, name: str, kind: str) -> Organisation:
    require_role(account, ADMINISTRATORS, "register partner organisations")
    organisation = register_organisation(db, code, name, kind)
    with db.session() as s:
        record_step(s, account, Action.UPDATE, "Organisation", organisation.code, utcnow(), {"kind": kind})
    return organisation


def add_account(
    db: Database, account: Account, username: str, password: str, role: Role, display_name: str, org: str | None
) -> User:
    """A new login (a steward, a board member, a researcher…); its password is given to the person out of band."""
    require_role(account, ADMINISTRATORS, "add accounts")
    user = create_user(db, username, password, role, display_name=display_name, organisation_id=org)
    with db.session() as s:
        record_step(s, account, Action.CREATE, "UserAccount", user.id, utcnow(), {"role": role.value})
    return user


def set_active(db: Database, account: Account, username: str, active: bool) -> None:
    """Suspend or restore a login: a suspended account is signed out on its next request."""
    require_role(account, ADMINISTRATORS, "suspend or restore accounts")
    if username == account.username and not active:
        raise NotPermitted("you may not suspend your own account")
    with db.session() as s:
        row = s.scalars(select(UserAccount).where(UserAccount.username == username)).one_or_none()
        if row is None:
            raise UserError(f"no user named {username!r}", where="username")
        row.active = active
        record_step(s, account, Action.UPDATE, "UserAccount", row.id, utcnow(), {"active": active})
