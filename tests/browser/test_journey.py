"""A council officer completes a whole assessment in Chromium and downloads the statement."""

from __future__ import annotations

import io
import re

from docx import Document
from playwright.sync_api import Page, expect

from tests.browser.conftest import SAVE_AND_CONTINUE, screenshot


def save_and_continue(page: Page) -> None:
    # Wait for the next page, so a following click cannot land on this one.
    with page.expect_navigation():
        page.get_by_role("button", name=SAVE_AND_CONTINUE).click()


def choose(page: Page, name: str, value: str) -> None:
    page.locator(f"input[name='{name}'][value='{value}']").check()


def complete_section(page: Page) -> None:
    expect(page.locator("h1")).to_contain_text("Check your answers")
    choose(page, "completed", "yes")
    save_and_continue(page)
    expect(page.locator("h1")).to_have_text(re.compile("Wirral Green Plan"))


def fill_details(page: Page) -> None:
    page.get_by_label("What is the policy called?").fill("Wirral Green Plan 2026 to 2030")
    page.get_by_label("Which organisation is making this assessment?").fill("Wirral Council")
    page.get_by_label("Wirral", exact=True).check()
    page.get_by_label("What is the policy for?").fill("Cut the council's emissions to net zero.")
    page.get_by_label("A strategy or plan").check()
    page.get_by_label("Which board or committee makes the final decision?").fill("Wirral Cabinet")
    page.locator("#details_decision_date-day").fill("27")
    page.locator("#details_decision_date-month").fill("3")
    page.locator("#details_decision_date-year").fill("2027")
    save_and_continue(page)
    complete_section(page)


def screen(page: Page) -> None:
    page.get_by_role("link", name=re.compile("Screening")).click()
    for name, value in (
        ("screening_scale", "large"),
        ("screening_people", "everyone"),
        ("screening_reversible", "hard"),
        ("screening_evidence", "some"),
    ):
        choose(page, name, value)
    save_and_continue(page)
    expect(page.locator(".govuk-inset-text")).to_contain_text(
        "We suggest a full assessment because the decision is large"
    )
    choose(page, "screening_path", "full")
    save_and_continue(page)
    choose(page, "screening_principles", "living_standard")
    choose(page, "screening_principles", "environment_sustainability")
    page.locator("#screening_left_out_reason").fill("Our evidence review found no link.")
    save_and_continue(page)
    complete_section(page)


def populations(page: Page) -> None:
    page.get_by_role("link", name="Who the policy affects").click()
    for group in ("Households in fuel poverty", "Private renters", "Households without a car"):
        page.get_by_label(group, exact=True).check()
    page.locator("#populations_own_groups").fill("Tenants whose landlord must agree to works")
    save_and_continue(page)
    complete_section(page)


def save_until_check_answers(page: Page) -> None:
    """Save each remaining page of the section, however many parts it is split into."""
    while "Check your answers" not in page.locator("h1").inner_text():
        save_and_continue(page)


