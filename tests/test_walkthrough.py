"""A council officer assesses a Green Plan from start to downloaded statement, CSRF on.

The Browser helper submits forms the way a browser does: it starts from what the page
shows (including the CSRF token and anything already filled in), changes only what the
user types or clicks, and sends the button the user pressed.
"""

from __future__ import annotations

from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from tests.conftest import check_page, md_headings, normalize, signed_in_client


class Browser:
    def __init__(self, client: FlaskClient):
        self.client = client
        self.url = ""
        self.page: BeautifulSoup | None = None

    def open(self, url: str) -> BeautifulSoup:
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        self.url, self.page = url, check_page(response.get_data(as_text=True))
        return self.page

    def follow(self, link_text: str) -> BeautifulSoup:
        link = next(
            (a for a in self.page.find_all("a", href=True) if link_text in normalize(a.get_text())),
            None,
        )
        assert link is not None, f"no link '{link_text}' on {self.url}"
        return self.open(link["href"])

    def submit(
        self, fields: dict | None = None, button: tuple[str, str] | None = None, expect: int = 302
    ) -> str | BeautifulSoup:
        # The form the person fills in: the one holding the fields they change.
        forms = self.page.select("main form")
        names = set(fields or ()) | ({button[0]} if button else set())
        form = next(
            (f for f in forms if any(f.select_one(f'[name="{n}"]') for n in names)), forms[0]
        )
        data = current_values(form)
        for name, value in (fields or {}).items():
            data.setlist(name, value if isinstance(value, list) else [value])
        if button:
            data.setlist(button[0], [button[1]])
        response = self.client.post(form["action"], data=data)
        assert response.status_code == expect, (self.url, response.get_data(as_text=True)[:3000])
        if expect != 302:
            self.page = check_page(response.get_data(as_text=True))
            return self.page
        return response.headers["Location"]

    def submit_and_open(self, fields=None, button=("save", "continue")) -> BeautifulSoup:
        return self.open(self.submit(fields, button))


def current_values(form) -> MultiDict:
    """What the browser would send before the user changes anything."""
    data = MultiDict()
    for field in form.find_all(["input", "textarea"]):
        name = field.get("name")
        if not name or field.get("type") == "submit":
            continue
        if field.name == "textarea":
            data.add(name, field.text)
        elif field.get("type") in ("radio", "checkbox"):
            if field.has_attr("checked"):
                data.add(name, field["value"])
        else:
            data.add(name, field.get("value", ""))
    return data


def complete_section(browser: Browser) -> None:
    assert normalize(browser.page.h1.text).startswith("Check your answers")
    location = browser.submit({"completed": "yes"}, ("save", "continue"))
    browser.open(location)
    assert browser.page.select_one(".govuk-task-list") is not None


def section_of(statement: str, heading: str) -> str:
    start = statement.index(heading)
    following = statement.find("\n## ", start + len(heading))
    return statement[start : following if following != -1 else None]


