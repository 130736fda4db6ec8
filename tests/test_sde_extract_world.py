"""A small linked population for the secure data environment's tests: partners, researchers, 40 people with GP,
hospital and council records, an active agreement and two projects in their access stage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from socialdata.access import AccessGate, Actor
from socialdata.consent import set_national_opt_out
from socialdata.governance.datasets import DATASETS
from socialdata.governance.users import Role
from socialdata.store import Database
from socialdata.store.models import (
    DataSharingAgreement,
    FeedSubmission,
    LinkRun,
    Organisation,
    Person,
    PersonLink,
    Project,
    ProjectMember,
    SourceEvent,
    SourcePerson,
    UserAccount,
)

NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
DMD = "https://dmd.nhs.uk"
ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PEOPLE = 40
ORGS = {"RZZ": "hospital_trust", "LA900": "council", "Y90001": "gp_practice", "UNI01": "university"}
USERS = {
    "res1": (Role.RESEARCHER, "UNI01"),
    "res2": (Role.RESEARCHER, "UNI01"),
    "outsider": (Role.RESEARCHER, "UNI01"),
    "steward": (Role.DATA_STEWARD, None),
}
ALL_FIELDS = {d.id: [f.name for f in d.fields if not f.is_pseudonym] for d in DATASETS.values()}


def person_id(i: int) -> str:
    return f"PSDE{i:09d}"


@dataclass
class SdeWorld:
    db: Database
    actors: dict[str, Actor]
    project_a: int
    project_b: int
    agreement_id: int

    def gate(self) -> AccessGate:
        return AccessGate(self.db, clock=lambda: NOW)

    def opt_out(self, person: str, opted_out: bool = True) -> None:
        with self.db.session() as s:
            set_national_opt_out(s, person, opted_out, changed_by="test", now=NOW)

    def count(self, model: Any, *where: Any) -> int:
        with self.db.session() as s:
            return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _day(i: int, offset: int = 0) -> dt.datetime:
    return dt.datetime(2024, 1 + i % 12, 1 + i % 27, 9, 30, tzinfo=dt.UTC) + dt.timedelta(days=offset)


def _people(s: Any, subs: dict[str, int]) -> None:
    for i in range(PEOPLE):
        pid = person_id(i)
        s.add(Person(id=pid, status="active"))
        s.flush()
        records = [("Y90001", f"gp-{i}")]
        if i % 2 == 0:
            records.append(("RZZ", f"mrn-{i}"))
        if i % 3 == 0:
            records.append(("LA900", f"la-{i}"))
        for org, source_id in records:
            sp = SourcePerson(
                organisation_id=org,
                submission_id=subs[org],
                source_id=source_id,
                nhs_number=f"999{i:07d}",
                nhs_number_status="valid",
                given_name=f"Given{i}",
                family_name=f"Family{i}",
                birth_date=dt.date(1940 + i, 1 + i % 12, 1 + i % 28),
                sex="female" if i % 2 else "male",
                postcode=f"AB{i % 5} {i % 9}CD",
                registered_practice="Y90001" if org == "Y90001" else None,
            )
            s.add(sp)
            s.flush()
            s.add(PersonLink(source_person_id=sp.id, person_id=pid, basis="deterministic", run_id=1))


def _event(s: Any, subs: dict[str, int], org: str, person: str, source_id: str, kind: str, **fields: Any) -> None:
    s.add(
        SourceEvent(
            organisation_id=org,
            submission_id=subs[org],
            source_id=source_id,
            person_source_id=person,
            kind=kind,
            detail=fields.pop("detail", {}),
            **fields,
        )
    )


def _events(s: Any, subs: dict[str, int]) -> None:
    for i in range(PEOPLE):
        gp = f"gp-{i}"
        _event(s, subs, "Y90001", gp, f"c{i}", "condition", code_system=SNOMED, code="44054006", start_at=_day(i))
        _event(
            s,
            subs,
            "Y90001",
            gp,
            f"o{i}",
            "observation",
            code_system=SNOMED,
            code="60621009",
            start_at=_day(i, 3),
            value_num=20.0 + i,
        )
        _event(
            s, subs, "Y90001", gp, f"m{i}", "medication", code_system=DMD, code="39720311000001101", start_at=_day(i, 5)
        )
        if i % 2 == 0:
            mrn = f"mrn-{i}"
            _event(
                s,
                subs,
                "RZZ",
                mrn,
                f"enc{i}",
                "encounter",
                code_system=ACT,
                code="EMER",
                start_at=_day(i, 10),
                end_at=_day(i, 11),
            )
            _event(
                s,
                subs,
                "RZZ",
                mrn,
                f"dx{i}",
                "condition",
                code_system=ICD10,
                code="I21",
                start_at=_day(i, 10),
                detail={"encounter": f"Encounter/enc{i}"},
            )
        if i % 3 == 0:
            _event(
                s,
                subs,
                "LA900",
                f"la-{i}",
                f"svc{i}",
                "asc_service",
                start_at=_day(i, 20),
                value_num=25.0,
                detail={"service_type": "Home care", "cost_frequency": "Hourly", "planned_units_per_week": 10.0},
            )


def build_sde_world(db: Database) -> SdeWorld:
    """People PSDE000000000..39: all at the GP, even ones at the hospital (one emergency visit each, with an I21
    diagnosis), every third one with a council home-care service. Project A has every field, project B two tables."""
    with db.session() as s:
        for code, kind in ORGS.items():
            s.add(Organisation(id=code, name=f"Organisation {code}", kind=kind))
        s.flush()
        actors: dict[str, Actor] = {}
        for username, (role, org) in USERS.items():
            account = UserAccount(
                username=username, display_name=username.title(), role=role, organisation_id=org, password_hash="x"
            )
            s.add(account)
            s.flush()
            actors[username] = Actor(account.id, username, role, org)
        s.add(LinkRun(id=1, started_at=NOW, finished_at=NOW))
        subs: dict[str, int] = {}
        for org in ("Y90001", "RZZ", "LA900"):
            sub = FeedSubmission(
                organisation_id=org,
                file_name=f"{org}.csv",
                content_sha256=org.ljust(64, "0"),
                size_bytes=1,
                format="test",
                status="loaded",
            )
            s.add(sub)
            s.flush()
            subs[org] = sub.id
        _people(s, subs)
        s.add(Person(id="PSDEMERGED001", status="merged", merged_into=person_id(0)))
        _events(s, subs)
        agreement = DataSharingAgreement(
            title="Research on emergency care",
            purpose="research",
            status="active",
            parties=["RZZ", "LA900"],
            datasets=ALL_FIELDS,
            conditions=["national_opt_out_applied", "pseudonymised"],
            legal_basis_article6="6(1)(e)",
            legal_basis_article9="9(2)(j)",
            confidentiality_basis="s251",
            value_terms=None,
            starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2027, 12, 31),
            created_by=actors["steward"].user_id,
        )
        s.add(agreement)
        s.flush()
        projects = []
        for title, datasets in (
            ("Emergency care and social care", ALL_FIELDS),
            (
                "Admissions by deprivation",
                {"patients": ["sex", "imd_decile"], "hospital_admissions": ["admission_date"]},
            ),
        ):
            project = Project(
                title=title,
                purpose="research",
                organisation_id="UNI01",
                lead_user_id=actors["res1"].user_id,
                agreement_id=agreement.id,
                stage="access",
                datasets=datasets,
                field_justifications={},
            )
            s.add(project)
            s.flush()
            s.add(ProjectMember(project_id=project.id, user_id=actors["res1"].user_id, role="lead"))
            projects.append(project.id)
        s.add(ProjectMember(project_id=projects[0], user_id=actors["res2"].user_id, role="analyst"))
        return SdeWorld(db, actors, projects[0], projects[1], agreement.id)


def test_the_world_holds_forty_active_people_with_their_records(db: Database) -> None:
    world = build_sde_world(db)
    assert world.count(Person, Person.status == "active") == PEOPLE
    assert world.count(SourcePerson) == PEOPLE + PEOPLE // 2 + (PEOPLE + 2) // 3
