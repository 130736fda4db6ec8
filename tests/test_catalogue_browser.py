"""The data catalogue clicked through in Debian's Chromium, by someone not logged in: search, open a dataset, read
its quality figures and columns; a search with markup in it is shown as text and never runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from served_app import served
from socialdata.config import Settings
from socialdata.store import Database
from test_catalogue_quality import build_catalogue_store

MARKUP = "<script>document.title='owned'</script>"


@pytest.fixture
def base_url(settings: Settings, db: Database) -> Iterator[str]:
    build_catalogue_store(db)
    with served(settings) as url:
        yield url


def _search(page: Page, words: str) -> None:
    page.get_by_label("Search titles, descriptions, keywords, tables and columns").fill(words)
    page.get_by_role("button", name="Search").click()


@pytest.mark.browser
def test_a_visitor_searches_the_catalogue_and_reads_a_dataset(base_url: str, page: Page) -> None:
    page.goto(base_url + "/")
    page.get_by_role("link", name="Data catalogue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data catalogue")
    expect(page.locator("#results > li")).to_have_count(5)

    _search(page, "birth")
    expect(page.locator("#results-heading")).to_have_text("1 dataset match “birth”")
    expect(page.locator("#results .matched-columns")).to_contain_text("date_of_birth")
    page.get_by_role("link", name="Linked population").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Linked population")
    trust = page.locator("#quality tr[data-partner='RZZ']")
    expect(trust).to_contain_text("Avonford Hospital")
    expect(trust).to_contain_text("66.7%")  # 2 of its 3 people came with an NHS number
    expect(page.locator("#quality tr[data-partner='Y90002']")).to_contain_text("nothing loaded")
    expect(page.locator("#quality-total")).to_contain_text("83.3%")  # 5 of 6 records linked
    expect(page.locator("#columns")).to_contain_text("date_of_birth")
    expect(page.locator("#access")).to_contain_text("Article 6")
    expect(page.locator("#apply-link")).to_have_attribute("href", "/governance/projects/new")

    page.get_by_role("link", name="Back to the data catalogue").click()
    _search(page, MARKUP)
    expect(page.locator("#results-heading")).to_contain_text(MARKUP)  # shown as text
    expect(page.locator("#no-results")).to_be_visible()
    expect(page.get_by_label("Search titles, descriptions, keywords, tables and columns")).to_have_value(MARKUP)
    expect(page).to_have_title(f"Search: {MARKUP} – Data catalogue – Social Data Foundation")
