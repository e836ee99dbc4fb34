"""The statement: structure, determinism, and user text that stays literal whatever it holds."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from types import MappingProxyType, SimpleNamespace

import markdown
import pytest
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

from hiat.example import load_example, unsaved_assessment
from hiat.statement import (
    build_statement,
    md_cell,
    md_text,
    render_html,
    render_markdown,
    to_html,
    to_markdown,
)
from hiat.store import Answer, Assessment
from tests.conftest import QUESTIONS, md_headings, normalize

GENERATED = dt.date(2026, 11, 23)
HOSTILE = [
    "# heading",
    "| a | b |",
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "![img](http://example.com/x.png)",
    "Yes\n---",
    "Title\n===",
    "    four spaces make code",
    "- a list item",
    "1. numbered",
    "> a quote",
    "**bold** _em_ `code`",
    "https://example.com/linkify",
    "a\\|b",
    "Mae'r polisi hwn yn helpu pobl ŵyr ac ŷd yng Nghymru",
    "یہ پالیسی صحت کی عدم مساوات کو کم کرے گی",
    "x" * 20000,
    '=HYPERLINK("http://example.com","click")',
    "+1+1",
    "@SUM(A1:A2)",
    "\tleading tab",
    "null\x00byte and \x07 bell",
    "line one\r\nline two",
    "e\u0301 combining acute, \u202eright to left override",
    "שלום עולם right to left",
]
EXPECTED_H2 = [
    "Summary for the board",
    "About this assessment",
    "Step 1: Identify the health inequalities and their causes",
    "Step 2: Plan work to address the causes",
    "Step 3: Monitor and evaluate the effect",
    "Step 4: Analyse wider effects",
    "Populations affected",
    "Action plan",
    "Monitoring plan",
    "Impact ratings and reasons",
    "Sign-off",
]


def readable(text: str) -> str:
    """The text as a reader sees it: control characters carry no meaning and are dropped."""
    kept = "".join(ch for ch in text if ch in "\t\n\r" or (ord(ch) >= 32 and ch != "\x7f"))
    return normalize(kept)


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def make_assessment(banks, values: dict, completed=frozenset(), extra_answers=()) -> Assessment:
    assessment = unsaved_assessment(
        banks,
        values,
        uid="0123456789abcdef0123456789abcdef",
        title=str(values.get("details_title", "")),
        completed=frozenset(completed),
    )
    answers = dict(assessment.answers) | {a.question_id: a for a in extra_answers}
    return replace(assessment, answers=MappingProxyType(answers))


def filled_values(text: str) -> dict:
    """An assessment with `text` in a heading, a paragraph, table cells and a matrix cell."""
    values = {
        "details_title": text,
        "details_organisation": text,
        "details_place": "wirral",
        "details_summary": text,
        "details_decision_date": "2027-03-27",
        "screening_principles": ["early_years", "environment_sustainability"],
        "screening_left_out_reason": text,
        "p1_s1_groups": ["se_imd_q1", "pc_disability"],
        "p1_s1_causes_detail": text,
        "p1_s1_gap_age5": [{"indicator": text, "baseline": "61%", "source": ""}],
        "p1_s2_actions": [
            {"cause": text, "action": text, "owner": "Head of Housing", "timescale": "March 2027"}
        ],
        "p1_s3_indicators": [
            {
                "indicator": "School readiness",
                "baseline": text,
                "target": "",
                "breakdown": "",
                "source": "DfE",
                "frequency": "yearly",
                "review_date": "2027-09-01",
            }
        ],
        "decision_impact_early_years": {
            "direction": "positive",
            "gap": "narrows",
            "magnitude": "medium",
            "confidence": "low",
        },
        "decision_option": "proceed_with_changes",
        "decision_review_date": "2028-03-31",
    }
    return values


def table_rows_have_header_width(tokens) -> None:
    width, cells = None, 0
    for token in tokens:
        if token.type == "table_open":
            width = None
        elif token.type == "tr_open":
            cells = 0
        elif token.type in ("th_open", "td_open"):
            cells += 1
        elif token.type == "tr_close":
            width = width if width is not None else cells
            assert cells == width, "a table row has the wrong number of cells"


def rendered_tags(html: str) -> set[str]:
    return {tag.name for tag in BeautifulSoup(html, "html.parser").find_all(True)}


def test_statement_has_the_model_structure(banks):
    text = to_markdown(make_assessment(banks, filled_values("Warm homes")), banks, GENERATED)
    headings = md_headings(text)
    assert headings[0] == ("h1", "Equity impact statement: Warm homes")
    assert [content for tag, content in headings if tag == "h2"] == EXPECTED_H2
    assert ("h3", "Best start in life") in headings
    assert ("h3", "Environment and health equity") in headings


def test_statement_of_a_finished_assessment_still_says_it_is_not_yet_approved(banks):
    values = filled_values("Warm homes")
    sections = {
        "details",
        "screening",
        "populations",
        "early_years",
        "environment_sustainability",
        "impact",
        "decision",
    }
    text = to_markdown(make_assessment(banks, values, completed=sections), banks, GENERATED)
    assert md_headings(text)[0] == ("h1", "Equity impact statement: Warm homes")
    status = "Not yet approved: draft, all sections complete, not yet reviewed (revision 1)."
    assert text.split("\n\n")[1] == status
    assert text.count(status) == 3, "title block, details table and footer"


def test_statement_shows_answers_in_their_sections(banks):
    text = to_markdown(make_assessment(banks, filled_values("Warm homes")), banks, GENERATED)
    assert f"| {banks.questions['details_place'].heading} | Wirral |" in text
    row = "| Give every child the best start in life | Positive | Narrows the gap | Medium | Low |"
    assert row in text
    assert "People living in the most deprived 20% of neighbourhoods" in text
    assert "Proceed with changes" in text
    assert "31 March 2028" in text
    assert "| Best start in life | Warm homes | Warm homes | Head of Housing | March 2027 |" in text


def test_screened_out_principles_say_why(banks):
    text = to_markdown(make_assessment(banks, filled_values("Not our remit")), banks, GENERATED)
    not_assessed = text[text.index("### Principles not assessed") :]
    row = "| Create fair employment and good work for all | Screened out: Not our remit |"
    assert row in not_assessed
    matrix = text[text.index("### Impact on each Marmot principle") :]
    assert "Create fair employment" not in matrix[: matrix.index("### Principles not assessed")]


def test_statement_is_deterministic(banks):
    assessment = make_assessment(banks, filled_values("Same"))
    first = to_markdown(assessment, banks, GENERATED)
    assert to_markdown(assessment, banks, GENERATED) == first
    assert "Generated on 23 November 2026" in first


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: t[:30])
def test_statement_shows_hostile_text_literally(banks, text):
    statement = to_markdown(make_assessment(banks, filled_values(text)), banks, GENERATED)
    tokens = parser().parse(statement)
    table_rows_have_header_width(tokens)
    html = parser().render(statement)
    assert rendered_tags(html) <= {
        "h1",
        "h2",
        "h3",
        "h4",
        "p",
        "strong",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "ul",
        "li",
        "hr",
        "br",
    }
    headings = [t for t in tokens if t.type == "heading_open"]
    assert len([t for t in headings if t.tag == "h1"]) == 1
    assert len([t for t in headings if t.tag == "h2"]) == len(EXPECTED_H2)
    visible = normalize(BeautifulSoup(html, "html.parser").get_text(" "))
    assert readable(text) in visible


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: t[:30])
def test_preview_html_is_sanitised_and_keeps_the_text(banks, text):
    statement = to_markdown(make_assessment(banks, filled_values(text)), banks, GENERATED)
    html = str(to_html(statement))
    assert "<script" not in html and "<img" not in html and "<a " not in html
    page = BeautifulSoup(html, "html.parser")
    assert page.find("h1") is None, "the preview sits under the page's own h1"
    assert page.find("h2")["id"]
    assert readable(text) in normalize(page.get_text(" "))
    python_markdown_tables = BeautifulSoup(
        markdown.markdown(statement, extensions=["tables"]), "html.parser"
    ).find_all("table")
    for table in python_markdown_tables:
        widths = {len(row.find_all(["td", "th"])) for row in table.find_all("tr")}
        assert len(widths) == 1


def test_md_cell_keeps_pipes_and_newlines_inside_the_cell():
    assert md_cell("a | b\nc") == "a \\| b c"
    assert md_cell("") == "Not given"
    assert md_cell(" \u00a0\u200b ") == "Not given"


def test_md_text_removes_control_characters():
    assert md_text("a\x00b\x07c") == "abc"


def test_answers_to_retired_questions_are_still_shown(banks):
    retired = Answer(
        "p1_s1_old_question",
        "Kept answer",
        "An old question we no longer ask",
        MappingProxyType({}),
        "2026-01-01",
    )
    assessment = make_assessment(banks, filled_values("x"), extra_answers=[retired])
    text = to_markdown(assessment, banks, GENERATED)
    assert "## Answers to retired questions" in text
    assert "### An old question we no longer ask\n\nKept answer" in text


def test_population_table_lists_each_group_once_with_where_it_was_named(banks):
    text = to_markdown(make_assessment(banks, filled_values("x")), banks, GENERATED)
    row = "| Disability | Protected characteristics (Equality Act 2010) | Best start in life |"
    assert row in text


def test_unanswered_questions_say_not_answered(banks):
    values = {"details_title": "Empty", "screening_early_years": "not_sure"}
    text = to_markdown(make_assessment(banks, values), banks, GENERATED)
    assert "Not answered" in text
    assert "No actions yet." in text
    assert "| Give every child the best start in life | Not rated yet | Not rated yet |" in text


def test_statement_says_which_type_of_assessment_was_done_and_why(banks):
    values = filled_values("x") | {
        "screening_scale": "large",
        "screening_people": "many",
        "screening_reversible": "hard",
        "screening_evidence": "some",
        "screening_path": "rapid",
    }
    text = to_markdown(make_assessment(banks, values), banks, GENERATED)
    assert (
        "| Type of assessment | Rapid assessment, chosen by the author; the screening suggested "
        "a full one because the decision is large. The author gave no reason |"
    ) in text


def test_combinations_of_disadvantage_are_listed_with_the_populations(banks):
    values = filled_values("x") | {"p1_s1_intersections": "Disabled lone parents in private rents"}
    text = to_markdown(make_assessment(banks, values), banks, GENERATED)
    populations = text[text.index("## Populations affected") : text.index("## Action plan")]
    assert "### Combinations of disadvantage" in populations
    assert "#### Best start in life\n\nDisabled lone parents in private rents" in populations


def test_line_breaks_and_paragraphs_in_answers_are_kept(banks):
    values = filled_values("x") | {"p1_s1_causes_detail": "1. Cold homes\n2. Low pay\n\nMore"}
    html = str(to_html(to_markdown(make_assessment(banks, values), banks, GENERATED)))
    assert "1. Cold homes<br>\n2. Low pay</p>\n<p>More</p>" in html


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: t[:30])
def test_page_html_keeps_hostile_text_as_text(banks, text):
    built = build_statement(make_assessment(banks, filled_values(text)), banks, GENERATED)
    page = BeautifulSoup(str(render_html(built)), "html.parser")
    assert {tag.name for tag in page.find_all(True)} <= {
        "h2",
        "h3",
        "h4",
        "h5",
        "p",
        "strong",
        "br",
        "ul",
        "li",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "hr",
        "div",
    }
    assert readable(text) in normalize(page.get_text(" "))
    ids = [h["id"] for h in page.find_all(["h2", "h3", "h4", "h5"])]
    assert len(ids) == len(set(ids))


def test_page_html_and_markdown_say_the_same_thing(banks):
    built = build_statement(make_assessment(banks, filled_values("Warm homes")), banks, GENERATED)
    direct = BeautifulSoup(str(render_html(built)), "html.parser").get_text(" ")
    via_markdown = BeautifulSoup(str(to_html(render_markdown(built))), "html.parser").get_text(" ")
    assert normalize(direct) == normalize(via_markdown)


# ---------------------------------------------------------------- readable markdown (STYLE 4.6)
ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]|&#?[0-9A-Za-z]+;")


def escapes_per_thousand(text: str) -> float:
    return len(ESCAPE.findall(text)) * 1000 / len(text)


def test_worked_example_markdown_reads_like_the_authors_words(banks):
    text = to_markdown(load_example(QUESTIONS, banks).assessment(banks), banks, GENERATED)
    assert escapes_per_thousand(text) <= 0.5
    assert "fuel-poor" in text and "(Core20)" in text and "2030." in text


def test_ordinary_punctuation_is_left_as_typed():
    prose = "Cut carbon (by 2030): fuel-poor homes first. Health & Care = 100% £20! 'Yes' +1"
    assert md_text(prose) == prose


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("# heading", "\\# heading"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("> quote", "\\> quote"),
        ("2026. was a year", "2026\\. was a year"),
        ("3) third", "3\\) third"),
        ("=== title", "&#61;== title"),
        (
            "a *b* _c_ `d` [e] ~f~ g|h \\",
            "a \\*b\\* \\_c\\_ \\`d\\` \\[e\\] &#126;f&#126; g\\|h \\\\",
        ),
        ("<b>bold</b> &copy; & AT&T", "&lt;b>bold&lt;/b> &amp;copy; & AT&T"),
        ("    code block", "code block"),
    ],
)
def test_only_what_would_become_markdown_is_escaped(typed, written):
    assert md_text(typed) == written


def block_structure_markdown_it(text: str) -> list[str]:
    return [t.tag for t in parser().parse(text) if t.block and t.nesting == 1]


def block_structure_python_markdown(text: str) -> list[str]:
    html = markdown.markdown(text, extensions=["tables"])
    blocks = BeautifulSoup(html, "html.parser").find_all(
        ["h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "table", "tr", "pre", "hr"]
    )
    return [tag.name for tag in blocks]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: t[:30])
def test_hostile_text_keeps_the_block_structure_of_harmless_text(banks, text):
    control = to_markdown(make_assessment(banks, filled_values("Warm homes")), banks, GENERATED)
    hostile = to_markdown(make_assessment(banks, filled_values(text)), banks, GENERATED)
    assert block_structure_markdown_it(hostile) == block_structure_markdown_it(control)
    assert block_structure_python_markdown(hostile) == block_structure_python_markdown(control)
    for html in (parser().render(hostile), markdown.markdown(hostile, extensions=["tables"])):
        page = BeautifulSoup(html, "html.parser")
        assert not page.find_all(["script", "a", "img", "pre", "code", "blockquote", "ol"])
        assert readable(text) in normalize(page.get_text(" "))


OVERRIDE, ISOLATE = "\u202e", "\u2067"


@pytest.mark.parametrize("opener", [OVERRIDE, ISOLATE, "\u202b", "\u2068"])
def test_an_unclosed_right_to_left_control_is_closed_at_the_end_of_its_line_or_cell(banks, opener):
    text = f"Cost {opener}reversed"
    built = build_statement(make_assessment(banks, filled_values(text)), banks, GENERATED)
    closer = "\u2069" if opener in "\u2066\u2067\u2068" else "\u202c"
    markdown_text = render_markdown(built)
    for line in markdown_text.split("\n"):
        cells = line.split(" | ") if line.startswith("|") else [line]
        for cell in cells:
            assert cell.count(opener) == cell.count(closer), cell
    html = str(render_html(built))
    for cell in BeautifulSoup(html, "html.parser").find_all(["td", "th", "p", "li", "h2", "h5"]):
        for line in cell.decode_contents().split("<br/>"):
            assert line.count(opener) == line.count(closer)


@pytest.mark.parametrize("breaks", ["\r", "\r\n", "\n"])
def test_a_carriage_return_is_a_line_break_in_every_format(banks, breaks):
    values = filled_values("x") | {"p1_s1_causes_detail": f"Cold homes{breaks}Low pay"}
    built = build_statement(make_assessment(banks, values), banks, GENERATED)
    assert "Cold homes<br>Low pay" in str(render_html(built))
    assert "Cold homes  \nLow pay" in render_markdown(built)


def test_a_value_of_only_spaces_or_invisible_characters_reads_not_answered(banks):
    values = filled_values("x") | {"p1_s1_causes_detail": " \u00a0\u200b\u2060 "}
    text = to_markdown(make_assessment(banks, values), banks, GENERATED)
    heading = banks.questions["p1_s1_causes_detail"].heading
    assert f"#### {heading}\n\nNot answered" in text


def test_no_table_cell_or_list_item_is_empty_in_the_worked_example(banks):
    text = to_markdown(load_example(QUESTIONS, banks).assessment(banks), banks, GENERATED)
    assert not re.search(r"\|[ \t]*\|", text)
    assert not re.search(r"^- *$", text, re.MULTILINE)
    tokens = parser().parse(text)
    for index, token in enumerate(tokens):
        if token.type in ("td_open", "th_open", "list_item_open"):
            content = tokens[index + 1]
            inner = tokens[index + 2] if content.type == "paragraph_open" else content
            assert inner.content.strip(), "an empty cell or list item"


def test_monitoring_plan_has_one_indicator_column_and_no_unused_column(banks):
    values = filled_values("x")
    values["p1_s3_indicators"] = [
        *values["p1_s3_indicators"],
        {"catalogue": "", "indicator": "Free school meals take-up", "target": "90%"},
    ]
    text = to_markdown(make_assessment(banks, values), banks, GENERATED)
    monitoring = text[text.index("## Monitoring plan") : text.index("## Impact ratings")]
    header = monitoring.split("\n")[2]
    assert header.count("Indicator") == 1 and "Other indicator" not in header
    # Nobody gave a breakdown, so the column is left out; a blank target says so.
    assert "Breakdown by group" not in header
    assert "| Not given |" in monitoring


def test_a_rapid_statement_leaves_out_questions_the_rapid_path_never_asked(banks):
    values = filled_values("x") | {"screening_path": "rapid"}
    text = to_markdown(make_assessment(banks, values), banks, GENERATED)
    principle = banks.principle("early_years")
    for question in principle.step_questions(2):
        assert (f"#### {question.heading}\n" in text) == question.rapid, question.id


def test_until_sign_off_every_output_says_not_yet_approved(banks):
    assessment = make_assessment(banks, filled_values("x"))
    built = build_statement(assessment, banks, GENERATED)
    text = render_markdown(built)
    assert text.split("\n\n")[1].startswith("Not yet approved: draft")
    assert "Not yet approved" in text.rstrip().split("\n")[-1], "footer"
    assert "Draft" not in md_headings(text)[0][1]


def test_after_sign_off_the_statement_names_the_approver_and_date(banks):
    signoff = SimpleNamespace(
        name="Sam Approver",
        job_title="Director of Public Health",
        signed_at="2027-03-20T10:00:00+00:00",
        revision=1,
        attestation="I confirm",
    )
    assessment = replace(make_assessment(banks, filled_values("x")), status="approved")
    text = render_markdown(build_statement(assessment, banks, GENERATED, signoff))
    approved = "Approved by Sam Approver, Director of Public Health, on 20 March 2027 (revision 1)."
    assert text.split("\n\n")[1] == approved
    assert approved in text.rstrip().split("\n")[-1]
    assert "Not yet approved" not in text


def test_a_negative_impact_with_no_action_is_flagged_in_the_statement(banks):
    values = filled_values("x") | {
        "decision_impact_early_years": {
            "direction": "negative",
            "gap": "widens",
            "magnitude": "medium",
            "confidence": "low",
        }
    }
    values.pop("p1_s2_actions")
    text = to_markdown(make_assessment(banks, values), banks, GENERATED)
    flagged = text[text.index("### No action yet for a negative impact") :]
    assert "- Give every child the best start in life" in flagged.split("###")[1]
    values["p1_s2_actions"] = filled_values("x")["p1_s2_actions"]
    text = to_markdown(make_assessment(banks, values), banks, GENERATED)
    assert "No action yet for a negative impact" not in text
