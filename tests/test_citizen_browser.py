"""The citizen portal clicked through in Debian's Chromium, as people would: Alice reads her record, asks for a
correction (with markup, shown as text), the practice declines it with a reason and she sees the outcome; she checks
who looked (break glass highlighted, its review shown) and verifies one access's proof in the page; she changes her
choices and downloads everything; a GP withholds an item from her view; every page is usable by keyboard and labelled.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from playwright.sync_api import Page, expect

from served_app import served
from socialdata.access import AccessGate
from socialdata.audit import issue_tree_head
from socialdata.config import Settings
from socialdata.governance.users import set_password
from socialdata.store import Database
from test_access_world import ALICE, BOB, World, build_world

PASSWORD = "citizen browser password"
STATEMENT = "<i>Wrong</i>: I registered in 2019, not in 2018. Please check your letters."
DECLINE = "Our registration letters show 2018; the date stays, with your statement."
GLASS = "Collapsed in our waiting room; needed her medicines"


@pytest.fixture
def world(db: Database) -> World:
    built = build_world(db)
    for username in ("alice", "gp1", "gp2"):
        set_password(db, username, PASSWORD)
    gate = AccessGate(db)
    with gate.open_person(built.actors["gp1"], ALICE):
        pass
    gate.break_glass(built.actors["gp2"], ALICE, GLASS)
    issue_tree_head(db)
    return built


@pytest.fixture
def base_url(settings: Settings, world: World) -> Iterator[str]:
    with served(settings) as url:
        yield url


def _log_in(page: Page, base_url: str, username: str, start: str) -> None:
    page.goto(base_url + start)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)  # signed in and brought back: the next checks see that page


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def _every_control_is_labelled_and_there_is_one_h1(page: Page) -> None:
    expect(page.locator("h1")).to_have_count(1)
    for control in page.locator("main input:not([type=hidden]), main textarea, main select").all():
        name = control.evaluate("el => (el.labels && el.labels.length) ? el.labels[0].textContent.trim() : ''")
        assert name, control.evaluate("el => el.outerHTML")


@pytest.mark.browser
def test_alice_asks_for_a_correction_and_sees_the_practices_answer(base_url: str, page: Page, world: World) -> None:
    _log_in(page, base_url, "alice", "/citizen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your record")
    expect(page.locator("#demographics")).to_contain_text("9990000018")
    _every_control_is_labelled_and_there_is_one_h1(page)
    row = page.locator(f"#timeline tr[data-ref='source_event-{world.events['a-reg']}']")
    row.get_by_role("link", name="Ask for a correction").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for a correction")
    _every_control_is_labelled_and_there_is_one_h1(page)
    page.get_by_label("What is wrong, and what it should say").fill(STATEMENT)
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator("#sent")).to_contain_text("sent to Organisation Y90001")
    expect(page.locator("#earlier")).to_contain_text(STATEMENT)  # the markup is text, never run
    _log_out(page)

    _log_in(page, base_url, "gp1", "/corrections")
    expect(page.get_by_role("heading", level=1)).to_have_text("Correction requests")
    _every_control_is_labelled_and_there_is_one_h1(page)
    request = page.locator(".correction-request").first
    expect(request).to_contain_text(STATEMENT)
    request.get_by_label("Decline: it stays as it is, with their statement").check()
    request.get_by_label("Reason the person will read").fill(DECLINE)
    request.get_by_role("button", name="Save decision").click()
    expect(page.locator("#decided")).to_be_visible()
    expect(page.locator("#queue-empty")).to_be_visible()
    _log_out(page)

    _log_in(page, base_url, "alice", "/citizen")
    answered = page.locator(f"#timeline tr[data-ref='source_event-{world.events['a-reg']}']")
    expect(answered).to_contain_text("Declined")
    expect(answered).to_contain_text(DECLINE)
    expect(answered).to_contain_text(STATEMENT)


@pytest.mark.browser
def test_alice_sees_who_looked_and_checks_a_proof_in_the_page(base_url: str, page: Page) -> None:
    _log_in(page, base_url, "alice", "/citizen")
    page.get_by_role("link", name="Who looked at your record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who looked at your record")
    glass = page.locator(".access-entry--break-glass")
    expect(glass.first).to_contain_text("Emergency access")
    expect(glass.first).to_contain_text(GLASS)
    expect(glass.first).to_contain_text("Not yet reviewed by the privacy officer")
    looked = page.locator(".access-entry", has_text="Gp1").filter(has_text="Opened your record")
    expect(looked).to_contain_text("You are registered at their GP practice")
    looked.get_by_role("link", name="Check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proof that this access is in the log")
    expect(page.locator("#event-json")).to_contain_text('"username":"gp1"')
    expect(page.locator("#how-to-check")).to_contain_text("RFC 9162")
    page.get_by_role("button", name="Check this proof").click()
    expect(page.locator("#verify-result")).to_have_text(
        "Checked: this entry is in the log, and the log's root is signed with the published key."
    )
    # The check is real: change one character of the entry and it fails.
    page.evaluate(
        "const e = document.getElementById('event-json'); e.textContent = e.textContent.replace('gp1', 'gp2')"
    )
    page.get_by_role("button", name="Check this proof").click()
    expect(page.locator("#verify-result")).to_have_text("The entry's text does not give its leaf hash.")


@pytest.mark.browser
def test_alice_changes_her_choices_and_downloads_everything(base_url: str, page: Page, tmp_path: Path) -> None:
    _log_in(page, base_url, "alice", "/citizen")
    page.get_by_role("link", name="Your choices").click()
    _every_control_is_labelled_and_there_is_one_h1(page)
    expect(page.locator("#opt-out")).to_contain_text("section 251")
    page.get_by_label("No, I opt out").check()
    page.get_by_role("button", name="Save research and planning choice").click()
    expect(page.locator("#saved")).to_be_visible()
    expect(page.locator("#opt-out-now")).to_contain_text("you have opted out")
    page.get_by_label("Organisation").select_option("RZZ")
    page.get_by_role("button", name="Stop sharing this organisation's records").click()
    expect(page.locator("#objection-list")).to_contain_text("Organisation RZZ")
    page.get_by_role("button", name="Share Organisation RZZ's records again").click()
    expect(page.locator("#objection-list")).to_have_count(0)

    page.get_by_role("link", name="Your record", exact=True).click()
    with page.expect_download() as fhir:
        page.locator("#download-json").click()
    bundle = orjson.loads(Path(fhir.value.path()).read_bytes())
    assert bundle["resourceType"] == "Bundle" and bundle["entry"][0]["resource"]["id"] == ALICE
    with page.expect_download() as readable:
        page.locator("#download-html").click()
    assert "Everything the Social Data Foundation holds about you" in Path(readable.value.path()).read_text()

    page.goto(f"{base_url}/citizen/{BOB}/access")
    expect(page.get_by_role("heading", level=1)).to_have_text("This is not available to you")


@pytest.mark.browser
def test_a_gp_withholds_an_item_and_alice_no_longer_sees_it(base_url: str, page: Page, world: World) -> None:
    item = world.events["a-hypertension"]
    _log_in(page, base_url, "gp1", f"/record/{ALICE}/items/source_event/{item}")
    page.get_by_role("link", name="The person's view of this item").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The person's view of this item")
    _every_control_is_labelled_and_there_is_one_h1(page)
    page.get_by_label("It is about someone else").check()
    page.get_by_label("Your reason, in detail").fill("Records the neighbour's diagnosis, told to us in confidence")
    page.get_by_role("button", name="Withhold from the person").click()
    expect(page.locator("#withheld-now")).to_contain_text("neighbour's diagnosis")
    _log_out(page)

    _log_in(page, base_url, "alice", "/citizen")
    expect(page.locator(f"#timeline tr[data-ref='source_event-{item}']")).to_have_count(0)
    expect(page.locator(f"#timeline tr[data-ref='source_event-{world.events['a-reg']}']")).to_have_count(1)


@pytest.mark.browser
def test_the_portal_works_from_the_keyboard(base_url: str, page: Page) -> None:
    _log_in(page, base_url, "alice", "/citizen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your record")  # the page after the login has loaded
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#maincontent")).to_be_focused()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Your choices":
            break
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your choices")
    page.get_by_label("Yes, contact me").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save contact choice").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#saved")).to_be_visible()
    expect(page.get_by_label("Yes, contact me")).to_be_checked()
