"""The shared care record clicked through in Debian's Chromium, as professionals would: a GP finds a person, sees why
they may, adds a note (script shown as text); a GP from another practice breaks glass; the privacy officer sees it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from served_app import served
from socialdata.config import Settings
from socialdata.governance.users import set_password
from socialdata.store import Database
from test_access_world import ALICE, build_world

PASSWORD = "record browser password"
NOTE = "<script>document.title='owned'</script> Reviewed at home; carer present."


@pytest.fixture
def base_url(settings: Settings, db: Database) -> Iterator[str]:
    """The app served by uvicorn on a free localhost port, over the gate's small city with three logins."""
    build_world(db)
    for username in ("gp1", "gp2", "po"):
        set_password(db, username, PASSWORD)
    with served(settings) as url:
        yield url


def _log_in(page: Page, base_url: str, username: str, start: str) -> None:
    page.goto(base_url + start)  # a record page sends a stranger to log in first, then back
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _find_alice(page: Page) -> None:
    page.get_by_label("NHS number").fill("999 000 0018")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#search-results")).to_contain_text("9990000018")
    page.get_by_role("link", name="Open the record of Alice Smith").click()


@pytest.mark.browser
def test_professionals_find_read_and_add_to_a_record_and_break_glass_is_reviewed(base_url: str, page: Page) -> None:
    _log_in(page, base_url, "gp1", "/record")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a person")
    page.get_by_label("NHS number").fill("12345")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("alert")).to_contain_text("NHS number")

    _find_alice(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Alice Smith")
    expect(page.locator("#basis")).to_contain_text("You can see this record because: Registered at your practice")
    expect(page.locator("#withheld")).to_contain_text("1 item withheld")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Organisation LA900")
    expect(timeline).to_contain_text("RZZ.csv")

    page.get_by_label("Type").select_option("condition")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#timeline-count")).to_contain_text("(filtered)")
    expect(page.locator("#timeline .timeline-item[data-kind='encounter']")).to_have_count(0)

    page.get_by_label("Kind").select_option("note")
    page.get_by_label("Text").fill(NOTE)
    page.get_by_role("button", name="Add entry").click()
    expect(page.locator("#added")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text(NOTE)  # the markup is text on the page, never run
    expect(page).to_have_title("Record of Alice Smith – Social Data Foundation")
    page.get_by_role("button", name="Log out").click()

    _log_in(page, base_url, "gp2", f"/record/{ALICE}")
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have access to this record")
    page.get_by_label("Reason for emergency access").fill("Collapsed at our surgery; needs allergies now.")
    page.get_by_role("button", name="Break glass").click()
    expect(page.locator("#basis")).to_contain_text("Emergency access (break glass, under review)")
    expect(page.locator("#basis-expires")).to_contain_text("UTC")
    expect(page.locator("#timeline")).to_contain_text(NOTE)  # the rest of the care team sees the note
    page.get_by_role("button", name="Log out").click()

    _log_in(page, base_url, "po", "/privacy/alerts")
    queue = page.locator("#queue")
    expect(queue).to_contain_text("Break glass")
    expect(queue).to_contain_text("gp2")
    expect(queue).to_contain_text("Collapsed at our surgery; needs allergies now.")
