"""How my data was used, end to end with the secure data environment's extract builder: an empty list said honestly,
then the project that included the person, and the opt-out made in the portal taking effect at the next build."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from socialdata.access import Actor, link_citizen
from socialdata.citizen import CitizenPortal
from socialdata.governance.users import Role
from socialdata.sde.extracts import build_extract
from socialdata.store import Database
from socialdata.store.models import ExtractMember, Project, UserAccount
from test_sde_extract_world import NOW, SdeWorld, build_sde_world, person_id

PERSON = person_id(3)


@pytest.fixture
def world(db: Database) -> SdeWorld:
    built = build_sde_world(db)
    with db.session() as s:  # approved, as a project in its access stage has been: so it is on the public register
        project = s.get(Project, built.project_a)
        assert project is not None
        project.approved_at = NOW
    return built


@pytest.fixture
def citizen(world: SdeWorld) -> Actor:
    with world.db.session() as s:
        account = UserAccount(username="p3", display_name="P Three", role=Role.CITIZEN, password_hash="x")
        s.add(account)
        s.flush()
        link_citizen(s, account.id, PERSON, now=NOW)
        return Actor(account.id, "p3", Role.CITIZEN, None)


def test_the_opt_out_set_in_the_portal_keeps_her_out_of_the_next_extract(world: SdeWorld, citizen: Actor) -> None:
    portal = CitizenPortal(world.db, clock=lambda: NOW)
    nothing = portal.data_uses(citizen, PERSON)
    assert nothing.uses == [] and nothing.register_projects >= 1

    first = build_extract(world.db, world.actors["res1"], world.project_a, gate=world.gate())
    [use] = portal.data_uses(citizen, PERSON).uses
    with world.db.session() as s:
        project = s.get(Project, world.project_a)
        assert project is not None
        assert (use.project_id, use.project) == (world.project_a, project.title)
    assert use.register_link == f"/register#use-{world.project_a}"
    assert "art. " in use.legal_basis and not use.extract_deleted

    portal.set_opt_out(citizen, PERSON, True)
    second = build_extract(world.db, world.actors["res1"], world.project_a, gate=world.gate())
    with world.db.session() as s:
        members = set(s.scalars(select(ExtractMember.person_id).where(ExtractMember.extract_id == second.extract_id)))
    assert PERSON not in members and second.opted_out_excluded >= 1
    [still] = portal.data_uses(citizen, PERSON).uses  # the earlier use stays on her list, its copy deleted
    assert still.project_id == world.project_a and still.extract_deleted
    assert second.extract_id != first.extract_id