def test_council_officer_completes_a_green_plan_assessment(csrf_app):
    browser = Browser(signed_in_client(csrf_app))
    browser.open("/")
    browser.follow("Start a new assessment")

    # Assessment details
    browser.submit_and_open(
        {
            "details_title": "Wirral Green Plan 2026 to 2030",
            "details_organisation": "Wirral Council",
            "details_place": "wirral",
            "details_summary": "Cut the council's carbon emissions to net zero by 2030.",
            "details_stage": "drafting",
            "details_decision_body": "Wirral Health and Wellbeing Board",
            "details_kind": "strategy_plan",
            "details_decision_date": ["27", "3", "2027"],
            "details_lead_officer": "Public Health Consultant",
        }
    )
    assert "Wirral Health and Wellbeing Board" in browser.page.text
    complete_section(browser)

    # Screening: how much assessment, then two principles in and the rest out with a reason
    browser.follow("Screening")
    assert normalize(browser.page.h1.text) == "How much assessment does this decision need?"
    browser.submit_and_open(
        {
            "screening_scale": "large",
            "screening_people": "everyone",
            "screening_reversible": "hard",
            "screening_evidence": "some",
        }
    )
    assert normalize(browser.page.h1.text) == "Rapid or full assessment?"
    assert "We suggest a full assessment because the decision is large" in normalize(
        browser.page.text
    )
    browser.submit({"screening_path": "rapid"}, ("save", "continue"), expect=200)
    assert "Explain why you chose a different assessment" in normalize(browser.page.text)
    browser.submit_and_open({"screening_path": "full", "screening_path_reason": ""})
    hints = [normalize(h.text) for h in browser.page.select(".govuk-checkboxes__hint")]
    assert len(hints) == 8 and all(h.startswith("Adds the four steps") for h in hints)
    browser.submit_and_open(
        {
            "screening_principles": ["living_standard", "environment_sustainability"],
            "screening_left_out_reason": "No link found in our evidence review.",
        }
    )
    complete_section(browser)

    # Who the policy affects: chosen once for every principle
    browser.follow("Who the policy affects")
    browser.submit_and_open(
        {
            "populations_groups": [
                "se_fuel_poor",
                "se_private_renters",
                "se_no_car",
                "geo_coastal",
                "pc_disability",
            ],
            "populations_own_groups": "Tenants whose landlord must agree to works",
        }
    )
    complete_section(browser)
    tasks = [normalize(a.text) for a in browser.page.select(".govuk-task-list__link")]
    assert "Ensure a healthy standard of living for all" in tasks
    assert "Create fair employment and good work for all" not in tasks

    # Healthy standard of living: step 1 with groups and an indicator row
    browser.follow("Ensure a healthy standard of living for all")
    assert normalize(browser.page.h1.text).startswith("Step 1")
    step1 = {"p4_s1_groups": ["se_fuel_poor", "se_private_renters", "pc_disability"]}
    table = browser.page.select_one("input[id$='-0-indicator']")["name"].split("-")[0]
    step1[f"{table}-0-indicator"] = "Fuel poverty (low income, low energy efficiency)"
    step1[f"{table}-0-baseline"] = "14% in 2023"
    browser.submit((step1), ("add", table), expect=200)
    assert browser.page.select_one(f"#{table}-1-indicator") is not None
    browser.submit_and_open({f"{table}-1-indicator": "Households in temporary accommodation"})

    # Step 2: an action row
    assert normalize(browser.page.h1.text).startswith("Step 2")
    actions = browser.page.select_one("input[id$='-0-cause']")["name"].split("-")[0]
    browser.submit_and_open(
        {
            f"{actions}-0-cause": "Cold, damp private rented homes",
            f"{actions}-0-action": "Target insulation grants at fuel-poor private renters first",
            f"{actions}-0-owner": "Head of Housing Standards",
            f"{actions}-0-timescale": "By March 2027",
        }
    )
    # Steps 3 and 4: a monitoring indicator, then leave the rest for later
    assert normalize(browser.page.h1.text).startswith("Step 3")
    indicators = browser.page.select_one("input[id$='-0-indicator']")["name"].split("-")[0]
    browser.submit_and_open(
        {
            f"{indicators}-0-indicator": "Homes at EPC band C or above, by tenure",
            f"{indicators}-0-review_date": ["1", "9", "2027"],
        }
    )
    assert normalize(browser.page.h1.text).startswith("Step 4")
    # Step 4 has more than about 40 boxes and options, so it comes in two parts.
    browser.submit_and_open()
    assert normalize(browser.page.h1.text).endswith("part 2 of 2")
    browser.submit_and_open()
    complete_section(browser)

    # Environment and health equity: walk the four steps, answering one question
    browser.follow("Pursue environmental sustainability and health equity together")
    browser.submit_and_open({"p8_s1_groups": ["se_no_car", "geo_coastal"]})
    while not normalize(browser.page.h1.text).startswith("Check your answers"):
        browser.submit_and_open()
    complete_section(browser)

    # Overall impact ratings, with a rating left half done on the way
    browser.follow("Overall impact ratings")
    page = browser.submit(
        {
            "decision_impact_living_standard-direction": "major_positive",
            "decision_impact_living_standard-gap": "narrows",
            "decision_impact_living_standard-magnitude": "large",
            "decision_impact_living_standard-confidence": "medium",
            "decision_impact_living_standard_reason": "Grants go to fuel-poor renters first.",
            "decision_impact_environment_sustainability-direction": "positive",
            "decision_impact_environment_sustainability-gap": "not_known",
        },
        ("save", "continue"),
        expect=200,
    )
    # A rating needs all four parts; what was chosen stays chosen.
    assert "Select the size of impact for environment and health equity" in normalize(page.text)
    browser.submit_and_open(
        {
            "decision_impact_environment_sustainability-magnitude": "small",
            "decision_impact_environment_sustainability-confidence": "low",
        }
    )
    complete_section(browser)

    # Recommendation, with a validation error fixed on the way
    browser.follow("Recommendation and review date")
    # The review date is suggested: a year after the decision date given in the details.
    assert browser.page.select_one("#decision_review_date-year")["value"] == "2028"
    page = browser.submit(
        {"decision_option": "proceed_with_changes", "decision_review_date": ["", "", ""]},
        ("save", "continue"),
        expect=200,
    )
    assert page.title.text.startswith("Error: ")
    assert "Enter the date when this assessment should be reviewed" in page.text
    browser.submit_and_open(
        {
            "decision_risks": "Landlords may raise rents after works. We will add rent conditions.",
            "decision_review_date": ["31", "3", "2028"],
        }
    )
    complete_section(browser)
    assert "You have completed 7 of 7 sections." in normalize(browser.page.text)

    # The statement
    browser.follow("Preview and download the statement")
    assert "Target insulation grants" in browser.page.select_one(".hiat-statement").text
    download = next(
        a for a in browser.page.find_all("a") if "Statement as markdown" in a.get_text()
    )
    response = browser.client.get(download["href"])
    statement = response.get_data(as_text=True)

    assert md_headings(statement)[0] == (
        "h1",
        "Equity impact statement: Wirral Green Plan 2026 to 2030",
    )
    about = section_of(statement, "## About this assessment")
    assert "| Organisation making the assessment | Wirral Council |" in about
    assert "| Decision date | 27 March 2027 |" in about
    summary = section_of(statement, "## Summary for the board")
    assert "Proceed with changes" in summary and "31 March 2028" in summary
    matrix = section_of(statement, "### Impact on each Marmot principle")
    assert (
        "| Ensure a healthy standard of living for all | Major positive | Narrows the gap" in matrix
    )
    not_assessed = section_of(statement, "### Principles not assessed")
    assert "| Screened out: No link found in our evidence review. |" in not_assessed
    step1 = section_of(statement, "## Step 1")
    # Step 1 findings stay in step 1, as a table; the monitoring plan has only step 3's.
    assert "| Fuel poverty (low income, low energy efficiency) | 14% in 2023 |" in step1
    assert "Households in temporary accommodation" in step1
    populations = section_of(statement, "## Populations affected")
    assert "Households in fuel poverty" in populations and "Disability" in populations
    assert "| Tenants whose landlord must agree to works | Named by the assessor |" in populations
    monitoring = section_of(statement, "## Monitoring plan")
    assert "14% in 2023" not in monitoring
    plan = section_of(statement, "## Action plan")
    assert (
        "| Healthy standard of living | Cold, damp private rented homes | Target insulation "
        "grants at fuel-poor private renters first | Head of Housing Standards | By March "
        "2027 |"
    ) in plan
    monitoring = section_of(statement, "## Monitoring plan")
    assert "Homes at EPC band C or above, by tenure" in monitoring
    assert "Fuel poverty (low income, low energy efficiency)" not in monitoring
    assert "1 September 2027" in monitoring
