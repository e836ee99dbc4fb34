"""The equity impact statement: a pure function from an assessment and the banks.

`build_statement` turns an assessment into a list of plain blocks (headings,
paragraphs, lists, tables) holding raw text. Renderers turn the blocks into a
format: markdown here (every user string escaped by md_text or md_cell, so it
cannot become a heading, list, link, image, table row or HTML), HTML for the
preview, and Word and CSV in hiat.exports. No Flask, no I/O, no clock: the
generation date is an argument, so the same input always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "strong", "em", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td", "hr", "code", "blockquote", "div",
}  # fmt: skip
HTML_ATTRIBUTES = {
    **{tag: {"id"} for tag in ("h2", "h3", "h4", "h5", "h6")},
    # A wide table scrolls inside its own labelled, focusable region, never the page.
    "div": {"class", "role", "aria-label", "tabindex"},
}
MATRIX_HEADERS = ("Marmot principle", "Direction", "Effect on the gap", "Size", "Confidence")


# ---------------------------------------------------------------- blocks
@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    strong: bool = False


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Rule:
    pass


Block = Heading | Paragraph | Bullets | Table | Rule


@dataclass(frozen=True, slots=True)
class Statement:
    title: str
    draft: bool
    blocks: tuple[Block, ...]
    # For document properties (Word, PDF): the organisation that owns the assessment.
    author: str = SERVICE_NAME


# ---------------------------------------------------------------- answers as text
def date_text(value: str) -> str:
    """An ISO date as people write it: 27 March 2027. Anything else comes back as it is."""
    if not ISO_DATE.fullmatch(value):
        return value
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day.day} {day:%B %Y}"


def cell_text(labels: Mapping[str, str], column: str, row: Mapping[str, Any]) -> str:
    """One cell of a saved row, as people read it: catalogue names and dates in words."""
    value = str(row.get(column) or "")
    return date_text(labels.get(f"{column}:{value}", value))


def _label(answer: Answer, value: str) -> str:
    return str(answer.option_labels.get(value, value))


def _plain(answer: Answer | None) -> str:
    """A short answer as one line of plain text, for table cells."""
    if answer is None:
        return ""
    value = answer.value
    if isinstance(value, list):
        return ", ".join(_label(answer, str(v)) for v in value if not isinstance(v, dict))
    return date_text(_label(answer, str(value)))


def answer_blocks(answer: Answer | None) -> list[Block]:
    """One answer as blocks, by the shape of its value, using its saved labels."""
    if answer is None:
        return [Paragraph(NOT_ANSWERED)]
    value, labels = answer.value, answer.option_labels
    if isinstance(value, list) and value and isinstance(value[0], dict):
        present = set().union(*value)
        columns = [c for c in labels if c in present]
        return [
            Table(
                tuple(labels[c] for c in columns),
                tuple(tuple(cell_text(labels, c, row) for c in columns) for row in value),
            )
        ]
    if isinstance(value, list):
        return [Bullets(tuple(_label(answer, str(item)) for item in value))]
    if isinstance(value, dict):
        parts = tuple(f"{_label(answer, k)}: {_label(answer, v)}" for k, v in value.items() if v)
        return [Bullets(parts)] if parts else [Paragraph(NOT_ANSWERED)]
    return [Paragraph(date_text(_label(answer, str(value))))]


def _qa(label: str, answer: Answer | None) -> list[Block]:
    return [Paragraph(label, strong=True), *answer_blocks(answer)]


# ---------------------------------------------------------------- the statement
def build_statement(
    assessment: Assessment, banks: Banks, generated_on: dt.date, signoff: Any = None
) -> Statement:
    """Every block of the statement, in order. Pure and deterministic.

    `signoff`, when the assessment's revision has been approved, adds who signed it off.
    """
    values = assessment.values()
    all_sections = wizard.sections(banks, values)
    draft = not wizard.all_completed(all_sections, assessment.completed_sections)
    principles = wizard.selected_principles(banks, values)
    answers = assessment.answers
    title = _plain(answers.get("details_title")) or assessment.title or "Untitled policy"
    heading = "Draft equity impact statement" if draft else "Equity impact statement"
    blocks: list[Block] = [Heading(1, f"{heading}: {title}")]
    blocks += _summary(answers, banks, principles)
    blocks += _about(assessment, banks, draft)
    for step in banks.steps:
        blocks += _step(banks, step.number, principles, answers)
    blocks += _populations(answers, banks, principles)
    blocks += _plan(
        answers, banks, principles, "action_table", "Action plan", "No actions recorded yet."
    )
    blocks += _plan(
        answers,
        banks,
        principles,
        "indicator_table",
        "Monitoring plan",
        "No indicators recorded yet.",
    )
    blocks += _ratings(answers, banks, principles)
    blocks += _decision(answers, banks)
    blocks += _signoff(signoff)
    blocks += _retired(answers, banks)
    blocks += _footer(assessment, banks, generated_on)
    return Statement(title, draft, tuple(blocks))


def _summary(answers: Mapping[str, Answer], banks: Banks, principles) -> list[Block]:
    """What a board member reads first: the policy, the decision, the matrix, risks, review."""
    blocks: list[Block] = [Heading(2, "Summary for the board")]
    for qid in ("details_summary", "decision_option"):
        if qid in banks.questions:
            blocks += _qa(banks.questions[qid].label, answers.get(qid))
    if answers.get("decision_reasons"):
        blocks += _qa(banks.questions["decision_reasons"].label, answers["decision_reasons"])
    blocks.append(Heading(3, "Impact on each Marmot principle"))
    blocks.append(Table(MATRIX_HEADERS, matrix_rows(answers, banks, principles)))
    blocks.append(Heading(3, "Main risks to health equity and how they will be reduced"))
    blocks += answer_blocks(answers.get("decision_risks"))
    if "decision_review_date" in banks.questions:
        blocks += _qa(
            banks.questions["decision_review_date"].label, answers.get("decision_review_date")
        )
    return blocks


def matrix_rows(
    answers: Mapping[str, Answer], banks: Banks, principles
) -> tuple[tuple[str, ...], ...]:
    """One row per principle: its rating, or why it was not assessed."""
    chosen = {p.id for p in principles}
    rows = []
    for principle in banks.principles:
        impact = _impact_answer(banks, answers, principle)
        if principle.id in chosen:
            rating = impact.value if impact else {}
            cells = [
                _label(impact, rating[part]) if impact and rating.get(part) else "Not rated yet"
                for part in IMPACT_PARTS
            ]
        else:
            cells = [_screening_text(answers, banks, principle), "", "", ""]
        rows.append((principle.title, *cells))
    return tuple(rows)


def _impact_answer(banks: Banks, answers, principle: Principle) -> Answer | None:
    for question in banks.decision:
        if question.principle == principle.id and question.type == "impact_rating":
            return answers.get(question.id)
    return None


def _screening_text(answers, banks: Banks, principle: Principle) -> str:
    for question in banks.screening:
        if question.screens == principle.id:
            if question.id not in answers:
                return "Not screened yet"
            reason = _plain(answers.get(f"{question.id}_reason"))
            return (
                f"Not assessed, screened out: {reason}" if reason else "Not assessed, screened out"
            )
    return "Not screened yet"


def _about(assessment: Assessment, banks: Banks, draft: bool) -> list[Block]:
    rows = [
        (q.label, _plain(assessment.answers.get(q.id)) or NOT_ANSWERED)
        for q in banks.details
        if q.id != "details_summary" and not q.retired
    ]
    rows.append(("Type of assessment", _path_text(assessment)))
    rows.append(("Status", _status_text(assessment, draft)))
    return [Heading(2, "About this assessment"), Table(("Item", "Detail"), tuple(rows))]


STATUS_WORDS = {"in_review": "In review", "approved": "Approved"}


def _status_text(assessment: Assessment, draft: bool) -> str:
    if assessment.status in STATUS_WORDS:
        return f"{STATUS_WORDS[assessment.status]} (revision {assessment.revision})"
    if draft:
        return f"Draft (revision {assessment.revision}): not all sections are complete"
    return f"Draft (revision {assessment.revision}): all sections complete"


def _path_text(assessment: Assessment) -> str:
    """Which path was used (rapid or full) and what the screening recommended, and why."""
    chosen = "Rapid" if assessment.value(wizard.PATH_QUESTION) == "rapid" else "Full"
    recommendation = wizard.recommend_path(assessment.values())
    if recommendation is None:
        return f"{chosen} (the size of the decision was not screened)"
    return f"{chosen}. {recommendation.sentence()}"


def _step(banks: Banks, number: int, principles, answers) -> list[Block]:
    step = banks.step(number)
    blocks: list[Block] = [Heading(2, f"Step {number}: {step.title}")]
    if not principles:
        blocks.append(Paragraph("No principles have been screened in yet."))
    rapid = answers.get(wizard.PATH_QUESTION) and answers[wizard.PATH_QUESTION].value == "rapid"
    for principle in principles:
        blocks.append(Heading(3, principle.short_label))
        for question in principle.step_questions(number):
            if question.rapid or not rapid:
                blocks += _qa(question.label, answers.get(question.id))
    left_out = [p.short_label for p in banks.principles if p not in principles]
    if principles and left_out:
        blocks.append(
            Paragraph(
                "Not assessed in this step, because screened out: " + ", ".join(left_out) + "."
            )
        )
    return blocks


def _questions_of_type(principles, types: set[str]) -> list[tuple[Principle, Question]]:
    return [(p, q) for p in principles for q in p.questions if q.type in types and not q.retired]


def _populations(answers, banks: Banks, principles) -> list[Block]:
    named: dict[str, list[str]] = {}
    for principle, question in _questions_of_type(principles, {"groups"}):
        answer = answers.get(question.id)
        for group_id in answer.value if answer else []:
            where = named.setdefault(group_id, [])
            if principle.short_label not in where:
                where.append(principle.short_label)
    blocks: list[Block] = [Heading(2, "Populations affected")]
    if named:
        dimensions = {d.value: d.label for d in banks.dimensions}
        groups = {g.id: g for g in banks.groups}
        rows = sorted(
            (
                groups[gid].label if gid in groups else gid,
                dimensions.get(groups[gid].dimension, "") if gid in groups else "",
                ", ".join(where),
            )
            for gid, where in named.items()
        )
        rows.sort(key=lambda row: row[1])
        blocks.append(
            Paragraph(
                "These groups were named in step 1 or elsewhere. The table "
                "supports the Public Sector Equality Duty."
            )
        )
        blocks.append(Table(("Group", "Dimension", "Named under"), tuple(rows)))
    else:
        blocks.append(Paragraph("No population groups recorded yet."))
    combinations = [
        (p, q) for p, q in _questions_of_type(principles, {"intersections"}) if q.id in answers
    ]
    if combinations:
        blocks.append(Heading(3, "Combinations of disadvantage"))
        for principle, question in combinations:
            blocks += _qa(principle.short_label, answers[question.id])
    return blocks


def plan_table(answers: Mapping[str, Answer], banks: Banks, principles, table_type: str) -> Table:
    """Every row of one repeating-row type across the principles, led by its principle."""
    columns = next((q.columns for q in banks.questions.values() if q.type == table_type), ())
    rows: list[tuple[str, ...]] = []
    for principle, question in _questions_of_type(principles, {table_type}):
        answer = answers.get(question.id)
        labels = answer.option_labels if answer else {}
        for row in answer.value if answer else []:
            rows.append(
                (principle.short_label, *(cell_text(labels, c.id, row) for c in question.columns))
            )
    return Table(("Principle", *(c.label for c in columns)), tuple(rows))


def _plan(
    answers, banks: Banks, principles, table_type: str, title: str, empty: str
) -> list[Block]:
    table = plan_table(answers, banks, principles, table_type)
    return [Heading(2, title), table if table.rows else Paragraph(empty)]


def _ratings(answers, banks: Banks, principles) -> list[Block]:
    chosen = {p.id for p in principles}
    questions = [q for q in banks.decision if q.page == "impact" and q.principle in chosen]
    if not questions:
        return []
    blocks: list[Block] = [Heading(2, "Impact ratings and reasons")]
    for question in questions:
        blocks += _qa(question.label, answers.get(question.id))
    return blocks


def _decision(answers, banks: Banks) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Recommendation and review")]
    for question in banks.decision:
        if question.page == "decision" and not question.retired:
            blocks += _qa(question.label, answers.get(question.id))
    return blocks


def _signoff(signoff: Any) -> list[Block]:
    if signoff is None:
        return [Heading(2, "Sign-off"), Paragraph("Not signed off yet.")]
    rows = (
        ("Approved by", signoff.name),
        ("Job title", signoff.job_title),
        ("Date", date_text(signoff.signed_at[:10])),
        ("Revision", str(signoff.revision)),
        ("Statement confirmed", signoff.attestation),
    )
    return [Heading(2, "Sign-off"), Table(("Item", "Detail"), rows)]


def _retired(answers: Mapping[str, Answer], banks: Banks) -> list[Block]:
    ids = wizard.retired_answers(banks, answers)
    if not ids:
        return []
    blocks: list[Block] = [
        Heading(2, "Answers to retired questions"),
        Paragraph("These questions have since left the question bank. The answers are kept."),
    ]
    for qid in ids:
        blocks += _qa(answers[qid].label, answers[qid])
    return blocks


def _footer(assessment: Assessment, banks: Banks, generated_on: dt.date) -> list[Block]:
    return [
        Rule(),
        Paragraph(
            f"Assessment {assessment.uid}, revision {assessment.revision}, answered against "
            f"question bank version {assessment.bank_version}. Generated on "
            f"{date_text(generated_on.isoformat())} by {SERVICE_NAME}, which follows the four "
            "steps of Lancaster University's Health Inequalities Assessment Toolkit (HIAT)."
        ),
    ]


# ---------------------------------------------------------------- markdown
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
    """User text for a table cell or heading: one line, so it stays where it is."""
    return re.sub(r" *\n+ *", " ", md_text(text)) or " "


def _md_table(table: Table) -> str:
    lines = [
        "| " + " | ".join(md_cell(h) for h in table.headers) + " |",
        "|" + "---|" * len(table.headers),
    ]
    lines += ["| " + " | ".join(md_cell(cell) for cell in row) + " |" for row in table.rows]
    return "\n".join(lines)


def _md_block(block: Block) -> str:
    match block:
        case Heading(level, text):
            return f"{'#' * level} {md_cell(text)}"
        case Paragraph(text, strong=True):
            return f"**{md_cell(text)}**"
        case Paragraph(text):
            return md_text(text)
        case Bullets(items):
            return "\n".join(f"- {md_cell(item)}" for item in items)
        case Table():
            return _md_table(block)
        case _:
            return "---"


def render_markdown(statement: Statement) -> str:
    return "\n\n".join(_md_block(block) for block in statement.blocks) + "\n"


def to_markdown(assessment: Assessment, banks: Banks, generated_on: dt.date) -> str:
    """The whole statement as markdown. Deterministic: same arguments, same text."""
    return render_markdown(build_statement(assessment, banks, generated_on))


# ---------------------------------------------------------------- HTML
def render_html(statement: Statement, baselevel: int = 2) -> Markup:
    """The statement as sanitised HTML, its headings moved to start at `baselevel`.

    Written straight from the blocks with every string escaped, then passed through
    nh3 as a second line of defence; the only place statement content becomes Markup.
    """
    slugs: dict[str, int] = {}
    parts, heading = [], statement.title
    for block in statement.blocks:
        part = _html_block(block, baselevel - 1, slugs)
        if isinstance(block, Heading):
            heading = block.text
        elif isinstance(block, Table):
            part = (
                f'<div class="hiat-table-scroll" role="region" tabindex="0" '
                f'aria-label="Table: {html.escape(heading.strip())}">{part}</div>'
            )
        parts.append(part)
    return Markup(nh3.clean("\n".join(parts), tags=HTML_TAGS, attributes=HTML_ATTRIBUTES))


def _html_text(text: str) -> str:
    text = CONTROL.sub("", text)
    if "\n" not in text and "\r" not in text:  # most strings: one line
        return html.escape(text.strip())
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br>".join(html.escape(line.strip()) for line in lines)


def _html_block(block: Block, shift: int, slugs: dict[str, int]) -> str:
    match block:
        case Heading(level, text):
            tag = f"h{min(level + shift, 6)}"
            return f'<{tag} id="{_slug(text, slugs)}">{_html_text(text)}</{tag}>'
        case Paragraph(text, strong=True):
            return f"<p><strong>{_html_text(text)}</strong></p>"
        case Paragraph(text):
            paragraphs = re.split(r"\n\s*\n", text.strip())
            return "".join(f"<p>{_html_text(p)}</p>" for p in paragraphs if p)
        case Bullets(items):
            return "<ul>" + "".join(f"<li>{_html_text(i)}</li>" for i in items) + "</ul>"
        case Table(headers, rows):
            head = "".join(f"<th>{_html_text(h)}</th>" for h in headers)
            body = "".join(
                "<tr>" + "".join(f"<td>{_html_text(c)}</td>" for c in row) + "</tr>" for row in rows
            )
            return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        case _:
            return "<hr>"


def _slug(text: str, slugs: dict[str, int]) -> str:
    """A unique heading id made of letters, digits and hyphens only."""
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "section"
    slugs[base] = slugs.get(base, 0) + 1
    return base if slugs[base] == 1 else f"{base}-{slugs[base]}"


def to_html(text: str, baselevel: int = 2) -> Markup:
    """Render statement markdown with Python-Markdown and sanitise it (used by tests).

    The pages use render_html, which is faster and needs no markdown parser.
    """
    rendered = markdown.markdown(
        text, extensions=["tables", "toc"], extension_configs={"toc": {"baselevel": baselevel}}
    )
    return Markup(nh3.clean(rendered, tags=HTML_TAGS, attributes=HTML_ATTRIBUTES))


@functools.lru_cache(maxsize=2048)
def guidance_html(text: str) -> Markup:
    """Render a bank's guidance markdown as sanitised HTML."""
    rendered = markdown.markdown(text)
    return Markup(nh3.clean(rendered, tags=HTML_TAGS | {"a"}, attributes={"a": {"href"}}))


def plain_lines(blocks: Iterable[Block]) -> list[str]:
    """Every piece of text in the blocks, for tests and search."""
    lines: list[str] = []
    for block in blocks:
        match block:
            case Heading(_, text) | Paragraph(text):
                lines.append(text)
            case Bullets(items):
                lines.extend(items)
            case Table(headers, rows):
                lines.extend(headers)
                lines.extend(cell for row in rows for cell in row)
    return lines
