"""Journeys counted: pages loaded, boxes filled, options ticked and buttons pressed.

Rapid means rapid: a council officer assesses closing two libraries in minutes, not hours.

The officer accepts what the tool can suggest (their organisation, the rapid path it
recommends, a review a year after the decision) and gives a realistic minimum: the groups
affected, one finding, one action, one indicator and one wider determinant for each of two
principles, and the overall ratings. The test counts every page the browser loads and
every box filled, option ticked and button pressed, from the start page to "all sections
complete", and holds them to the limits of issue 11: 12 pages and 60 interactions.

The full journey (a change to Council Tax Support, two principles) gives the same minimum on
every page of the four steps, and is counted too: it has no limit of its own, only a guard
against pages creeping back.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

PAGE_LIMIT = 12
INTERACTION_LIMIT = 60
COMPLETE = "Save and mark this section as completed"


class Journey:
    """Drives the page and counts what the officer does."""

    def __init__(self, page: Page):
        self.page = page
        self.pages = 0
        self.fields = 0
        self.clicks = 0
        page.on("load", self._loaded)

    def _loaded(self, _page) -> None:
        self.pages += 1

    @property
    def interactions(self) -> int:
        return self.fields + self.clicks

    def fill(self, selector: str, text: str) -> None:
        self.page.locator(selector).fill(text)
        self.fields += 1

    def select(self, selector: str, **option) -> None:
        self.page.locator(selector).select_option(**option)
        self.fields += 1

    def tick(self, selector: str) -> None:
        self.page.locator(selector).check()
        self.clicks += 1

    def press(self, name: str) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=name, exact=True).click()
        self.clicks += 1

    def choose(self, name: str, value: str) -> None:
        self.tick(f"input[name='{name}'][value='{value}']")


def rapid_principle(journey: Journey, prefix: str, finding: str, action: str) -> None:
    """One page: the groups, a finding, an action, an indicator and a wider determinant."""
    page = journey.page
    expect(page.locator("h1")).to_contain_text("Rapid assessment")
    expect(page.locator("h2", has_text="Step 4: ")).to_have_count(1)
    # Only the groups chosen for the whole policy are offered, with a box for one more.
    expect(page.locator(f"input[name='{prefix}_s1_groups']")).to_have_count(3)
    journey.tick(f"input[name='{prefix}_s1_groups'][value='se_digitally_excluded']")
    journey.tick(f"input[name='{prefix}_s1_groups'][value='pc_age']")
    evidence = page.locator(f"[id^='{prefix}_s1_'][id$='-0-indicator']").first.get_attribute("id")
    table = evidence.removesuffix("-0-indicator")
    journey.fill(f"#{table}-0-indicator", finding)
    journey.fill(f"#{table}-0-baseline", "About 1 in 5 visits, in 2025")
    journey.fill(f"#{prefix}_s2_actions-0-action", action)
    journey.fill(f"#{prefix}_s2_actions-0-owner", "Head of Libraries")
    journey.select(f"#{prefix}_s3_indicators-0-catalogue", index=1)
    journey.fill(f"#{prefix}_s4_determinants-0-determinant", "Travel to the nearest library")
    journey.select(f"#{prefix}_s4_determinants-0-direction", value="negative")
    journey.fill(f"#{prefix}_s4_determinants-0-why", "Bus fares fall on people without a car.")
    journey.press(COMPLETE)


def test_officer_completes_a_rapid_library_closure_assessment_within_the_limits(page):
    journey = Journey(page)
    page.goto("/")
    journey.clicks += 1
    page.get_by_role("button", name="Start a new assessment").click()
    page.wait_for_load_state()

    # Details: the organisation is filled in from the officer's account.
    expect(page.locator("#details_organisation")).to_have_value("Halton Council")
    journey.fill("#details_title", "Closing Ditton and Hough Green libraries")
    journey.tick("input[name='details_place'][value='halton']")
    journey.fill("#details_summary", "Close two branch libraries and move services online.")
    journey.choose("details_kind", "cut_closure")
    journey.fill("#details_decision_body", "Halton Borough Council Executive Board")
    journey.press(COMPLETE)

    expect(page.locator("h1")).to_have_text("How much assessment does this decision need?")
    for name, value in (
        ("screening_scale", "medium"),
        ("screening_people", "many"),
        ("screening_reversible", "hard"),
        ("screening_evidence", "some"),
    ):
        journey.choose(name, value)
    journey.press("Save and continue")

    # The suggestion names every answer, and is chosen already.
    expect(page.locator(".govuk-inset-text")).to_have_text(
        "We suggest a rapid assessment because the decision is medium-sized, it could affect "
        "thousands of people, it would be hard to undo and something is known about its "
        "effect on health inequalities."
    )
    expect(page.locator("input[name='screening_path'][value='rapid']")).to_be_checked()
    journey.press("Save and continue")

    expect(page.locator("h1")).to_have_text("Which principles does the policy affect?")
    journey.choose("screening_principles", "education_skills")
    journey.choose("screening_principles", "healthy_places")
    journey.fill(
        "#screening_left_out_reason", "The libraries' staff move to other sites; no one pays more."
    )
    journey.press(COMPLETE)

    expect(page.locator("h1")).to_have_text("Who the policy affects")
    for group in ("se_digitally_excluded", "pc_age", "pc_disability"):
        journey.choose("populations_groups", group)
    journey.press(COMPLETE)

    rapid_principle(
        journey,
        "p2",
        "Library computers are the main way online for many residents without broadband",
        "Keep free computer sessions and help with online forms in two community centres",
    )
    rapid_principle(
        journey,
        "p5",
        "The libraries are among the few free warm places to meet in their wards",
        "Agree with the community centres to open a free warm space on weekday afternoons",
    )

    expect(page.locator("h1")).to_have_text("Overall impact ratings")
    for principle in ("education_skills", "healthy_places"):
        for part, value in (
            ("direction", "negative"),
            ("gap", "widens"),
            ("magnitude", "small"),
            ("confidence", "medium"),
        ):
            journey.choose(f"decision_impact_{principle}-{part}", value)
    journey.press(COMPLETE)

    # The review date is suggested: a year from now, as no decision date was given.
    expect(page.locator("h1")).to_have_text("Recommendation and review date")
    expect(page.locator("#decision_review_date-year")).not_to_have_value("")
    journey.choose("decision_option", "proceed_with_changes")
    journey.press(COMPLETE)

    expect(page.locator("h1")).to_have_text(re.compile("Closing Ditton and Hough Green"))
    expect(page.locator("body")).to_contain_text("You have completed 7 of 7 sections.")
    print(
        f"\nRapid journey: {journey.pages} pages, {journey.fields} fields filled, "
        f"{journey.clicks} clicks, {journey.interactions} interactions"
    )
    assert journey.pages <= PAGE_LIMIT, journey.pages
    assert journey.interactions <= INTERACTION_LIMIT, journey.interactions


FULL_PAGE_GUARD = 24


def full_principle(journey: Journey, prefix: str) -> None:
    """Every page of the four steps, however many parts: the same minimum as the rapid one."""
    page = journey.page
    rated = False
    while True:
        heading = page.locator("h1").inner_text()
        assert heading.startswith("Step "), heading
        groups = page.locator(f"input[name='{prefix}_s1_groups']")
        if groups.count():
            journey.tick(f"input[name='{prefix}_s1_groups'] >> nth=0")
            journey.tick(f"input[name='{prefix}_s1_groups'] >> nth=1")
        evidence = page.locator(f"[id^='{prefix}_s1_'][id$='-0-baseline']")
        if evidence.count():
            table = evidence.first.get_attribute("id").removesuffix("-0-baseline")
            journey.fill(f"#{table}-0-indicator", "Claimants in the most deprived fifth")
            journey.fill(f"#{table}-0-baseline", "About 4 in 10 claimants, in 2025")
        if page.locator(f"#{prefix}_s2_actions-0-action").count():
            journey.fill(f"#{prefix}_s2_actions-0-action", "Keep full support for carers")
            journey.fill(f"#{prefix}_s2_actions-0-owner", "Head of Revenues and Benefits")
        if page.locator(f"#{prefix}_s3_indicators-0-catalogue").count():
            journey.select(f"#{prefix}_s3_indicators-0-catalogue", index=1)
        rating = page.locator(f"input[name^='{prefix}_s4_'][name$='-direction']")
        if rating.count() and not rated:
            name = rating.first.get_attribute("name").removesuffix("-direction")
            for part, value in (
                ("direction", "negative"),
                ("gap", "widens"),
                ("magnitude", "medium"),
                ("confidence", "medium"),
            ):
                journey.choose(f"{name}-{part}", value)
            rated = True
        if page.locator(f"#{prefix}_s4_determinants-0-determinant").count():
            journey.fill(f"#{prefix}_s4_determinants-0-determinant", "Debt and arrears")
            journey.select(f"#{prefix}_s4_determinants-0-direction", value="negative")
            journey.fill(f"#{prefix}_s4_determinants-0-why", "A bigger bill falls on low incomes.")
        if page.get_by_role("button", name=COMPLETE, exact=True).count():
            journey.press(COMPLETE)
            return
        journey.press("Save and continue")


def test_officer_completes_a_full_council_tax_support_assessment_and_it_is_counted(page):
    journey = Journey(page)
    page.goto("/")
    journey.clicks += 1
    page.get_by_role("button", name="Start a new assessment").click()
    page.wait_for_load_state()

    journey.fill("#details_title", "Council Tax Support scheme 2027 to 2028")
    journey.tick("input[name='details_place'][value='halton']")
    journey.fill("#details_summary", "Lower the most support a working-age claimant can get.")
    journey.choose("details_kind", "charges_eligibility")
    journey.fill("#details_decision_body", "Halton Borough Council")
    journey.press(COMPLETE)

    for name, value in (
        ("screening_scale", "large"),
        ("screening_people", "everyone"),
        ("screening_reversible", "hard"),
        ("screening_evidence", "some"),
    ):
        journey.choose(name, value)
    journey.press("Save and continue")
    expect(page.locator("input[name='screening_path'][value='full']")).to_be_checked()
    journey.press("Save and continue")
    journey.choose("screening_principles", "living_standard")
    journey.choose("screening_principles", "prevention")
    journey.fill("#screening_left_out_reason", "The scheme changes what people pay, not services.")
    journey.press(COMPLETE)

    for group in ("se_low_income", "pc_disability", "local_carers", "local_lone_parents"):
        journey.choose("populations_groups", group)
    journey.press(COMPLETE)

    full_principle(journey, "p4")
    full_principle(journey, "p6")

    expect(page.locator("h1")).to_have_text("Overall impact ratings")
    for principle in ("living_standard", "prevention"):
        for part, value in (
            ("direction", "negative"),
            ("gap", "widens"),
            ("magnitude", "medium"),
            ("confidence", "medium"),
        ):
            journey.choose(f"decision_impact_{principle}-{part}", value)
    journey.press(COMPLETE)
    journey.choose("decision_option", "proceed_with_changes")
    journey.press(COMPLETE)

    expect(page.locator("body")).to_contain_text("You have completed 7 of 7 sections.")
    print(
        f"\nFull journey: {journey.pages} pages, {journey.fields} fields filled, "
        f"{journey.clicks} clicks, {journey.interactions} interactions"
    )
    assert journey.pages <= FULL_PAGE_GUARD, journey.pages
