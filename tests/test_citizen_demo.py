"""The citizen portal's part of `sdf demo`, on the gate's small city: accesses for the citizen to find (one break
glass, reviewed), proofs ready at once, and a records officer login for the partner's correction queue — twice, with
nothing doubled."""

from __future__ import annotations

import json
import stat

from sqlalchemy import func, select

from socialdata.access import Actor, AlertStatus, GrantKind, link_citizen
from socialdata.citizen import CitizenPortal
from socialdata.cli.demo_citizen import OFFICER, prepare_citizen_demo
from socialdata.cli.demo_logins import DEMO_LOGINS_FILE
from socialdata.config import Settings
from socialdata.governance.users import Role, authenticate, find_user
from socialdata.store import Database
from socialdata.store.models import AccessAlert, AccessGrant, UserAccount
from test_access_world import ALICE, NOW, build_world

# The demo's logins are named for their roles; in this city the GP works where Alice is not registered.
DEMO_ACCOUNTS = {
    "gp": (Role.GP, "Y90002"),
    "clinician": (Role.CLINICIAN, "RZZ"),
    "privacy_officer": (Role.PRIVACY_OFFICER, "SDF"),
    "citizen": (Role.CITIZEN, None),
}


def test_the_demo_citizen_has_accesses_proofs_and_a_queue_to_ask(settings: Settings, db: Database) -> None:
    build_world(db)
    with db.session() as s:
        for username, (role, org) in DEMO_ACCOUNTS.items():
            account = UserAccount(
                username=username, display_name=username, role=role, organisation_id=org, password_hash="x"
            )
            s.add(account)
            s.flush()
        citizen_id = s.scalars(select(UserAccount.id).where(UserAccount.username == "citizen")).one()
        link_citizen(s, citizen_id, ALICE, now=NOW)
    for _ in range(2):
        prepare_citizen_demo(db, settings)
    with db.session() as s:
        grants = s.scalars(select(AccessGrant).where(AccessGrant.kind == GrantKind.BREAK_GLASS)).all()
        [grant] = grants
        alert = s.scalars(select(AccessAlert).where(AccessAlert.grant_id == grant.id)).one()
        assert alert.status == AlertStatus.JUSTIFIED
        assert s.scalar(select(func.count()).select_from(UserAccount).where(UserAccount.username == OFFICER)) == 1
    gp = find_user(db, "gp")
    assert gp is not None and grant.user_id == gp.id  # the login the gate refused is the one who broke glass

    citizen = find_user(db, "citizen")
    assert citizen is not None
    entries = CitizenPortal(db).access_log(Actor.of(citizen), ALICE)
    assert any(e.break_glass and e.review == "Reviewed by the privacy officer: justified" for e in entries)
    clinician = next(e for e in entries if e.who == "clinician" and e.allowed)
    assert CitizenPortal(db).proof(Actor.of(citizen), ALICE, clinician.event_id).checked_here

    officer = find_user(db, OFFICER)
    path = settings.home / DEMO_LOGINS_FILE
    assert officer is not None and officer.role == Role.ADMINISTRATOR and officer.organisation_id
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    password = json.loads(path.read_text(encoding="utf-8"))[OFFICER]
    assert authenticate(db, OFFICER, password) is not None
