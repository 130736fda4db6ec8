"""The airlock end to end on every backend: request, two independent blind votes, release to the register; returns,
revisions and rejections; and the attacks — a failing file, self-review, a second vote, differencing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from socialdata.access import AccessDenied
from socialdata.errors import UserError
from socialdata.outputs.airlock import FileToRelease
from socialdata.outputs.released import released_outputs
from socialdata.store import Database
from socialdata.store.models import OutputFile, OutputRequest, OutputRequestStatus, ReviewDecision
from test_outputs_world import OutputsWorld, build_outputs_world

APPROVE, RETURN, REJECT = ReviewDecision.APPROVE, ReviewDecision.RETURN, ReviewDecision.REJECT
BY_AREA = "area,count\nE01,57\nE02,120\nE03,88\n"
COSTS = "area,count,sum,mean,largest,second_largest\nE01,40,4000,100,300,280\nE02,33,3500,106.1,250,240\n"


@pytest.fixture
def world(db: Database) -> OutputsWorld:
    w = build_outputs_world(db)
    w.write("by_area.csv", BY_AREA)
    w.write("costs.csv", COSTS)
    return w


def _request(world: OutputsWorld, *names: str, who: str = "res1") -> int:
    files = [FileToRelease(n, f"{n}: people by area of residence") for n in names]
    return world.airlock().request_release(world.actors[who], world.job_id, "Care by area", files)


def _count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_two_approvals_release_the_files_to_the_register(world: OutputsWorld) -> None:
    airlock = world.airlock()
    request_id = _request(world, "by_area.csv", "costs.csv")
    first = airlock.review(world.actors["checker1"], request_id, APPROVE)
    assert first.status is OutputRequestStatus.AWAITING_REVIEW
    done = airlock.review(world.actors["checker2"], request_id, APPROVE, "fine: all cells large")
    assert done.status is OutputRequestStatus.RELEASED
    assert all(f.released for f in done.files)
    with world.db.session() as s:
        register = released_outputs(s)
    assert [o.name for o in register[world.project_id]] == ["by_area.csv", "costs.csv"]
    assert register[world.project_id][0].description.startswith("by_area.csv")
    released = world.db.settings.home / "outputs" / "released" / f"project-{world.project_id}" / f"request-{request_id}"
    assert (released / "by_area.csv").read_text() == BY_AREA
    # The contributor evidence served the checks and never leaves.
    assert (released / "costs.csv").read_text().splitlines()[0] == "area,count,sum,mean"
    assert world.audit_events("OutputRequest") == 3  # the request and two votes


def test_nothing_is_released_on_one_approval(world: OutputsWorld) -> None:
    request_id = _request(world, "by_area.csv")
    world.airlock().review(world.actors["checker1"], request_id, APPROVE)
    with world.db.session() as s:
        assert released_outputs(s) == {}


def test_a_file_failing_the_checks_cannot_be_requested_and_nothing_is_written(world: OutputsWorld) -> None:
    world.write("small.csv", "area,count\nE01,3\nE02,120\n")
    with pytest.raises(UserError, match=r"small\.csv: min_cell_count"):
        _request(world, "by_area.csv", "small.csv")
    assert _count(world.db, OutputRequest) == 0
    assert _count(world.db, OutputFile) == 0
    assert not (world.db.settings.home / "outputs" / "airlock").exists()


def test_an_output_with_a_pseudonym_column_or_thousands_of_rows_cannot_be_requested(world: OutputsWorld) -> None:
    world.write("people.csv", "patient_id,age\n" + "".join(f"{i:032x},{i % 90}\n" for i in range(2500)))
    with pytest.raises(UserError) as refused:
        _request(world, "people.csv")
    assert "identifier_columns" in str(refused.value)
    assert "row_limit" in str(refused.value)
    assert _count(world.db, OutputRequest) == 0


def test_an_author_never_reviews_their_own_request(world: OutputsWorld) -> None:
    request_id = _request(world, "by_area.csv", who="steward_member")
    with pytest.raises(UserError, match="never reviews their own"):
        world.airlock().review(world.actors["steward_member"], request_id, APPROVE)


def test_project_members_and_researchers_cannot_review(world: OutputsWorld) -> None:
    request_id = _request(world, "by_area.csv")
    with pytest.raises(UserError, match="only data stewards"):
        world.airlock().review(world.actors["res2"], request_id, APPROVE)
    other_id = _request(world, "costs.csv", who="res2")
    with pytest.raises(UserError, match="members of the project"):
        world.airlock().review(world.actors["steward_member"], other_id, APPROVE)


def test_one_vote_each(world: OutputsWorld) -> None:
    request_id = _request(world, "by_area.csv")
    world.airlock().review(world.actors["checker1"], request_id, APPROVE)
    with pytest.raises(UserError, match="one vote each"):
        world.airlock().review(world.actors["checker1"], request_id, APPROVE)


def test_reviewers_are_blind_to_each_others_vote_until_both_have_voted(world: OutputsWorld) -> None:
    airlock = world.airlock()
    request_id = _request(world, "by_area.csv")
    airlock.review(world.actors["checker1"], request_id, RETURN, "label the areas by name, please")
    second = airlock.request_view(world.actors["checker2"], request_id)
    assert second.votes == () and second.votes_in == 1 and second.can_review
    assert airlock.request_view(world.actors["res1"], request_id).votes == ()
    own = airlock.request_view(world.actors["checker1"], request_id)
    assert [v.reviewer for v in own.votes] == ["checker1"] and not own.can_review
    airlock.review(world.actors["checker2"], request_id, APPROVE)
    after = airlock.request_view(world.actors["res1"], request_id)
    assert sorted(v.reviewer for v in after.votes) == ["checker1", "checker2"]
    assert after.status is OutputRequestStatus.RETURNED


def test_a_returned_request_is_revised_and_needs_two_fresh_votes(world: OutputsWorld) -> None:
    airlock = world.airlock()
    request_id = _request(world, "by_area.csv")
    airlock.review(world.actors["checker1"], request_id, RETURN, "combine E01 and E02, please")
    airlock.review(world.actors["checker2"], request_id, APPROVE)
    world.new_job()
    world.write("by_area.csv", "area,count\nE01+E02,177\nE03,88\n")
    revision = airlock.revise(
        world.actors["res1"],
        request_id,
        world.job_id,
        [FileToRelease("by_area.csv", "people by area, E01 and E02 combined")],
    )
    assert revision == 2
    view = airlock.request_view(world.actors["checker2"], request_id)
    assert view.can_review and view.votes_in == 0
    airlock.review(world.actors["checker2"], request_id, APPROVE)
    airlock.review(world.actors["checker3"], request_id, APPROVE)
    with world.db.session() as s:
        [released] = released_outputs(s)[world.project_id]
    assert released.description == "people by area, E01 and E02 combined"


def test_two_rejections_reject_and_a_split_returns(world: OutputsWorld) -> None:
    airlock = world.airlock()
    rejected = _request(world, "by_area.csv")
    airlock.review(world.actors["checker1"], rejected, REJECT, "not within the project's purpose")
    assert airlock.review(world.actors["checker2"], rejected, REJECT, "agreed: out of scope").status == "rejected"
    split = _request(world, "costs.csv")
    airlock.review(world.actors["checker1"], split, REJECT, "the means are too precise")
    assert airlock.review(world.actors["checker2"], split, APPROVE).status == "returned"
    with pytest.raises(UserError, match="say why"):
        airlock.review(world.actors["checker3"], _request(world, "by_area.csv"), REJECT, "")


def test_differencing_against_a_released_table_is_flagged_and_refused(world: OutputsWorld) -> None:
    airlock = world.airlock()
    first = _request(world, "by_area.csv")
    airlock.review(world.actors["checker1"], first, APPROVE)
    airlock.review(world.actors["checker2"], first, APPROVE)
    world.new_job()
    world.write("by_area_under_90.csv", "area,count\nE01,54\nE02,118\nE03,70\n")
    checks = airlock.preview(world.actors["res1"], world.job_id, [FileToRelease("by_area_under_90.csv", "x")])
    differencing = next(f for f in checks[0].findings if f.rule == "differencing")
    assert differencing.outcome == "fail"
    assert differencing.cells == (
        f"area=E01: 54 here, 57 in by_area.csv (request {first})",
        f"area=E02: 118 here, 120 in by_area.csv (request {first})",
    )
    with pytest.raises(UserError, match="differencing"):
        _request(world, "by_area_under_90.csv")


def test_only_members_request_and_only_files_under_outputs(world: OutputsWorld) -> None:
    with pytest.raises(UserError, match="no job"):
        _request(world, "by_area.csv", who="outsider")
    for name in ("../definition.py", "/etc/passwd", "missing.csv"):
        with pytest.raises(UserError):
            _request(world, name)
    (world.outputs / "link.csv").symlink_to(world.outputs / "by_area.csv")
    with pytest.raises(UserError, match="no file"):
        _request(world, "link.csv")


def test_a_closed_project_cannot_request(world: OutputsWorld) -> None:
    from socialdata.store.models import Project

    with world.db.session() as s:
        project = s.get(Project, world.project_id)
        assert project is not None
        project.stage = "closed"
    with pytest.raises(AccessDenied):
        _request(world, "by_area.csv")
