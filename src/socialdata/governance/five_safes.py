"""The Five Safes checklist of one project, as the steward and the board see it and as approval requires it: safe
people (named researchers, training valid that day), safe project (purpose, lay summary, public benefit), safe data
(datasets, fields, a justification for each, covered by an active agreement the organisation is party to, opt-outs),
safe settings (the secure data environment), safe outputs (the disclosure rules)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdata.governance.accreditation import accreditations
from socialdata.governance.coverage import agreement_refusal, uncovered_fields
from socialdata.governance.datasets import DATASETS
from socialdata.store.models import DataSharingAgreement, Project, ProjectMember, UserAccount

LAY_SUMMARY_SHORTEST = 50
SMALLEST_CELL_COUNT = 10


@dataclass(frozen=True)
class SafeCheck:
    safe: str  # people, project, data, settings, outputs
    passed: bool
    finding: str


def unjustified_fields(project: Project) -> list[str]:
    """Requested fields (other than the pseudonym, which always travels) with no minimisation justification."""
    justified = project.field_justifications or {}
    return [
        f"{dataset}.{name}"
        for dataset, fields in project.datasets.items()
        for name in fields
        if dataset in DATASETS
        and not DATASETS[dataset].field(name).is_pseudonym
        and not str(justified.get(f"{dataset}.{name}", "")).strip()
    ]


def _people(s: Session, project: Project, today: dt.date) -> SafeCheck:
    members = s.execute(
        select(ProjectMember.user_id, UserAccount.username, UserAccount.active)
        .join(UserAccount, UserAccount.id == ProjectMember.user_id)
        .where(ProjectMember.project_id == project.id)
    ).all()
    if suspended := [name for _, name, active in members if not active]:
        return SafeCheck("people", False, f"suspended accounts named on the project: {', '.join(suspended)}")
    trained = accreditations(s, [user_id for user_id, _, _ in members])
    lapsed = [
        name for user_id, name, _ in members if user_id not in trained or not trained[user_id].training_valid(today)
    ]
    if lapsed:
        return SafeCheck("people", False, f"training not valid on {today.isoformat()} for: {', '.join(lapsed)}")
    return SafeCheck("people", True, f"{len(members)} named researcher(s), training valid on {today.isoformat()}")


def _project(project: Project) -> SafeCheck:
    if len(project.lay_summary.strip()) < LAY_SUMMARY_SHORTEST:
        return SafeCheck("project", False, f"the lay summary needs at least {LAY_SUMMARY_SHORTEST} characters")
    if not project.public_benefit.strip():
        return SafeCheck("project", False, "say what the public benefit is")
    return SafeCheck("project", True, f"{project.purpose}: lay summary and public benefit given")


def _data(s: Session, project: Project, today: dt.date) -> SafeCheck:
    if not project.datasets:
        return SafeCheck("data", False, "no datasets requested")
    if missing := unjustified_fields(project):
        return SafeCheck("data", False, f"no justification for: {', '.join(missing)}")
    agreement = s.get(DataSharingAgreement, project.agreement_id) if project.agreement_id is not None else None
    if agreement is None:
        return SafeCheck("data", False, "no data sharing agreement named")
    problem = agreement_refusal(agreement, today)
    if problem is None and agreement.purpose != project.purpose:
        problem = f"agreement {agreement.id} is for {agreement.purpose}, not {project.purpose}"
    if problem is None and project.organisation_id not in agreement.parties:
        problem = f"{project.organisation_id} is not a party to agreement {agreement.id}"
    if problem is None and (uncovered := uncovered_fields(agreement.datasets, project.datasets)):
        problem = f"agreement {agreement.id} does not share {', '.join(uncovered)}"
    if problem is None and "national_opt_out_applied" in agreement.conditions and not project.apply_national_opt_out:
        problem = f"agreement {agreement.id} requires the national data opt-out to be applied"
    if problem is None and not project.apply_national_opt_out and not (project.opt_out_exemption or "").strip():
        problem = "not applying the national data opt-out needs an exemption (e.g. a section 251 reference)"
    if problem is not None:
        return SafeCheck("data", False, problem)
    fields = sum(len(f) for f in project.datasets.values())
    found = f"{fields} fields of {len(project.datasets)} datasets under agreement {agreement.id}"
    return SafeCheck("data", True, found)


def _outputs(project: Project) -> SafeCheck:
    if project.min_cell_count < SMALLEST_CELL_COUNT:
        return SafeCheck("outputs", False, f"the smallest cell count must be at least {SMALLEST_CELL_COUNT}")
    return SafeCheck(
        "outputs",
        True,
        f"outputs leave only through the airlock: cells under {project.min_cell_count} suppressed, checked by two"
        " data stewards",
    )


def five_safes(s: Session, project: Project, today: dt.date) -> list[SafeCheck]:
    return [
        _people(s, project, today),
        _project(project),
        _data(s, project, today),
        SafeCheck("settings", True, "used only inside the secure data environment, as a pseudonymised extract"),
        _outputs(project),
    ]
