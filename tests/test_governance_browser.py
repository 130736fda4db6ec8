"""Governance clicked through in Debian's Chromium: stewards draft and review an agreement and the board approves it;
a researcher applies (Five Safes) and names an analyst; a steward reviews, the board approves, a steward opens access;
the public register shows the use with no login, and its CSV downloads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from served_app import served
from socialdata.config import Settings
from socialdata.governance.accreditation import record_training
from socialdata.store import Database
from test_governance_world import ALL_FIELDS, build_world

PASSWORD = "correct horse battery"
TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
def base_url(settings: Settings, db: Database) -> Iterator[str]:
    world = build_world(db)
    for username in ("lead", "analyst"):
        record_training(
            db,
            world.users["admin"],
            username,
            training="Data Security Awareness",
            completed_on=TODAY - dt.timedelta(days=30),
            expires_on=TODAY + dt.timedelta(days=335),
        )
    with served(settings) as url:
        yield url


def _log_in(page: Page, base_url: str, username: str, start: str = "/governance") -> None:
    page.goto(base_url + "/")
    if page.get_by_role("button", name="Log out").count():
        page.get_by_role("button", name="Log out").click()
    page.goto(base_url + start)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _draft_agreement(page: Page, base_url: str) -> str:
    _log_in(page, base_url, "steward1")
    page.locator("#new-agreement").click()
    page.get_by_label("Title").fill("University research access")
    page.get_by_label("Purpose").select_option("research")
    page.locator("#party-FOUNDATION").check()
    page.locator("#party-UNI").check()
    for dataset, fields in ALL_FIELDS.items():
        for name in fields:
            page.locator(f"[id='field-{dataset}.{name}']").check()
    page.locator("#condition-no_onward_sharing").check()
    # An agreement ending before it starts is refused on the page, with what was typed kept.
    page.get_by_label("Starts on").fill(TODAY.isoformat())
    page.get_by_label("Ends on").fill((TODAY - dt.timedelta(days=1)).isoformat())
    page.locator("#save-agreement").click()
    expect(page.get_by_role("alert")).to_contain_text("before it starts")
    expect(page.get_by_label("Title")).to_have_value("University research access")
    page.get_by_label("Ends on").fill((TODAY + dt.timedelta(days=365)).isoformat())
    page.locator("#save-agreement").click()
    expect(page.locator("#status")).to_have_text("draft")
    page.locator("#step-submit").click()
    expect(page.locator("#status")).to_have_text("submitted")
    expect(page.locator("#step-review")).to_have_count(0)  # the steward who drafted it may not review it
    return page.url


def test_an_agreement_and_a_project_go_from_draft_to_the_public_register(base_url: str, page: Page) -> None:
    agreement_url = _draft_agreement(page, base_url)

    _log_in(page, base_url, "steward2", agreement_url.removeprefix(base_url))
    page.get_by_label("Review note").fill("Checked against the DPIA and the section 251 letter.")
    page.locator("#step-review").click()
    expect(page.locator("#status")).to_have_text("steward reviewed")

    _log_in(page, base_url, "board1", agreement_url.removeprefix(base_url))
    page.locator("#step-approve").click()
    expect(page.locator("#status")).to_have_text("active")
    expect(page.locator("#lifecycle")).to_contain_text("Board1")

    _log_in(page, base_url, "lead")
    page.locator("#start-research").click()
    page.get_by_label("Project title").fill("Emergency admissions and deprivation")
    page.locator("#start-project").click()
    expect(page.locator("#stage")).to_have_text("enquiry")
    page.get_by_label("Add a researcher (their username)").fill("analyst")
    page.locator("#add-member").click()
    expect(page.locator("#members")).to_contain_text("analyst")
    page.get_by_label("Lay summary").fill(
        "We will look at whether people in poorer areas are admitted to hospital in an emergency more often."
    )
    page.get_by_label("Public benefit").fill("Better targeted community services.")
    until = TODAY + dt.timedelta(days=365)
    page.get_by_label("Data sharing agreement").select_option(label=f"University research access (until {until})")
    page.locator("[id='field-patients.imd_decile']").check()
    page.locator("[id='field-hospital_admissions.admission_date']").check()
    page.locator("[id='why-patients.imd_decile']").fill("deprivation is the exposure")
    page.locator("#save-application").click()
    expect(page.locator("#safe-data")).to_contain_text("no justification for: hospital_admissions.admission_date")
    page.locator("#submit-application").click()
    expect(page.get_by_role("alert")).to_contain_text("missing: hospital_admissions.admission_date")
    page.locator("[id='why-hospital_admissions.admission_date']").fill("to count admissions per month")
    page.locator("#save-application").click()
    page.locator("#submit-application").click()
    expect(page.locator("#stage")).to_have_text("application")
    expect(page.locator("#step-approve")).to_have_count(0)  # a researcher never sees an approval button
    project_path = page.url.removeprefix(base_url)

    _log_in(page, base_url, "steward1", project_path)
    expect(page.locator("#safe-people")).to_contain_text("training valid")
    page.get_by_label("Review note").fill("All five safes pass; recommend approval.")
    page.locator("#step-review").click()
    expect(page.locator("#stage")).to_have_text("review")

    _log_in(page, base_url, "board1", project_path)
    page.locator("#step-approve").click()
    expect(page.locator("#stage")).to_have_text("approved")

    _log_in(page, base_url, "steward2", project_path)
    page.locator("#step-access").click()
    expect(page.locator("#stage")).to_have_text("access")
    page.get_by_role("button", name="Log out").click()

    page.goto(base_url + "/register")
    use = page.locator("section.inset").first
    expect(use).to_contain_text("Emergency admissions and deprivation")
    expect(use).to_contain_text("City University")
    expect(use).to_contain_text("9(2)(j)")
    expect(use).to_contain_text("applied")
    expect(use).to_contain_text("not commercial")
    with page.expect_download() as download:
        page.locator("#register-csv").click()
    text = download.value.path().read_text(encoding="utf-8")
    assert "Emergency admissions and deprivation" in text and "City University" in text
