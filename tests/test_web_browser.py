"""Clicking through the pages in Debian's Chromium, as a person would: home, quarantine, log in, log out."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from served_app import served
from socialdata.config import Settings
from socialdata.governance.users import Role, create_user
from socialdata.store import Database
from test_web_pages import seed_city

PASSWORD = "browser demo password"


@pytest.fixture
def base_url(settings: Settings, db: Database) -> Iterator[str]:
    """The app served by uvicorn on a free localhost port, in a background thread, over a small seeded store."""
    seed_city(db)
    create_user(db, "steward", PASSWORD, Role.DATA_STEWARD, display_name="Owen James", organisation_id=None)
    with served(settings) as url:
        yield url


@pytest.mark.browser
def test_a_person_reads_the_overview_logs_in_and_out(base_url: str, page: Page) -> None:
    page.goto(base_url + "/")
    expect(page).to_have_title("Foundation at a glance – Social Data Foundation")
    expect(page.get_by_role("heading", level=1)).to_have_text("The Foundation at a glance")
    partners = page.locator("#partners")
    expect(partners).to_contain_text("Avonford Hospitals NHS Foundation Trust")
    expect(partners).to_contain_text("<script>alert('org')</script> Trust")  # shown as text, not run
    expect(page.locator("#submissions")).to_contain_text("bundle-0001.json")
    expect(page.locator("#quarantine-counts")).to_contain_text("1")

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()

    # Quarantine messages can quote a received value, so the list asks who you are first and the gate decides.
    page.get_by_role("link", name="See every quarantined item and why").click()
    expect(page).to_have_url(re.compile(r"/login\?next=/quarantine$"))
    page.get_by_label("Username").fill("steward")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("The username or password is not right")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Signed in as")).to_contain_text("Owen James")
    expect(page.locator("#quarantine-items")).to_contain_text("Patient.birthDate")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_have_count(0)
