"""A small governance world for the governance tests: partners, one login per governance role, an agreement and a
project, moved through their lifecycles by the right people, with a clock the tests can move."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from socialdata.access import AccessGate, Actor
from socialdata.governance.accreditation import record_training
from socialdata.governance.agreement_terms import AgreementTerms, checked_terms
from socialdata.governance.agreements import Agreements, AgreementView
from socialdata.governance.organisations import register_organisation
from socialdata.governance.projects import Application, Projects, ProjectView
from socialdata.governance.users import Role, User, create_user
from socialdata.store import Database

START = dt.date(2026, 1, 1)
END = dt.date(2026, 12, 31)
ALL_FIELDS = {
    "patients": ["sex", "date_of_birth", "imd_decile"],
    "hospital_admissions": ["admission_date", "admission_method"],
}


@dataclass
class Clock:
    now: dt.datetime = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def move_to(self, day: dt.date) -> None:
        self.now = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)


@dataclass
class World:
    db: Database
    clock: Clock
    users: dict[str, User] = field(default_factory=dict)

    @property
    def agreements(self) -> Agreements:
        return Agreements(self.db, clock=self.clock)

    @property
    def projects(self) -> Projects:
        return Projects(self.db, clock=self.clock)

    def gate(self) -> AccessGate:
        return AccessGate(self.db, clock=self.clock)

    def actor(self, username: str) -> Actor:
        return Actor.of(self.users[username])


PEOPLE = {
    "admin": (Role.ADMINISTRATOR, "FOUNDATION"),
    "steward1": (Role.DATA_STEWARD, "FOUNDATION"),
    "steward2": (Role.DATA_STEWARD, "FOUNDATION"),
    "board1": (Role.BOARD_MEMBER, "FOUNDATION"),
    "lead": (Role.RESEARCHER, "UNI"),
    "analyst": (Role.RESEARCHER, "UNI"),
    "outsider": (Role.RESEARCHER, "UNI"),
}


def build_world(db: Database) -> World:
    world = World(db, Clock())
    register_organisation(db, "FOUNDATION", "Social Data Foundation", "foundation")
    register_organisation(db, "UNI", "City University", "university")
    for username, (role, org) in PEOPLE.items():
        world.users[username] = create_user(
            db, username, "correct horse battery", role, display_name=username.title(), organisation_id=org
        )
    for username in ("lead", "analyst", "outsider"):
        record_training(
            db,
            world.users["admin"],
            username,
            training="Data Security Awareness",
            completed_on=dt.date(2025, 6, 1),
            expires_on=dt.date(2026, 6, 1),
            clock=world.clock,
        )
    return world


def research_terms(**changes: object) -> AgreementTerms:
    terms: dict[str, object] = {
        "title": "University research access",
        "purpose": "research",
        "parties": ["FOUNDATION", "UNI"],
        "datasets": ALL_FIELDS,
        "conditions": ["national_opt_out_applied", "pseudonymised", "no_onward_sharing"],
        "legal_basis_article6": "6(1)(e)",
        "legal_basis_article9": "9(2)(j)",
        "confidentiality_basis": "section_251",
        "starts_on": START,
        "ends_on": END,
    }
    terms.update(changes)
    return checked_terms(**terms)  # type: ignore[arg-type]


def active_agreement(world: World) -> AgreementView:
    agreements = world.agreements
    draft = agreements.draft(world.users["steward1"], research_terms())
    agreements.submit(world.users["steward1"], draft.id)
    agreements.steward_review(world.users["steward2"], draft.id, "checked against the DPIA")
    return agreements.approve(world.users["board1"], draft.id)


def application(agreement_id: int | None, **changes: object) -> Application:
    values: dict[str, object] = {
        "title": "Emergency admissions and deprivation",
        "lay_summary": "We will look at whether people in poorer areas are admitted to hospital in an emergency"
        " more often, to help the city plan support.",
        "public_benefit": "Better targeted community services for the areas that need them most.",
        "datasets": ALL_FIELDS,
        "field_justifications": {
            f"{d}.{f}": "needed to measure admissions by deprivation" for d, fs in ALL_FIELDS.items() for f in fs
        },
        "agreement_id": agreement_id,
        "date_coarsening": "month",
    }
    values.update(changes)
    return Application(**values)  # type: ignore[arg-type]


def applied_project(world: World, agreement_id: int) -> ProjectView:
    projects = world.projects
    project = projects.start(world.users["lead"], "Emergency admissions and deprivation", "research")
    projects.add_member(world.users["lead"], project.id, "analyst")
    projects.save_application(world.users["lead"], project.id, application(agreement_id))
    return projects.submit(world.users["lead"], project.id)


def project_in_access(world: World) -> ProjectView:
    agreement = active_agreement(world)
    project = applied_project(world, agreement.id)
    projects = world.projects
    projects.review(world.users["steward1"], project.id, "five safes checked, recommend approval")
    projects.approve(world.users["board1"], project.id)
    return projects.open_access(world.users["steward2"], project.id)
