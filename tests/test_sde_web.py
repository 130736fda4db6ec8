"""The researcher's pages: projects, build the extract, run a job, follow it to its outputs — clicked through in
Chromium — and the refusals (strangers, non-members, bad uploads) shown as readable pages, never a stack trace."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from served_app import served
from socialdata.api import create_app
from socialdata.config import Settings
from socialdata.governance.users import set_password
from socialdata.sde.extracts import build_extract
from socialdata.sde.jobs import submit_job
from socialdata.store import Database
from socialdata.store.models import SdeJob
from test_sde_extract_world import PEOPLE, SdeWorld, build_sde_world
from test_sde_jobs import COUNTS, DEFINITION

PASSWORD = "sde pages password"


@pytest.fixture
def world(db: Database) -> SdeWorld:
    world = build_sde_world(db)
    for username in ("res1", "res2", "outsider"):
        set_password(db, username, PASSWORD)
    return world


def _signed_in(settings: Settings, username: str) -> TestClient:
    client = TestClient(create_app(settings), follow_redirects=False)
    token = client.get("/login").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD})
    return client


def _token(page_html: str) -> str:
    return page_html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


@pytest.mark.browser
def test_a_researcher_builds_the_extract_runs_a_job_and_sees_its_outputs(
    world: SdeWorld, settings: Settings, page: Page
) -> None:
    with served(settings) as base_url:
        page.goto(base_url + "/sde")
        page.get_by_label("Username").fill("res1")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Secure data environment")
        page.get_by_role("link", name="Emergency care and social care").click()
        expect(page.locator("#extract-summary")).to_contain_text("No extract has been built yet")
        page.get_by_role("button", name="Build the extract").click()
        expect(page.locator("#extract-summary")).to_contain_text(f"{PEOPLE} people")
        page.get_by_label("or its text").first.fill(DEFINITION)
        page.locator("#script").fill(COUNTS)
        page.get_by_role("button", name="Run the job").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Job ")
        expect(page.locator("#job-state")).to_have_text("succeeded", timeout=180_000)
        expect(page.locator("#outputs")).to_contain_text("by_sex.csv")
        expect(page.locator("#job-log")).to_contain_text("Isolation in force")
        expect(page.locator("#request-release")).to_be_visible()
        page.get_by_role("link", name="Back to the project").click()
        expect(page.locator("#jobs")).to_contain_text("succeeded")
        page.locator("#jobs a").first.click()
        page.get_by_role("link", name="Ask for these outputs to be released").click()
        expect(page).to_have_url(re.compile(r"/outputs/new\?job_id=\d+$"))
        expect(page.locator("body")).to_contain_text("by_sex.csv")


def test_strangers_are_sent_to_log_in_and_non_members_are_refused(world: SdeWorld, settings: Settings) -> None:
    build_extract(world.db, world.actors["res1"], world.project_a, gate=world.gate())
    job_id = submit_job(world.db, world.actors["res1"], world.project_a, DEFINITION, COUNTS, gate=world.gate())
    with TestClient(create_app(settings), follow_redirects=False) as anonymous:
        assert anonymous.get("/sde").headers["location"].startswith("/login")
        assert anonymous.get(f"/sde/jobs/{job_id}").headers["location"].startswith("/login")
    with _signed_in(settings, "outsider") as outsider:
        assert "You are not a member of any project" in outsider.get("/sde").text
        assert outsider.get(f"/sde/projects/{world.project_a}").status_code == 400
        refused = outsider.get(f"/sde/jobs/{job_id}")
        assert refused.status_code == 403 and "not a member" in refused.text
        token = _token(outsider.get("/sde").text)
        built = outsider.post(f"/sde/projects/{world.project_a}/extract", data={"csrf_token": token})
        assert built.status_code == 403 and "not a member" in built.text
        ran = outsider.post(
            f"/sde/projects/{world.project_a}/jobs", data={"csrf_token": token, "definition": "x", "script": "y"}
        )
        assert ran.status_code == 403 and "not a member" in ran.text
        cancel = outsider.post(f"/sde/jobs/{job_id}/cancel", data={"csrf_token": token})
        assert cancel.status_code == 403


def test_a_bad_upload_is_refused_on_the_page_and_no_job_is_made(world: SdeWorld, settings: Settings) -> None:
    build_extract(world.db, world.actors["res1"], world.project_a, gate=world.gate())
    with _signed_in(settings, "res2") as analyst:
        page = analyst.get(f"/sde/projects/{world.project_a}")
        assert page.status_code == 200 and "Run a job" in page.text
        answer = analyst.post(
            f"/sde/projects/{world.project_a}/jobs",
            data={"csrf_token": _token(page.text), "definition": DEFINITION, "script": ""},
            files={"script_file": ("analysis.py", b"print('x')\x00\x00", "text/x-python")},
        )
        assert answer.status_code == 400 and "NUL character" in answer.text and "Traceback" not in answer.text
    assert world.count(SdeJob) == 0
