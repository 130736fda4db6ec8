"""The public data uses register: every approved use of the Foundation's data (approved, in access, or closed), with
what the public needs to judge it: who, why, which data, on what legal basis, whether opt-outs were applied, whether it
is commercial, and when. No login is needed to read it; it names no person.

The web page adds each project's released outputs (from `outputs.released`, a layer above this one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdata.governance.agreement_terms import ARTICLE6, ARTICLE9, CONFIDENTIALITY_BASES, PURPOSES
from socialdata.store.models import DataSharingAgreement, Organisation, Project, ProjectStage

REGISTERED_STAGES = (ProjectStage.APPROVED, ProjectStage.ACCESS, ProjectStage.CLOSED)


@dataclass(frozen=True)
class RegisterEntry:
    project_id: int
    title: str
    organisation: str
    purpose: str
    commercial: bool
    lay_summary: str
    public_benefit: str
    datasets: tuple[str, ...]
    legal_basis: str
    national_opt_out_applied: bool
    opt_out_exemption: str | None
    approved_on: dt.date
    access_from: dt.date
    access_until: dt.date
    closed_on: dt.date | None
    stage: str


def _legal_basis(agreement: DataSharingAgreement) -> str:
    parts = [f"UK GDPR art. {agreement.legal_basis_article6} ({ARTICLE6.get(agreement.legal_basis_article6, '')})"]
    if agreement.legal_basis_article9:
        parts.append(f"art. {agreement.legal_basis_article9} ({ARTICLE9.get(agreement.legal_basis_article9, '')})")
    parts.append(f"confidentiality: {CONFIDENTIALITY_BASES.get(agreement.confidentiality_basis, '')}")
    return "; ".join(parts)


def register_entries(s: Session) -> list[RegisterEntry]:
    """Approved uses, newest approval first."""
    rows = s.execute(
        select(Project, Organisation, DataSharingAgreement)
        .join(Organisation, Organisation.id == Project.organisation_id)
        .join(DataSharingAgreement, DataSharingAgreement.id == Project.agreement_id)
        .where(Project.stage.in_(REGISTERED_STAGES), Project.approved_at.is_not(None))
        .order_by(Project.approved_at.desc(), Project.id.desc())
    )
    return [
        RegisterEntry(
            project_id=project.id,
            title=project.title,
            organisation=organisation.name,
            purpose=PURPOSES.get(project.purpose, project.purpose),
            commercial=project.purpose == "commercial" or agreement.value_terms is not None,
            lay_summary=project.lay_summary,
            public_benefit=project.public_benefit,
            datasets=tuple(sorted(project.datasets)),
            legal_basis=_legal_basis(agreement),
            national_opt_out_applied=project.apply_national_opt_out,
            opt_out_exemption=project.opt_out_exemption,
            approved_on=project.approved_at.date() if project.approved_at else agreement.starts_on,
            access_from=agreement.starts_on,
            access_until=agreement.ends_on,
            closed_on=project.closed_at.date() if project.closed_at else None,
            stage=project.stage,
        )
        for project, organisation, agreement in rows
    ]
