"""The demo's governance on a small store (its logins, a board member and a second steward among them, made as the
demo makes them): an active research agreement over all five datasets and the demo researcher's project in access,
on the register, opened by the gate; twice, unchanged."""

from __future__ import annotations

from socialdata.access import AccessGate, Actor, Purpose
from socialdata.cli.demo_governance import prepare_governance_demo
from socialdata.config import Settings
from socialdata.governance.datasets import DATASETS
from socialdata.governance.organisations import register_organisation
from socialdata.governance.register import register_entries
from socialdata.governance.users import Role, create_user, find_user
from socialdata.store import Database


def _demo_logins(db: Database) -> None:
    register_organisation(db, "SDF", "Avonford Social Data Foundation", "foundation")
    register_organisation(db, "UNI01", "University of Avonford", "university")
    for username, role, org in (
        ("administrator", Role.ADMINISTRATOR, "SDF"),
        ("data_steward", Role.DATA_STEWARD, "SDF"),
        ("researcher", Role.RESEARCHER, "UNI01"),
        ("board_member", Role.BOARD_MEMBER, "SDF"),
        ("data_steward2", Role.DATA_STEWARD, "SDF"),
    ):
        create_user(db, username, "demo password 1", role, display_name=username.title(), organisation_id=org)


def test_the_demo_makes_an_approved_project_in_access_on_the_register_and_again_changes_nothing(
    db: Database, settings: Settings
) -> None:
    _demo_logins(db)
    prepare_governance_demo(db)
    prepare_governance_demo(db)
    with db.session() as s:
        [entry] = register_entries(s)
    assert entry.stage == "access" and set(entry.datasets) == set(DATASETS)
    researcher = find_user(db, "researcher")
    assert researcher is not None
    board, second = find_user(db, "board_member"), find_user(db, "data_steward2")
    assert board is not None and second is not None
    with AccessGate(db).open_project(Actor.of(researcher), entry.project_id, Purpose.RESEARCH) as pa:
        assert pa.agreement.status == "active" and set(pa.project.datasets) == set(DATASETS)
        # The board approved both, and the second steward reviewed the agreement the first one drafted.
        assert pa.project.approved_by == board.id and pa.agreement.approved_by == board.id
        assert pa.agreement.steward_reviewed_by == second.id
