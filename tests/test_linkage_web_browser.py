"""A data steward reviews a pair in Chromium: opens the queue, reads why the model scored it, and decides."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from socialdata.governance.users import Role, create_user
from socialdata.store import Database
from test_linkage_web import PASSWORD, seed_review_item
from test_web_browser import base_url  # noqa: F401  (the served app)


@pytest.mark.browser
def test_a_steward_reviews_and_decides_a_pair_in_the_browser(base_url: str, page: Page, db: Database) -> None:  # noqa: F811
    item = seed_review_item(db)
    create_user(db, "owen", PASSWORD, Role.DATA_STEWARD, display_name="Owen James", organisation_id="RZZ")
    page.goto(base_url + "/linkage")
    expect(page).to_have_url(re.compile(r"/login\?next=/linkage$"))
    page.get_by_label("Username").fill("owen")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Linkage review")).to_be_visible()
    page.get_by_role("link", name=f"Review item {item}").click()
    expect(page.get_by_role("heading", name=re.compile("are these the same person"))).to_be_visible()
    weights = page.locator("#weights")
    expect(weights.get_by_role("row", name=re.compile("given name"))).to_contain_text("+3.25")
    expect(page.locator("#records")).to_contain_text("JONATHAN")
    page.get_by_label("Note for the next steward").fill("checked with the GP")
    page.get_by_role("button", name="Same person").click()
    expect(page.get_by_role("status")).to_contain_text(f"Review item {item} is decided")
    expect(page.locator("#review-queue")).to_have_count(0)
