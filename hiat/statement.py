"""The equity impact statement: a pure function from an assessment and the banks to markdown.

No Flask, no I/O, no clock: the generation date is an argument, so the same
input always gives the same bytes. Every user string passes through md_text or
md_cell, so it cannot become a heading, list, link, image, table row or HTML.
`to_html` is the only place user-derived content becomes Markup.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

import markdown
import nh3
from markupsafe import Markup

from hiat import wizard
from hiat.questions import IMPACT_PARTS, Banks, Principle, Question
from hiat.store import Answer, Assessment

SERVICE_NAME = "Health equity impact assessment"
# Python-Markdown's escapable characters, escaped with a backslash first; then
# characters that cannot be backslash-escaped everywhere become entities.
PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
ENTITIES = str.maketrans({"=": "&#61;", "~": "&#126;", ":": "&#58;"})
# Control characters other than tab and newline carry no meaning in a statement.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
NOT_ANSWERED = "Not answered"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
HTML_TAGS = {
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "code",
    "blockquote",
}
HTML_ATTRIBUTES = {tag: {"id"} for tag in ("h2", "h3", "h4", "h5", "h6")}


# ---------------------------------------------------------------- escaping
def md_text(text: str) -> str:
    """User text as literal markdown: it reads the same and creates no structure."""
    text = CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [PUNCT.sub(r"\\\1", line.strip()) for line in text.split("\n")]
    escaped = html.escape("\n".join(lines), quote=False).translate(ENTITIES)
    # Keep the writer's line breaks: two trailing spaces make a hard break. One blank
    # line between paragraphs is kept; escaped text cannot start any other block.
    paragraphs = re.split(r"\n\s*\n", escaped.strip())
    return "\n\n".join("  \n".join(p.split("\n")) for p in paragraphs if p)


def md_cell(text: str) -> str:
    """User text for a table cell: one line, so it stays in its cell."""
    return re.sub(r" *\n+ *", " ", md_text(text)) or " "


def _table(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    headers = list(headers)
    lines = ["| " + " | ".join(md_cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(md_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------- answer text
def date_text(value: str) -> str:
    """An ISO date as people write it: 27 March 2027. Anything else comes back as it is."""
    if not ISO_DATE.fullmatch(value):
        return value
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day.day} {day:%B %Y}"


def _label(answer: Answer, value: str) -> str:
    return str(answer.option_labels.get(value, value))


def _value_block(answer: Answer) -> str:
    """One answer as a markdown block, by the shape of its value."""
    value = answer.value
    if isinstance(value, list) and value and isinstance(value[0], dict):
        columns = [c for c in answer.option_labels if any(c in row for row in value)]
        return _table(
            [answer.option_labels[c] for c in columns],
            ([cell_text(answer.option_labels, c, row) for c in columns] for row in value),
        )
    if isinstance(value, list):
        return "\n".join(f"- {md_text(_label(answer, item))}" for item in value)
    if isinstance(value, dict):
        parts = [(k, v) for k, v in value.items() if v]
        return (
            "\n".join(
                f"- {md_text(_label(answer, k))}: {md_text(_label(answer, v))}" for k, v in parts
            )
            or NOT_ANSWERED
        )
    return md_text(date_text(_label(answer, str(value))))


def cell_text(labels: Mapping[str, str], column: str, row: Mapping[str, Any]) -> str:
    """One cell of a saved row, as people read it: catalogue names and dates in words."""
    value = str(row.get(column) or "")
    return date_text(labels.get(f"{column}:{value}", value))


def _plain(answer: Answer | None) -> str:
    """A short answer as plain text (not escaped), for table cells."""
    if answer is None:
        return ""
    value = answer.value
    if isinstance(value, list):
        return ", ".join(_label(answer, str(v)) for v in value if not isinstance(v, dict))
    return date_text(_label(answer, str(value)))


def _qa(question_label: str, answer: Answer | None) -> str:
    body = _value_block(answer) if answer is not None else NOT_ANSWERED
    return f"**{md_text(question_label)}**\n\n{body}"


# ---------------------------------------------------------------- sections
def to_markdown(assessment: Assessment, banks: Banks, generated_on: dt.date) -> str:
    """The whole statement. Deterministic: same arguments, same text."""
    values = assessment.values()
    all_sections = wizard.sections(banks, values)
    finished = wizard.all_completed(all_sections, assessment.completed_sections)
    principles = wizard.selected_principles(banks, values)
    answers = assessment.answers
    title = _plain(answers.get("details_title")) or assessment.title or "Untitled policy"
    heading = "Equity impact statement" if finished else "Draft equity impact statement"
    parts = [
        f"# {heading}: {md_cell(title)}",
        _about(assessment, banks, finished),
        _summary(answers, banks),
        _matrix(answers, banks, principles),
        *(_step(banks, step.number, principles, answers) for step in banks.steps),
        _populations(answers, banks, principles),
        _plan_table(
            answers, banks, principles, "action_table", "Action plan", "No actions recorded yet."
        ),
        _plan_table(
            answers,
            banks,
            principles,
            "indicator_table",
            "Monitoring plan",
            "No indicators recorded yet.",
        ),
        _decision(answers, banks),
        _retired(answers, banks),
        _footer(assessment, banks, generated_on),
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def _about(assessment: Assessment, banks: Banks, finished: bool) -> str:
    rows = [
        (q.label, _plain(assessment.answers.get(q.id)) or NOT_ANSWERED)
        for q in banks.details
        if q.id not in ("details_summary",) and not q.retired
    ]
    rows.append(("Type of assessment", _path_text(assessment)))
    rows.append(("Status", "Completed" if finished else "Draft: not all sections are complete"))
    return "## About this assessment\n\n" + _table(["Item", "Detail"], rows)


def _path_text(assessment: Assessment) -> str:
    """Which path was used (rapid or full) and what the screening recommended, and why."""
    chosen = "Rapid" if assessment.value(wizard.PATH_QUESTION) == "rapid" else "Full"
    recommendation = wizard.recommend_path(assessment.values())
    if recommendation is None:
        return f"{chosen} (the size of the decision was not screened)"
    return f"{chosen}. {recommendation.sentence()}"


def _summary(answers: Mapping[str, Answer], banks: Banks) -> str:
    blocks = ["## Summary and recommendation"]
    for qid in ("details_summary", "decision_option", "decision_risks", "decision_review_date"):
        question = banks.questions.get(qid)
        if question is not None:
            blocks.append(_qa(question.label, answers.get(qid)))
    return "\n\n".join(blocks)


def _matrix(answers: Mapping[str, Answer], banks: Banks, principles) -> str:
    chosen = {p.id for p in principles}
    rows = []
    for principle in banks.principles:
        impact = _impact_answer(banks, answers, principle)
        if principle.id in chosen:
            rating = impact.value if impact else {}
            cells = [
                _label(impact, rating.get(part, ""))
                if impact and rating.get(part)
                else "Not rated yet"
                for part in IMPACT_PARTS
            ]
        else:
            cells = [_screening_text(answers, banks, principle), "", "", ""]
        rows.append([principle.title, *cells])
    headers = ["Marmot principle", "Direction", "Effect on the gap", "Size", "Confidence"]
    return (
        "## Impact matrix\n\nEach principle screened in is rated for the direction and size "
        "of its impact, its effect on the gap between groups, and confidence in the rating."
        "\n\n" + _table(headers, rows)
    )


def _impact_answer(banks: Banks, answers, principle: Principle) -> Answer | None:
    for question in banks.decision:
        if question.principle == principle.id and question.type == "impact_rating":
            return answers.get(question.id)
    return None


def _screening_text(answers, banks: Banks, principle: Principle) -> str:
    for question in banks.screening:
        if question.screens == principle.id:
            answer = answers.get(question.id)
            if answer is None:
                return "Not screened yet"
            reason = _plain(answers.get(f"{question.id}_reason"))
            return f"Not relevant: {reason}" if reason else "Not relevant"
    return "Not screened yet"


def _step(banks: Banks, number: int, principles, answers) -> str:
    step = banks.step(number)
    blocks = [f"## Step {number}: {md_text(step.title)}"]
    if not principles:
        blocks.append("No principles have been screened in yet.")
    for principle in principles:
        blocks.append(f"### {md_text(principle.short_label)}")
        blocks.extend(_qa(q.label, answers.get(q.id)) for q in principle.step_questions(number))
    return "\n\n".join(blocks)


def _questions_of_type(
    banks: Banks, principles, types: set[str]
) -> list[tuple[Principle, Question]]:
    return [(p, q) for p in principles for q in p.questions if q.type in types and not q.retired]


def _populations(answers, banks: Banks, principles) -> str:
    named: dict[str, list[str]] = {}
    for principle, question in _questions_of_type(banks, principles, {"groups"}):
        answer = answers.get(question.id)
        for group_id in answer.value if answer else []:
            named.setdefault(group_id, [])
            if principle.short_label not in named[group_id]:
                named[group_id].append(principle.short_label)
    heading = "## Populations affected\n\n"
    combinations = _combinations(answers, banks, principles)
    if not named:
        return heading + "No population groups recorded yet." + combinations
    dimensions = {d.value: d.label for d in banks.dimensions}
    groups = {g.id: g for g in banks.groups}
    rows = []
    for group_id, where in named.items():
        group = groups.get(group_id)
        rows.append(
            [
                group.label if group else group_id,
                dimensions.get(group.dimension, "") if group else "",
                ", ".join(where),
            ]
        )
    rows.sort(key=lambda row: (row[1], row[0]))
    return (
        heading
        + (
            "These groups were named in step 1 or elsewhere. The table supports the "
            "Public Sector Equality Duty.\n\n" + _table(["Group", "Dimension", "Named under"], rows)
        )
        + combinations
    )


def _combinations(answers, banks: Banks, principles) -> str:
    """People facing more than one disadvantage, as recorded under each principle."""
    blocks = [
        f"**{md_text(principle.short_label)}**\n\n{_value_block(answers[question.id])}"
        for principle, question in _questions_of_type(banks, principles, {"intersections"})
        if question.id in answers
    ]
    if not blocks:
        return ""
    return "\n\n### Combinations of disadvantage\n\n" + "\n\n".join(blocks)


def _plan_table(answers, banks: Banks, principles, table_type: str, title: str, empty: str) -> str:
    columns: tuple = ()
    rows: list[list[str]] = []
    for principle, question in _questions_of_type(banks, principles, {table_type}):
        columns = question.columns
        answer = answers.get(question.id)
        labels = answer.option_labels if answer else {}
        for row in answer.value if answer else []:
            rows.append([principle.short_label, *(cell_text(labels, c.id, row) for c in columns)])
    if not rows or not columns:
        return f"## {title}\n\n{empty}"
    return f"## {title}\n\n" + _table(["Principle", *(c.label for c in columns)], rows)


def _decision(answers, banks: Banks) -> str:
    blocks = ["## Recommendation and review"]
    blocks.extend(
        _qa(q.label, answers.get(q.id)) for q in banks.decision if not q.principle and not q.retired
    )
    return "\n\n".join(blocks)


def _retired(answers: Mapping[str, Answer], banks: Banks) -> str:
    ids = wizard.retired_answers(banks, answers)
    if not ids:
        return ""
    blocks = [
        "## Answers to retired questions",
        "These questions have since left the question bank. The answers are kept.",
    ]
    blocks.extend(_qa(answers[qid].label, answers[qid]) for qid in ids)
    return "\n\n".join(blocks)


def _footer(assessment: Assessment, banks: Banks, generated_on: dt.date) -> str:
    return (
        f"---\n\nAssessment {md_text(assessment.uid)}, answered against question bank "
        f"version {md_text(assessment.bank_version)}. Generated on "
        f"{md_text(date_text(generated_on.isoformat()))} by {SERVICE_NAME}, which follows "
        "the four steps of Lancaster University's Health Inequalities Assessment Toolkit "
        "(HIAT)."
    )


# ---------------------------------------------------------------- HTML preview
def to_html(text: str) -> Markup:
    """Render statement markdown as sanitised HTML, headings one level down."""
    rendered = markdown.markdown(
        text, extensions=["tables", "toc"], extension_configs={"toc": {"baselevel": 2}}
    )
    return Markup(nh3.clean(rendered, tags=HTML_TAGS, attributes=HTML_ATTRIBUTES))


@functools.lru_cache(maxsize=2048)
def guidance_html(text: str) -> Markup:
    """Render a bank's guidance markdown as sanitised HTML."""
    rendered = markdown.markdown(text)
    return Markup(nh3.clean(rendered, tags=HTML_TAGS | {"a"}, attributes={"a": {"href"}}))
