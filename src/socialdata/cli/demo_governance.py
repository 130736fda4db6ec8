"""The demo's governance: a partnership board member and a second data steward (output checking needs two), an active
university research agreement over all five datasets, and the demo researcher's project approved through every
stage by the right people and in stage `access`, so it is on the public register and the SDE can build its extract.

Re-running the demo reuses what is there: the logins keep their printed passwords, the agreement and project are found
by title and not made again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rich.markup import escape
from sqlalchemy import select

from socialdata.cli.output import console
from socialdata.errors import UserError
from socialdata.governance.accreditation import record_training
from socialdata.governance.agreement_terms import checked_terms
from socialdata.governance.agreements import Agreements
from socialdata.governance.datasets import DATASETS
from socialdata.governance.projects import Application, Projects
from socialdata.governance.users import User, find_user
from socialdata.store import Database
from socialdata.store.models import DataSharingAgreement, Organisation, Project

AGREEMENT_TITLE = "University research access to the linked city data"
PROJECT_TITLE = "Emergency admissions, social care and deprivation in the city"


@dataclass(frozen=True)
class _Cast:
    """Who takes each step: the researcher applies, two stewards review, the board approves."""

    researcher: User
    steward: User
    steward2: User
    board: User


def _needed(db: Database, username: str) -> User:
    user = find_user(db, username)
    if user is None:
        raise UserError(f"the demo login {username!r} is missing; run the whole demo", where="demo")
    return user


def _active_agreement(db: Database, cast: _Cast) -> int:
    with db.session() as s:
        existing = s.scalar(select(DataSharingAgreement.id).where(DataSharingAgreement.title == AGREEMENT_TITLE))
        parties = list(s.scalars(select(Organisation.id).order_by(Organisation.id)))
    if existing is not None:
        return existing
    agreements = Agreements(db)
    today = agreements.today()
    terms = checked_terms(
        title=AGREEMENT_TITLE,
        purpose="research",
        parties=parties,
        datasets={d.id: d.field_names() for d in DATASETS.values()},
        conditions=["national_opt_out_applied", "pseudonymised", "no_onward_sharing", "outputs_checked"],
        legal_basis_article6="6(1)(e)",
        legal_basis_article9="9(2)(j)",
        confidentiality_basis="section_251",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=730),
    )
    draft = agreements.draft(cast.steward, terms)
    agreements.submit(cast.steward, draft.id)
    agreements.steward_review(cast.steward2, draft.id, "Checked against the DPIA and the section 251 support letter.")
    return agreements.approve(cast.board, draft.id).id


def _project_in_access(db: Database, agreement_id: int, cast: _Cast) -> int:
    with db.session() as s:
        existing = s.scalar(select(Project.id).where(Project.title == PROJECT_TITLE))
    if existing is not None:
        return existing
    projects = Projects(db)
    fields = {d.id: [f.name for f in d.fields if not f.is_pseudonym] for d in DATASETS.values()}
    reason = "needed to relate admissions and care to deprivation and health"
    why = {f"{d}.{n}": reason for d, names in fields.items() for n in names}
    researcher = cast.researcher
    project = projects.start(researcher, PROJECT_TITLE, "research")
    projects.save_application(
        researcher,
        project.id,
        Application(
            title=PROJECT_TITLE,
            lay_summary="We will study whether people living in poorer parts of the city are more often admitted to"
            " hospital in an emergency, and whether adult social care support changes that.",
            public_benefit="Evidence for the council and the hospital trust on where community support prevents"
            " emergency admissions.",
            datasets=fields,
            field_justifications=why,
            agreement_id=agreement_id,
            date_coarsening="month",
        ),
    )
    projects.submit(researcher, project.id)
    projects.review(cast.steward, project.id, "All five safes pass; the fields are justified. Recommend approval.")
    projects.approve(cast.board, project.id)
    return projects.open_access(cast.steward2, project.id).id


def prepare_governance_demo(db: Database) -> None:
    """Governance logins, an active agreement and the researcher's project in access (after the demo logins)."""
    steward, steward2, board, researcher, admin = (
        _needed(db, name) for name in ("data_steward", "data_steward2", "board_member", "researcher", "administrator")
    )
    today = Agreements(db).today()
    record_training(
        db,
        admin,
        researcher.username,
        training="Data Security Awareness (Level 1)",
        completed_on=today - dt.timedelta(days=60),
        expires_on=today + dt.timedelta(days=305),
        accreditation="Accredited Researcher (Digital Economy Act)",
        accredited_on=today - dt.timedelta(days=400),
        accreditation_expires_on=today + dt.timedelta(days=1425),
    )
    cast = _Cast(researcher=researcher, steward=steward, steward2=steward2, board=board)
    agreement_id = _active_agreement(db, cast)
    project_id = _project_in_access(db, agreement_id, cast)
    console.print(
        f"[green]Governance:[/] agreement {agreement_id} active; project {project_id} in access for"
        f" {escape(researcher.display_name)}; on the public register at /register. Governance at /governance.",
        highlight=False,
    )