def living_standard(page: Page) -> None:
    page.get_by_role("link", name="Ensure a healthy standard of living for all").click()
    page.get_by_label("Households in fuel poverty").check()
    page.get_by_label("Private renters").check()
    # Indicator rows: add a second row, then remove the first.
    page.locator("#p4_s1_rates-0-indicator").fill("Row to remove")
    page.get_by_role("button", name="Add another finding").first.click()
    page.locator("#p4_s1_rates-1-catalogue").select_option("ind_fuel_poverty")
    page.locator("#p4_s1_rates-1-baseline").fill("Latest published value")
    page.get_by_role("button", name="Remove finding 1").first.click()
    expect(page.locator("#p4_s1_rates-0-baseline")).to_have_value("Latest published value")
    expect(page.locator("#p4_s1_rates-1-indicator")).to_have_count(0)
    screenshot(page, "journey-step-1-rows")
    save_and_continue(page)

    # Actions: three rows, the middle one removed.
    page.get_by_label(
        "Will the policy put money in people's pockets or cut their bills? Who gains most?"
    ).fill("Fuel-poor renters gain most: lower bills.")
    for index, text in enumerate(
        ("Target grants by need", "Drop this action", "Add rent conditions to grants")
    ):
        if index:
            page.get_by_role("button", name="Add another action").click()
            # The page comes back from the server with the new row: wait for it to load, so
            # nothing is typed into a page that is about to be replaced.
            page.wait_for_load_state("load")
            expect(page.get_by_role("button", name=f"Remove action {index + 1}")).to_be_visible()
        page.locator(f"#p4_s2_actions-{index}-action").fill(text)
        page.locator(f"#p4_s2_actions-{index}-owner").fill("Head of Housing")
        expect(page.locator(f"#p4_s2_actions-{index}-action")).to_have_value(text)
    page.get_by_role("button", name="Remove action 2").click()
    expect(page.locator("#p4_s2_actions-1-action")).to_have_value("Add rent conditions to grants")
    save_and_continue(page)

    page.locator("#p4_s3_indicators-0-catalogue").select_option("ind_fuel_poverty")
    page.locator("#p4_s3_indicators-0-review_date-day").fill("1")
    page.locator("#p4_s3_indicators-0-review_date-month").fill("9")
    page.locator("#p4_s3_indicators-0-review_date-year").fill("2027")
    save_and_continue(page)

    choose(page, "p4_s4_prices-direction", "negative")
    choose(page, "p4_s4_prices-gap", "widens")
    choose(page, "p4_s4_prices-magnitude", "small")
    choose(page, "p4_s4_prices-confidence", "medium")
    save_until_check_answers(page)
    complete_section(page)


def environment(page: Page) -> None:
    page.get_by_role("link", name=re.compile("Pursue environmental sustainability")).click()
    page.get_by_label("Households without a car").first.check()
    save_until_check_answers(page)
    complete_section(page)


def decide(page: Page) -> None:
    page.get_by_role("link", name="Overall impact ratings").click()
    for principle in ("living_standard", "environment_sustainability"):
        choose(page, f"decision_impact_{principle}-direction", "positive")
        choose(page, f"decision_impact_{principle}-gap", "narrows")
        choose(page, f"decision_impact_{principle}-magnitude", "large")
        choose(page, f"decision_impact_{principle}-confidence", "medium")
    save_and_continue(page)
    complete_section(page)
    page.get_by_role("link", name="Recommendation and review date").click()
    choose(page, "decision_option", "proceed_with_changes")
    page.locator("#decision_review_date-day").fill("31")
    page.locator("#decision_review_date-month").fill("3")
    page.locator("#decision_review_date-year").fill("2028")
    save_and_continue(page)
    complete_section(page)


def download(page: Page, link_name: str) -> bytes:
    """Click the link a screen reader announces as `link_name` and read the file it gives."""
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name, exact=True).first.click()
    return info.value.path().read_bytes()


def test_officer_completes_an_assessment_and_downloads_the_statement(page):
    page.goto("/")
    page.get_by_role("button", name="Start a new assessment").click()
    fill_details(page)
    screen(page)
    populations(page)
    living_standard(page)
    environment(page)
    decide(page)
    expect(page.locator("main")).to_contain_text("You have completed 7 of 7 sections.")

    page.get_by_role("link", name="Preview and download the statement").click()
    screenshot(page, "journey-statement")
    markdown = download(page, "Statement as markdown").decode("utf-8")
    assert markdown.startswith("# Equity impact statement: Wirral Green Plan 2026 to 2030")
    assert "Target grants by need" in markdown and "Add rent conditions to grants" in markdown
    assert "Drop this action" not in markdown and "Row to remove" not in markdown
    assert "Households in fuel poverty (low income, low energy efficiency)" in markdown
    assert "1 September 2027" in markdown

    word = Document(io.BytesIO(download(page, "Statement as Word")))
    assert word.paragraphs[0].text == "Equity impact statement: Wirral Green Plan 2026 to 2030"
    cells = {cell.text for table in word.tables for row in table.rows for cell in row.cells}
    assert {"Target grants by need", "Add rent conditions to grants"} <= cells
    assert "Drop this action" not in cells
    summary = download(page, "Board summary as PDF")
    assert summary.startswith(b"%PDF")
