"""The statement page in a browser: the implications paragraph, copied or selected."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import copy_worked_example, new_page


def test_copy_button_copies_the_implications_paragraph_and_says_so(
    browser, base_url, signed_in_state, live_app
):
    page = new_page(browser, base_url, storage_state=signed_in_state)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"/assessments/{copy_worked_example(live_app)}/statement")
    button = page.get_by_role("button", name="Copy the paragraph")
    button.click()
    # The clipboard answers asynchronously: wait for the message rather than read it at once.
    expect(page.locator("#implications-status")).to_have_text(re.compile("copied|selected"))
    paragraph = page.locator("#implications").inner_text().strip()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == paragraph and "Marmot principles" in copied
    page.context.close()


def test_without_javascript_the_paragraph_is_there_to_select_and_no_dead_button(
    page_without_js, live_app
):
    page_without_js.goto(f"/assessments/{copy_worked_example(live_app)}/statement")
    assert "Marmot principles" in page_without_js.locator("#implications").inner_text()
    assert page_without_js.get_by_role("button", name="Copy the paragraph").count() == 0
