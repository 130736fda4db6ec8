"""Projects (Five Safes applications) through their stages: enquiry -> application -> review -> approved -> access ->
closed, or rejected. The lead researcher writes the application; a data steward reviews it; a partnership board member
approves it (only when all five safes pass that day); a data steward opens access in the secure data environment; the
lead or a steward closes it. Nobody who is a member of a project may review or approve it. Every step is audited.

Closure records a note; the secure data environment deletes the extract when it sees the project closed and calls
`record_extract_deleted`, so the deletion is on the project's record too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from socialdata.audit import Action
from socialdata.errors import UserError
from socialdata.governance.datasets import DATASETS, check_fields
from socialdata.governance.five_safes import SafeCheck, five_safes, unjustified_fields
from socialdata.governance.permissions import Account, NotPermitted, require_independent, require_role
from socialdata.governance.project_templates import TEMPLATES
from socialdata.governance.trail import record_step
from socialdata.governance.users import Role
from socialdata.store import Database
from socialdata.store.models import (
    DataSharingAgreement,
    Organisation,
    Project,
    ProjectMember,
    ProjectStage,
    UserAccount,
)
from socialdata.store.types import utcnow

COARSENINGS = ("none", "month", "year")
TEXT_LONGEST = 4000
LARGEST_CELL_COUNT = 1000
ENTITY = "Project"
EDITABLE = (ProjectStage.ENQUIRY,)
APPROVED_STAGES = (ProjectStage.APPROVED, ProjectStage.ACCESS, ProjectStage.CLOSED)


@dataclass(frozen=True)
class Member:
    user_id: int
    username: str
    display_name: str
    role: str  # lead | analyst


@dataclass(frozen=True)
class Application:
    """What the lead researcher fills in (the template's questions)."""

    title: str
    lay_summary: str
    public_benefit: str
    datasets: dict[str, list[str]]
    field_justifications: dict[str, str]
    agreement_id: int | None
    apply_national_opt_out: bool = True
    opt_out_exemption: str | None = None
    date_coarsening: str = "none"
    min_cell_count: int = 10


@dataclass(frozen=True)
class ProjectView:
    id: int
    title: str
    purpose: str
    organisation_id: str
    organisation_name: str
    lead_user_id: int
    agreement_id: int | None
    stage: ProjectStage
    lay_summary: str
    public_benefit: str
    datasets: dict[str, tuple[str, ...]]
    field_justifications: dict[str, str]
    apply_national_opt_out: bool
    opt_out_exemption: str | None
    date_coarsening: str
    min_cell_count: int
    created_at: dt.datetime
    applied_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    review_note: str | None
    approved_at: dt.datetime | None
    access_from: dt.datetime | None
    closed_at: dt.datetime | None
    closure_note: str | None
    extract_deleted_at: dt.datetime | None
    rejected_at: dt.datetime | None
    rejection_reason: str | None
    members: tuple[Member, ...] = field(default=())

    def member_ids(self) -> set[int]:
        return {m.user_id for m in self.members}


def _members(s: Session, project_id: int) -> tuple[Member, ...]:
    rows = s.execute(
        select(ProjectMember.user_id, UserAccount.username, UserAccount.display_name, ProjectMember.role)
        .join(UserAccount, UserAccount.id == ProjectMember.user_id)
        .where(ProjectMember.project_id == project_id)
        .order_by(ProjectMember.role.desc(), UserAccount.username)
    )
    return tuple(Member(*row) for row in rows)


def project_view(s: Session, row: Project) -> ProjectView:
    organisation = s.get(Organisation, row.organisation_id)
    return ProjectView(
        id=row.id,
        title=row.title,
        purpose=row.purpose,
        organisation_id=row.organisation_id,
        organisation_name=organisation.name if organisation is not None else row.organisation_id,
        lead_user_id=row.lead_user_id,
        agreement_id=row.agreement_id,
        stage=ProjectStage(row.stage),
        lay_summary=row.lay_summary,
        public_benefit=row.public_benefit,
        datasets={k: tuple(v) for k, v in row.datasets.items()},
        field_justifications=dict(row.field_justifications),
        apply_national_opt_out=row.apply_national_opt_out,
        opt_out_exemption=row.opt_out_exemption,
        date_coarsening=row.date_coarsening,
        min_cell_count=row.min_cell_count,
        created_at=row.created_at,
        applied_at=row.applied_at,
        reviewed_at=row.reviewed_at,
        review_note=row.review_note,
        approved_at=row.approved_at,
        access_from=row.access_from,
        closed_at=row.closed_at,
        closure_note=row.closure_note,
        extract_deleted_at=row.extract_deleted_at,
        rejected_at=row.rejected_at,
        rejection_reason=row.rejection_reason,
        members=_members(s, row.id),
    )


def _text(value: str, where: str, *, shortest: int = 0) -> str:
    text = value.strip()
    if "\x00" in text:
        raise UserError("it contains a NUL character, which cannot be stored", where=where)
    if len(text) < shortest:
        raise UserError(f"write at least {shortest} characters", where=where)
    if len(text) > TEXT_LONGEST:
        raise UserError(f"keep it under {TEXT_LONGEST} characters (it has {len(text)})", where=where)
    return text


def _checked_datasets(datasets: dict[str, list[str]]) -> dict[str, list[str]]:
    checked: dict[str, list[str]] = {}
    for dataset_id, fields in datasets.items():
        check_fields(dataset_id, fields)
        pseudonyms = [f.name for f in DATASETS[dataset_id].fields if f.is_pseudonym]
        checked[dataset_id] = list(dict.fromkeys([*pseudonyms, *fields]))
    return checked


def record_extract_deleted(s: Session, project_id: int, at: dt.datetime) -> None:
    """The secure data environment's hook: it deleted the closed project's extract (in the caller's transaction)."""
    project = s.get(Project, project_id)
    if project is None or project.stage != ProjectStage.CLOSED:
        raise UserError(f"project {project_id} is not closed", where="project")
    project.extract_deleted_at = at
    record_step(s, None, Action.DELETE, "ProjectExtract", project_id, at, {"step": "extract_deleted"})


class Projects:
    """The projects of one store; `clock` gives "now" (tests set it)."""

    def __init__(self, db: Database, *, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    def today(self) -> dt.date:
        return self._clock().astimezone(dt.UTC).date()

    # -- reading -------------------------------------------------------------------------------------------------

    def get(self, project_id: int) -> ProjectView:
        with self._db.session() as s:
            return project_view(s, self._row(s, project_id))

    def checklist(self, project_id: int) -> list[SafeCheck]:
        with self._db.session() as s:
            return five_safes(s, self._row(s, project_id), self.today())

    def visible_to(self, account: Account) -> list[ProjectView]:
        """Researchers see the projects they are named on; stewards, board members and administrators see all."""
        with self._db.session() as s:
            query = select(Project).order_by(Project.id.desc())
            if account.role == Role.RESEARCHER:
                mine = select(ProjectMember.project_id).where(ProjectMember.user_id == account.id)
                query = query.where(or_(Project.id.in_(mine), Project.lead_user_id == account.id))
            elif account.role not in (Role.DATA_STEWARD, Role.BOARD_MEMBER, Role.ADMINISTRATOR):
                return []
            return [project_view(s, row) for row in s.scalars(query)]

    # -- the lead researcher's steps -----------------------------------------------------------------------------

    def start(self, account: Account, title: str, purpose: str) -> ProjectView:
        """An enquiry, led by the researcher who starts it, for their organisation, on the purpose's template."""
        require_role(account, (Role.RESEARCHER,), "start a project")
        if purpose not in TEMPLATES:
            raise UserError(f"a project's purpose is one of {', '.join(TEMPLATES)}", where="purpose")
        if account.organisation_id is None:
            raise UserError("your account belongs to no organisation; ask an administrator", where="organisation")
        template = TEMPLATES[purpose]
        with self._db.session() as s:
            now = self._clock()
            row = Project(
                title=_text(title, "title", shortest=3)[:200],
                purpose=purpose,
                organisation_id=account.organisation_id,
                lead_user_id=account.id,
                stage=ProjectStage.ENQUIRY,
                lay_summary="",
                public_benefit="",
                datasets={},
                field_justifications={},
                date_coarsening=template.date_coarsening,
                min_cell_count=template.min_cell_count,
                created_at=now,
            )
            s.add(row)
            s.flush()
            s.add(ProjectMember(project_id=row.id, user_id=account.id, role="lead", added_at=now))
            s.flush()
            record_step(s, account, Action.CREATE, ENTITY, row.id, now, {"step": "enquiry", "purpose": purpose})
            return project_view(s, row)

    def save_application(self, account: Account, project_id: int, form: Application) -> ProjectView:
        """The lead fills in (or corrects) the application while it is an enquiry; fields are checked as saved."""
        datasets = _checked_datasets(form.datasets)
        if form.date_coarsening not in COARSENINGS:
            raise UserError(f"date coarsening is one of {', '.join(COARSENINGS)}", where="date_coarsening")
        exemption = _text(form.opt_out_exemption or "", "opt_out_exemption") or None
        if not 1 <= form.min_cell_count <= LARGEST_CELL_COUNT:
            raise UserError(f"the smallest cell count is 1 to {LARGEST_CELL_COUNT}", where="min_cell_count")
        with self._db.session() as s:
            row = self._lead_editing(s, account, project_id)
            if form.agreement_id is not None:
                agreement = s.get(DataSharingAgreement, form.agreement_id)
                if agreement is None or agreement.purpose != row.purpose:
                    raise UserError(f"there is no {row.purpose} agreement {form.agreement_id}", where="agreement_id")
            wanted = {f"{d}.{n}" for d, names in datasets.items() for n in names}
            row.title = _text(form.title, "title", shortest=3)[:200]
            row.lay_summary = _text(form.lay_summary, "lay_summary")
            row.public_benefit = _text(form.public_benefit, "public_benefit")
            row.datasets = datasets
            row.field_justifications = {
                k: _text(v, f"justification of {k}") for k, v in form.field_justifications.items() if k in wanted
            }
            row.agreement_id = form.agreement_id
            row.apply_national_opt_out = form.apply_national_opt_out
            row.opt_out_exemption = exemption
            row.date_coarsening = form.date_coarsening
            row.min_cell_count = form.min_cell_count
            s.flush()
            now = self._clock()
            record_step(s, account, Action.UPDATE, ENTITY, row.id, now, {"step": "application_saved"})
            return project_view(s, row)

    def add_member(self, account: Account, project_id: int, username: str) -> ProjectView:
        """The lead names another researcher as an analyst (safe people: only named researchers see the data)."""
        with self._db.session() as s:
            row = self._lead_editing(s, account, project_id)
            user = s.scalars(select(UserAccount).where(UserAccount.username == username.strip())).one_or_none()
            if user is None or user.role != Role.RESEARCHER or not user.active:
                raise UserError(f"{username!r} is not an active researcher's username", where="username")
            if s.get(ProjectMember, (project_id, user.id)) is None:
                now = self._clock()
                s.add(ProjectMember(project_id=project_id, user_id=user.id, role="analyst", added_at=now))
                s.flush()
                added = {"step": "member_added", "user": user.id}
                record_step(s, account, Action.UPDATE, ENTITY, project_id, now, added)
            return project_view(s, row)

    def submit(self, account: Account, project_id: int) -> ProjectView:
        """Enquiry -> application: complete (summary, benefit, data with a justification per field, an agreement)."""
        with self._db.session() as s:
            row = self._lead_editing(s, account, project_id)
            if not row.datasets:
                raise UserError("request at least one dataset before submitting", where="datasets")
            if missing := unjustified_fields(row):
                raise UserError(f"justify every field you ask for; missing: {', '.join(missing)}", where="datasets")
            if row.agreement_id is None:
                raise UserError("name the data sharing agreement the project will work under", where="agreement_id")
            if not row.lay_summary.strip() or not row.public_benefit.strip():
                raise UserError("write the lay summary and the public benefit before submitting", where="lay_summary")
            row.applied_at = self._clock()
            return self._move(s, account, row, ProjectStage.APPLICATION, "application_submitted")

    # -- the steward's and the board's steps ---------------------------------------------------------------------

    def review(self, account: Account, project_id: int, note: str) -> ProjectView:
        """Application -> review: a data steward who is not on the project records their review for the board."""
        require_role(account, (Role.DATA_STEWARD,), "review a project")
        stated = _text(note, "note", shortest=10)
        with self._db.session() as s:
            row = self._independent(s, account, project_id, ProjectStage.APPLICATION, "review this project")
            row.reviewed_at, row.reviewed_by, row.review_note = self._clock(), account.id, stated
            return self._move(s, account, row, ProjectStage.REVIEW, "reviewed", note=stated)

    def approve(self, account: Account, project_id: int) -> ProjectView:
        """Review -> approved: a board member, not on the project nor its reviewer, when all five safes pass today."""
        require_role(account, (Role.BOARD_MEMBER,), "approve a project")
        with self._db.session() as s:
            row = self._independent(s, account, project_id, ProjectStage.REVIEW, "approve this project")
            require_independent(account, [row.reviewed_by], "approve a project you reviewed")
            failed = [c for c in five_safes(s, row, self.today()) if not c.passed]
            if failed:
                raise UserError(
                    "not all five safes pass: " + "; ".join(f"safe {c.safe}: {c.finding}" for c in failed),
                    where="five_safes",
                )
            row.approved_at, row.approved_by = self._clock(), account.id
            return self._move(s, account, row, ProjectStage.APPROVED, "approved")

    def open_access(self, account: Account, project_id: int) -> ProjectView:
        """Approved -> access: a data steward opens the secure data environment while the agreement is in force."""
        require_role(account, (Role.DATA_STEWARD,), "open a project's access")
        with self._db.session() as s:
            row = self._independent(s, account, project_id, ProjectStage.APPROVED, "open access to this project")
            failed = [c for c in five_safes(s, row, self.today()) if not c.passed and c.safe == "data"]
            if failed:
                raise UserError(failed[0].finding, where="agreement")
            row.access_from = self._clock()
            return self._move(s, account, row, ProjectStage.ACCESS, "access_opened")

    def close(self, account: Account, project_id: int, note: str) -> ProjectView:
        """Approved or access -> closed, by the lead or a data steward, with a closure note (the SDE then deletes the
        extract and records it through `record_extract_deleted`)."""
        stated = _text(note, "note", shortest=10)
        with self._db.session() as s:
            row = self._row(s, project_id)
            if account.role != Role.DATA_STEWARD and account.id != row.lead_user_id:
                raise NotPermitted("only the project's lead or a data steward may close it")
            if row.stage not in (ProjectStage.APPROVED, ProjectStage.ACCESS):
                raise UserError(f"project {project_id} is at stage {row.stage}; only an approved one closes")
            row.closed_at, row.closed_by, row.closure_note = self._clock(), account.id, stated
            return self._move(s, account, row, ProjectStage.CLOSED, "closed", note=stated)

    def reject(self, account: Account, project_id: int, reason: str) -> ProjectView:
        """A steward rejects an application or a reviewed one; a board member a reviewed one."""
        require_role(account, (Role.DATA_STEWARD, Role.BOARD_MEMBER), "reject a project")
        stated = _text(reason, "reason", shortest=10)
        waiting = [ProjectStage.REVIEW]
        if account.role == Role.DATA_STEWARD:
            waiting.append(ProjectStage.APPLICATION)
        with self._db.session() as s:
            row = self._row(s, project_id)
            if row.stage not in waiting:
                raise UserError(f"project {project_id} is at stage {row.stage}: too late to reject", where="stage")
            require_independent(account, [m.user_id for m in _members(s, project_id)], "reject this project")
            row.rejected_at, row.rejected_by, row.rejection_reason = self._clock(), account.id, stated
            return self._move(s, account, row, ProjectStage.REJECTED, "rejected", note=stated)

    # -- helpers -------------------------------------------------------------------------------------------------

    def _row(self, s: Session, project_id: int) -> Project:
        row = s.get(Project, project_id)
        if row is None:
            raise UserError(f"there is no project {project_id}", where="project")
        return row

    def _lead_editing(self, s: Session, account: Account, project_id: int) -> Project:
        row = self._row(s, project_id)
        if row.lead_user_id != account.id:
            raise NotPermitted("only the project's lead may change its application")
        if row.stage not in EDITABLE:
            raise UserError(f"project {project_id} was submitted (stage {row.stage}); it can no longer be changed")
        return row

    def _independent(self, s: Session, account: Account, project_id: int, waiting: ProjectStage, doing: str) -> Project:
        row = self._row(s, project_id)
        require_independent(account, [row.lead_user_id, *(m.user_id for m in _members(s, project_id))], doing)
        if row.stage != waiting:
            raise UserError(f"project {project_id} is at stage {row.stage}, not {waiting}", where="stage")
        return row

    def _move(
        self, s: Session, account: Account, row: Project, to: ProjectStage, step: str, *, note: str | None = None
    ) -> ProjectView:
        now = self._clock()
        row.stage = to
        s.flush()
        detail: dict[str, Any] = {"step": step, "stage": to.value}
        if note is not None:
            detail["note"] = note
        record_step(s, account, Action.UPDATE, ENTITY, row.id, now, detail)
        return project_view(s, row)
