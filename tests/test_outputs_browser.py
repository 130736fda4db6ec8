"""The airlock clicked through in Debian's Chromium: a researcher checks and requests a job's outputs, two output
checkers vote blind to each other, and the released file appears on the public data uses register."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from served_app import served
from socialdata.config import Settings
from socialdata.governance.users import set_password
from socialdata.store import Database
from test_outputs_world import OutputsWorld, build_outputs_world

PASSWORD = "outputs browser password"
DESCRIPTION = "People using adult social care by area of residence, 2025"


@pytest.fixture
def world(settings: Settings, db: Database) -> OutputsWorld:
    w = build_outputs_world(db)
    w.write("by_area.csv", "area,count\nE01,57\nE02,120\nE03,88\n")
    w.write("small.csv", "area,count\nE01,3\nE02,120\n")
    for username in ("res1", "checker1", "checker2"):
        set_password(db, username, PASSWORD)
    return w


@pytest.fixture
def base_url(settings: Settings, world: OutputsWorld) -> Iterator[str]:
    with served(settings) as url:
        yield url


def _log_in(page: Page, base_url: str, username: str, start: str) -> None:
    page.goto(base_url + start)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _vote(page: Page, base_url: str, username: str, request_url: str) -> None:
    _log_in(page, base_url, username, "/outputs")
    expect(page.get_by_role("heading", level=1)).to_have_text("Output checking")
    page.get_by_role("link", name=re.compile(r"Request \d+")).click()
    expect(page).to_have_url(request_url)
    expect(page.locator("[data-rule='min_cell_count']")).to_contain_text("every published count")
    expect(page.locator(".outputs-preview")).to_contain_text("E02")


@pytest.mark.browser
def test_request_two_blind_reviews_and_release_to_the_register(base_url: str, world: OutputsWorld, page: Page) -> None:
    _log_in(page, base_url, "res1", f"/outputs/new?job_id={world.job_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for outputs to be released")
    page.get_by_label("Title of the request").fill("Care use by area")
    small = page.locator("fieldset", has_text="small.csv")
    small.get_by_label("Release this file").check()
    small.get_by_label("What it shows").fill("People by area, before suppression")
    page.get_by_role("button", name="Check the chosen files").click()
    expect(small.locator("[data-rule='min_cell_count']")).to_contain_text("area=E01: 3")
    page.get_by_role("button", name="Ask for release").click()
    expect(page.get_by_role("alert")).to_contain_text("min_cell_count")

    page.locator("fieldset", has_text="small.csv").get_by_label("Release this file").uncheck()
    chosen = page.locator("fieldset", has_text="by_area.csv")
    chosen.get_by_label("Release this file").check()
    chosen.get_by_label("What it shows").fill(DESCRIPTION)
    page.get_by_role("button", name="Ask for release").click()
    # (PostgreSQL spent id 1 on the refused request, rolled back: read the id from the page)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Output request \d+: Care use by area"))
    expect(page.locator("#request-status")).to_have_text("awaiting review")
    request_url = page.url
    page.get_by_role("button", name="Log out").click()

    _vote(page, base_url, "checker1", request_url)
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#votes")).to_contain_text("checker1: approve")
    expect(page.locator("#review-form")).to_have_count(0)
    page.get_by_role("button", name="Log out").click()

    _vote(page, base_url, "checker2", request_url)
    expect(page.locator("#no-votes")).to_contain_text("Votes stay hidden until both checkers have voted")
    page.get_by_label("Comments").fill("Counts are large; labels are areas, not people.")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#request-status")).to_have_text("released")
    expect(page.locator("#votes")).to_contain_text("checker1: approve")
    expect(page.locator("#votes")).to_contain_text("checker2: approve")

    page.goto(base_url + "/register")
    expect(page.locator("main")).to_contain_text(DESCRIPTION)
