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

from hiat import reviews, wizard
from hiat.dates import local_date
from hiat.questions import (
    IMPACT_PARTS,
    KIND_QUESTION,
    OWN_DIMENSION,
    OWN_GROUP,
    PRINCIPLES_QUESTION,
    Banks,
    Principle,
    Question,
    group_label,
)
from hiat.store import Answer, Assessment
from hiat.text import clean, close_bidi, is_blank

SERVICE_NAME = "Health equity impact assessment"
STATEMENT_KIND = "Equity impact statement"
IMPLICATIONS_HEADING = "Implications for health equity"
NOT_ANSWERED = "Not answered"
NOT_GIVEN = "Not given"
NO_PRINCIPLES = "No principles have been screened in yet."
NO_ACTION_HEADING = "No action yet for a negative impact"
WHOLE_POLICY = "The policy as a whole"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A row's own indicator name (value) stands in for a catalogue indicator (key): one column.
OWN_NAME = {"catalogue": "indicator"}
# Repeating-row questions appear once, in a plan: (one, many, the plan's name).
PLAN_NAMES = {
    "action_table": ("action", "actions", "action plan"),
    "indicator_table": ("indicator", "indicators", "monitoring plan"),
}
# A table of more columns than this gets landscape pages in Word, the print view and PDF.
WIDE_COLUMNS = 5
RATING_WORDS = {
    "direction": "direction",
    "gap": "effect on the gap",
    "magnitude": "size",
    "confidence": "confidence",
}
HTML_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "strong", "em", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td", "hr", "code", "blockquote", "div",
}  # fmt: skip
HTML_ATTRIBUTES = {
    **{tag: {"id", "class"} for tag in ("h1", "h2", "h3", "h4", "h5", "h6")},
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
    kind: str = STATEMENT_KIND
    # A short document set tighter, to fit its pages (the two-page board summary).
    compact: bool = False

    @property
    def document_title(self) -> str:
        """The title a window, a tab or a file's properties show: 'Board summary: Green Plan'."""
        return f"{self.kind}: {self.title}"


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


def join_words(items: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c'; semicolons when an item has a comma of its own."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    separator = "; " if any("," in item for item in items) else ", "
    return separator.join(items[:-1]) + " and " + items[-1]


def in_sentence(label: str) -> str:
    """A label inside a sentence: "People on low incomes" -> "people on low incomes".

    Only a plain capitalised first word is lowered, so "Core20" and "NHS staff" stay.
    """
    first = re.match(r"[^\W\d_]*", label).group()
    if (
        len(first) > 1
        and first[1:].islower()
        and label[len(first) : len(first) + 1] in ("", " ", ",")
    ):
        return label[0].lower() + label[1:]
    return label


def _label(answer: Answer, value: str) -> str:
    return str(answer.option_labels.get(value, value))


def plain(answer: Answer | None) -> str:
    """A short answer as one line of plain text, for table cells; blank when unanswered."""
    if answer is None:
        return ""
    value = answer.value
    if isinstance(value, list):
        return ", ".join(_label(answer, str(v)) for v in value if not isinstance(v, dict))
    if isinstance(value, dict):
        return "; ".join(f"{_label(answer, k)}: {_label(answer, v)}" for k, v in value.items() if v)
    text = date_text(_label(answer, str(value)))
    return "" if is_blank(text) else text


def filled(text: str, marker: str = NOT_GIVEN) -> str:
    """A cell or item never reads as empty: blank text becomes the marker."""
    return marker if is_blank(text) else text


def reading_table(headers: Iterable[str], grid: Iterable[Iterable[str]]) -> Table:
    """A table people read: a column that no row uses is left out, a blank cell says so."""
    headers, grid = list(headers), [list(line) for line in grid]
    used = [i for i in range(len(headers)) if any(not is_blank(line[i]) for line in grid)]
    return Table(
        tuple(headers[i] for i in used),
        tuple(tuple(filled(line[i]) for i in used) for line in grid),
    )


def shown_columns(columns: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(id, header) of the columns a reader sees: own indicator names join the catalogue."""
    columns = list(columns)
    ids = {cid for cid, _ in columns}
    joined = {own for key, own in OWN_NAME.items() if key in ids}
    return [
        (cid, "Indicator" if cid in OWN_NAME or cid in OWN_NAME.values() else header)
        for cid, header in columns
        if cid not in joined
    ]


def _row_cell(labels: Mapping[str, str], column: str, row: Mapping[str, Any]) -> str:
    value = cell_text(labels, column, row)
    own = OWN_NAME.get(column)
    return value if not is_blank(value) or own is None else cell_text(labels, own, row)


def answer_blocks(answer: Answer | None) -> list[Block]:
    """One answer as blocks, by the shape of its value, using its saved labels."""
    if answer is None:
        return [Paragraph(NOT_ANSWERED)]
    value, labels = answer.value, answer.option_labels
    if isinstance(value, list) and value and isinstance(value[0], dict):
        present = set().union(*value)
        columns = shown_columns((c, labels[c]) for c in labels if c in present and ":" not in c)
        grid = [[_row_cell(labels, cid, row) for cid, _ in columns] for row in value]
        return [reading_table((header for _, header in columns), grid)]
    if isinstance(value, list):
        items = [_label(answer, str(item)) for item in value if not is_blank(str(item))]
        return [Bullets(tuple(items))] if items else [Paragraph(NOT_ANSWERED)]
    if isinstance(value, dict):
        parts = tuple(f"{_label(answer, k)}: {_label(answer, v)}" for k, v in value.items() if v)
        return [Bullets(parts)] if parts else [Paragraph(NOT_ANSWERED)]
    return [Paragraph(filled(date_text(_label(answer, str(value))), NOT_ANSWERED))]


def _qa(question: Question, answer: Answer | None, level: int = 4) -> list[Block]:
    return [Heading(level, question.heading), *answer_blocks(answer)]


# ---------------------------------------------------------------- status
STATUS_WORDS = {"in_review": "in review", "approved": "approved", "stopped": "stopped"}


def status_line(assessment: Assessment, complete: bool, signoff: Any) -> str:
    """Approved by whom and when, or plainly not yet approved, with the workflow status."""
    if signoff is not None:
        job = "" if is_blank(signoff.job_title) else f", {signoff.job_title.strip()}"
        return (
            f"Approved by {signoff.name.strip()}{job}, on {local_date(signoff.signed_at)} "
            f"(revision {signoff.revision})."
        )
    if assessment.status in STATUS_WORDS:
        status = STATUS_WORDS[assessment.status]
    elif complete:
        status = "draft, all sections complete, not yet reviewed"
    else:
        status = "draft, not all sections complete"
    return f"Not yet approved: {status} (revision {assessment.revision})."


def path_text(assessment: Assessment) -> str:
    """Which path was used and what the screening suggested; it cannot contradict itself."""
    chosen = assessment.value(wizard.PATH_QUESTION)
    if chosen not in ("rapid", "full"):
        return "Not chosen yet"
    recommendation = wizard.recommend_path(assessment.values())
    if recommendation is None:
        return f"{chosen.capitalize()} assessment; the size of the decision was not screened"
    because = join_words(recommendation.reasons)
    if recommendation.path == chosen:
        return f"{chosen.capitalize()} assessment, as the screening suggested, because {because}"
    reason = plain(assessment.answers.get(wizard.PATH_REASON))
    return (
        f"{chosen.capitalize()} assessment, chosen by the author; the screening suggested "
        f"a {recommendation.path} one because {because}. "
        + (f"The author's reason: {reason}" if reason else "The author gave no reason")
    )


def _kind(answers: Mapping[str, Answer]) -> str | None:
    """The kind of decision, whose wording the statement's headings follow."""
    return wizard.decision_kind({k: a.value for k, a in answers.items() if k == KIND_QUESTION})


def _rapid(answers: Mapping[str, Answer]) -> bool:
    answer = answers.get(wizard.PATH_QUESTION)
    return answer is not None and answer.value == "rapid"


# ---------------------------------------------------------------- the statement
def build_statement(
    assessment: Assessment, banks: Banks, generated_on: dt.date, signoff: Any = None
) -> Statement:
    """Every block of the statement, in order. Pure and deterministic.

    `signoff`, when the assessment's revision has been approved, names who signed it off.
    """
    principles = wizard.selected_principles(banks, assessment.values())
    answers = assessment.answers
    title = policy_title(assessment)
    status = assessment_status(assessment, banks, signoff)
    blocks: list[Block] = [Heading(1, f"{STATEMENT_KIND}: {title}"), Paragraph(status)]
    blocks += _summary(assessment, banks, principles, signoff)
    blocks += previous_review_blocks(assessment.previous_review)
    blocks += _about(assessment, banks, status)
    for step in banks.steps:
        blocks += _step(banks, step.number, principles, answers)
    blocks += _populations(answers, banks, principles)
    blocks += _plan(answers, banks, principles, "action_table", "Action plan", "No actions yet.")
    blocks += _plan(
        answers, banks, principles, "indicator_table", "Monitoring plan", "No indicators yet."
    )
    blocks += _ratings(answers, banks, principles)
    blocks += _signoff(signoff)
    blocks += _retired(answers, banks)
    blocks += footer(assessment, generated_on, status)
    return Statement(
        title,
        signoff is None,
        tuple(blocks),
        assessment.organisation or SERVICE_NAME,
        STATEMENT_KIND,
    )


def assessment_status(assessment: Assessment, banks: Banks, signoff: Any) -> str:
    """The status line every output carries in its title block and footer."""
    sections = wizard.sections(banks, assessment.values())
    complete = wizard.all_completed(sections, assessment.completed_sections)
    return status_line(assessment, complete, signoff)


def policy_title(assessment: Assessment) -> str:
    """The title on one clean line: it goes into window titles and file properties too."""
    title = plain(assessment.answers.get("details_title")) or assessment.title
    return close_bidi(" ".join(clean(title).split())) or "Untitled policy"


def _summary(assessment: Assessment, banks: Banks, principles, signoff: Any) -> list[Block]:
    """What a board member reads first: the implications, the policy, the decision, the matrix."""
    answers = assessment.answers
    blocks: list[Block] = [
        Heading(2, "Summary for the board"),
        Heading(3, IMPLICATIONS_HEADING),
        Paragraph(implications(assessment, banks, signoff)),
    ]
    for qid in ("details_summary", "decision_option", "decision_reasons", "decision_conditions"):
        optional = qid in ("decision_reasons", "decision_conditions")
        if qid in banks.questions and (not optional or qid in answers):
            blocks += _qa(banks.questions[qid], answers.get(qid), level=3)
    blocks += matrix_blocks(answers, banks, principles, level=3)
    for qid in ("decision_risks", "decision_review_date"):
        if qid in banks.questions:
            blocks += _qa(banks.questions[qid], answers.get(qid), level=3)
    return blocks


def matrix_blocks(answers: Mapping[str, Answer], banks: Banks, principles, level: int):
    """The principle-by-impact matrix in words, then the principles left out and why."""
    blocks: list[Block] = [Heading(level, "Impact on each Marmot principle")]
    rows = matrix_rows(answers, banks, principles)
    blocks.append(Table(MATRIX_HEADERS, rows) if rows else Paragraph(NO_PRINCIPLES))
    harms = wizard.harm_without_action(banks, {k: a.value for k, a in answers.items()})
    if harms:
        blocks.append(Heading(level, NO_ACTION_HEADING))
        blocks.append(
            Paragraph(
                "These principles are rated negative, or as widening the gap, and step 2 "
                "plans no action for them yet:"
            )
        )
        blocks.append(Bullets(tuple(p.title for p in harms)))
    left_out = screened_out_rows(answers, banks, principles)
    if left_out:
        blocks.append(Heading(level, "Principles not assessed"))
        blocks.append(Table(("Marmot principle", "Reason"), left_out))
    return blocks


def matrix_rows(
    answers: Mapping[str, Answer], banks: Banks, principles
) -> tuple[tuple[str, ...], ...]:
    """One row per assessed principle: its rating, in words."""
    rows = []
    for principle in principles:
        impact = _impact_answer(banks, answers, principle)
        rating = impact.value if impact and isinstance(impact.value, dict) else {}
        cells = [
            _label(impact, rating[part]) if impact and rating.get(part) else "Not rated yet"
            for part in IMPACT_PARTS
        ]
        rows.append((principle.title, *cells))
    return tuple(rows)


def screened_out_rows(answers, banks: Banks, principles) -> tuple[tuple[str, str], ...]:
    chosen = {p.id for p in principles}
    return tuple(
        (p.title, _screening_text(answers, banks, p))
        for p in banks.principles
        if p.id not in chosen
    )


def _impact_answer(banks: Banks, answers, principle: Principle) -> Answer | None:
    for question in banks.decision:
        if question.principle == principle.id and question.type == "impact_rating":
            return answers.get(question.id)
    return None


def _screening_text(answers, banks: Banks, principle: Principle) -> str:
    if PRINCIPLES_QUESTION in answers:
        reason = plain(answers.get(wizard.LEFT_OUT_REASON))
        return f"Screened out: {reason}" if reason else "Screened out; no reason given"
    for question in banks.screening:
        if question.screens == principle.id:
            if question.id not in answers:
                return "Not screened yet"
            reason = plain(answers.get(f"{question.id}_reason"))
            return f"Screened out: {reason}" if reason else "Screened out; no reason given"
    return "Not screened yet"


def _about(assessment: Assessment, banks: Banks, status: str) -> list[Block]:
    rows = [
        (q.heading, filled(plain(assessment.answers.get(q.id)), NOT_ANSWERED))
        for q in banks.details
        if q.id != "details_summary" and not q.retired
    ]
    rows.append(("Type of assessment", path_text(assessment)))
    rows.append(("Status", status))
    return [Heading(2, "About this assessment"), Table(("Item", "Detail"), tuple(rows))]


def _step(banks: Banks, number: int, principles, answers) -> list[Block]:
    step = banks.step(number)
    blocks: list[Block] = [Heading(2, f"Step {number}: {step.title}")]
    if not principles:
        blocks.append(Paragraph(NO_PRINCIPLES))
    rapid, kind = _rapid(answers), _kind(answers)
    for principle in principles:
        blocks.append(Heading(3, principle.short_label))
        for question in principle.step_questions(number):
            # A rapid statement still shows an answer given before the path changed.
            if question.rapid or not rapid or question.id in answers:
                blocks += _step_answer(question.for_kind(kind), answers.get(question.id))
    return blocks


def _step_answer(question: Question, answer: Answer | None) -> list[Block]:
    """An answer under its heading; rows appear once, in the action or monitoring plan."""
    plan = PLAN_NAMES.get(question.type)
    if plan is None or answer is None or not answer.value:
        return _qa(question, answer)
    count = len(answer.value)
    noun = plan[0] if count == 1 else plan[1]
    return [Heading(4, question.heading), Paragraph(f"{count} {noun}, listed in the {plan[2]}.")]


def _questions_of_type(principles, types: set[str]) -> list[tuple[Principle, Question]]:
    return [(p, q) for p in principles for q in p.questions if q.type in types and not q.retired]


def named_groups(answers, banks: Banks, principles) -> dict[str, list[str]]:
    """Group id -> the principles under which it was named, in bank order.

    The groups chosen for the whole policy come first, even if no principle names them.
    A group that repeats another counts as the one it repeats.
    """
    named: dict[str, list[str]] = {}
    chosen = answers.get(wizard.POPULATION_GROUPS)
    for group_id in chosen.value if chosen and isinstance(chosen.value, list) else []:
        named.setdefault(banks.same_group(str(group_id)), [])
    values = {qid: answer.value for qid, answer in answers.items()}
    for name in wizard.own_group_names(values):
        named.setdefault(OWN_GROUP + name, [])
    for principle, question in _questions_of_type(principles, {"groups"}):
        answer = answers.get(question.id)
        for group_id in answer.value if answer and isinstance(answer.value, list) else []:
            where = named.setdefault(banks.same_group(str(group_id)), [])
            if principle.short_label not in where:
                where.append(principle.short_label)
    return named


def _populations(answers, banks: Banks, principles) -> list[Block]:
    named = named_groups(answers, banks, principles)
    blocks: list[Block] = [Heading(2, "Populations affected")]
    if named:
        dimensions = {d.value: d.label for d in banks.dimensions}
        groups = {g.id: g for g in banks.groups}
        rows = [
            (
                group_label(groups, gid),
                OWN_DIMENSION
                if gid not in groups
                else filled(dimensions.get(groups[gid].dimension, "")),
                ", ".join(where) if where else WHOLE_POLICY,
            )
            for gid, where in named.items()
        ]
        order = {label: n for n, label in enumerate([*dimensions.values(), OWN_DIMENSION])}
        rows.sort(key=lambda row: order.get(row[1], len(order)))
        blocks.append(
            Paragraph(
                "These are the groups the policy could affect, and the principles under which "
                "each was named as affected most. The table supports the Public Sector Equality "
                "Duty."
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
            blocks += [Heading(4, principle.short_label), *answer_blocks(answers[question.id])]
    return blocks


def plan_table(answers: Mapping[str, Answer], banks: Banks, principles, table_type: str) -> Table:
    """Every row of one repeating-row type across the principles, led by its principle.

    Raw, with every column: for CSV. The statement uses reading_plan_table.
    """
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


def reading_plan_table(answers, banks: Banks, principles, table_type: str) -> Table:
    """The plan as the statement shows it: one indicator column, no empty column or cell."""
    all_columns = next((q.columns for q in banks.questions.values() if q.type == table_type), ())
    columns = shown_columns((c.id, c.label) for c in all_columns)
    grid = []
    for principle, question in _questions_of_type(principles, {table_type}):
        answer = answers.get(question.id)
        if answer is None or not isinstance(answer.value, list):
            continue
        for row in answer.value:
            cells = [_row_cell(answer.option_labels, cid, row) for cid, _ in columns]
            grid.append([principle.short_label, *cells])
    return reading_table(("Principle", *(header for _, header in columns)), grid)


def _plan(answers, banks: Banks, principles, table_type: str, title: str, empty: str):
    table = reading_plan_table(answers, banks, principles, table_type)
    return [Heading(2, title), table if table.rows else Paragraph(empty)]


def _ratings(answers, banks: Banks, principles) -> list[Block]:
    """Each assessed principle's rating in a sentence, and the author's reasons."""
    if not principles:
        return []
    blocks: list[Block] = [Heading(2, "Impact ratings and reasons")]
    for principle in principles:
        blocks.append(Heading(3, principle.short_label))
        for question in banks.decision:
            if question.principle != principle.id or question.page != "impact":
                continue
            answer = answers.get(question.id)
            if question.type == "impact_rating":
                blocks.append(Paragraph(rating_sentence(answer)))
            else:
                blocks += answer_blocks(answer)
    return blocks


def rating_sentence(answer: Answer | None) -> str:
    if answer is None or not isinstance(answer.value, dict) or not any(answer.value.values()):
        return "Not rated yet."
    parts = [
        f"{RATING_WORDS[part]}: {_label(answer, answer.value[part]).lower()}"
        for part in IMPACT_PARTS
        if answer.value.get(part)
    ]
    return ". ".join(p[0].upper() + p[1:] for p in parts) + "."


def previous_review_blocks(record: Mapping[str, Any] | None) -> list[Block]:
    """The signed review of the revision before: predicted against what happened."""
    if not record:
        return []
    review = reviews.from_record(record)
    blocks: list[Block] = [
        Heading(2, reviews.UPDATE_HEADING),
        Paragraph(reviews.signed_sentence(review)),
        Paragraph(f"Outcome of the review: {review.outcome_label}."),
        Heading(3, "What was predicted and what happened"),
    ]
    rows = reviews.update_rows(review)
    blocks.append(reading_table(reviews.UPDATE_HEADERS, rows) if rows else Paragraph(NO_PRINCIPLES))
    blocks += [
        Heading(3, "Were the actions done?"),
        Paragraph(f"{review.actions_done_label}. {reviews.actions_sentence(review.actions)}"),
    ]
    if not is_blank(review.actions_note):
        blocks.append(Paragraph(review.actions_note))
    blocks += [Heading(3, "What was learnt"), Paragraph(filled(review.lessons))]
    return blocks


def _signoff(signoff: Any) -> list[Block]:
    if signoff is None:
        return [Heading(2, "Sign-off"), Paragraph("Not yet approved.")]
    rows = (
        ("Approved by", filled(signoff.name)),
        ("Job title", filled(signoff.job_title)),
        ("Date", local_date(signoff.signed_at)),
        ("Revision", str(signoff.revision)),
        ("Statement confirmed", filled(signoff.attestation)),
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
        blocks += [Heading(3, answers[qid].label), *answer_blocks(answers[qid])]
    return blocks


def footer(assessment: Assessment, generated_on: dt.date, status: str) -> list[Block]:
    return [
        Rule(),
        Paragraph(
            f"Assessment {assessment.uid}, revision {assessment.revision}, answered against "
            f"question bank version {assessment.bank_version}. {status} Generated on "
            f"{date_text(generated_on.isoformat())} by {SERVICE_NAME}, which follows the four "
            "steps of Lancaster University's Health Inequalities Assessment Toolkit (HIAT)."
        ),
    ]


# ---------------------------------------------------------------- implications
def implications(assessment: Assessment, banks: Banks, signoff: Any = None) -> str:
    """About 150 words for the "implications for health equity" section of a committee report.

    Generated from the answers in plain English; says what is not known rather than guess.
    """
    answers = assessment.answers
    values = assessment.values()
    principles = wizard.selected_principles(banks, values)
    sentences = [_assessed_sentence(assessment, banks, principles)]
    sentences += _gap_sentences(answers, banks, principles)
    groups = _most_named_groups(answers, banks, principles)
    if groups:
        sentences.append(f"The groups most often named as affected are {join_words(groups)}.")
    risk = first_sentence(plain(answers.get("decision_risks")), 160)
    if risk:
        sentences.append(f"The main risk is this. {risk}")
    sentences.append(_plans_sentence(answers, banks, principles))
    sentences.append(_recommendation_sentence(answers))
    return " ".join(s for s in sentences if s)


def _assessed_sentence(assessment: Assessment, banks: Banks, principles) -> str:
    kind = {"rapid": "A rapid", "full": "A full"}.get(
        str(assessment.value(wizard.PATH_QUESTION)), "A"
    )
    count, total = len(principles), len(banks.principles)
    scope = f"all {total}" if count == total else f"{count} of the {total}"
    return (
        f"{kind} health equity impact assessment, using the Health Inequalities Assessment "
        f"Toolkit (HIAT), looked at {scope} Marmot principles."
    )


def _gap_sentences(answers, banks: Banks, principles) -> list[str]:
    by_gap: dict[str, list[str]] = {}
    for principle in principles:
        impact = _impact_answer(banks, answers, principle)
        gap = impact.value.get("gap") if impact and isinstance(impact.value, dict) else None
        by_gap.setdefault(gap or "unrated", []).append(in_sentence(principle.short_label))
    words = {
        "narrows": "It is expected to narrow health inequalities for {}",
        "widens": "It is expected to widen health inequalities for {}",
        "no_change": "It is not expected to change the gap for {}",
        "not_known": "Its effect on the gap is not known yet for {}",
        "unrated": "The effect on the gap has not been rated yet for {}",
    }
    return [words[g].format(join_words(names)) + "." for g, names in by_gap.items() if g in words]


def _most_named_groups(answers, banks: Banks, principles, limit: int = 3) -> list[str]:
    named = named_groups(answers, banks, principles)
    groups = {g.id: g for g in banks.groups}
    ranked = sorted(named, key=lambda gid: (-len(named[gid]), list(named).index(gid)))
    return [in_sentence(group_label(groups, gid)) for gid in ranked[:limit]]


def first_sentence(text: str, limit: int = 220) -> str:
    """The first sentence of an answer, cut at a word boundary if it runs on."""
    text = re.sub(r"^\s*\d+[.)]\s*", "", " ".join(text.split()))
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    elif sentence and sentence[-1] not in ".!?":
        sentence += "."
    return sentence


def _plans_sentence(answers, banks: Banks, principles) -> str:
    actions = len(plan_table(answers, banks, principles, "action_table").rows)
    indicators = len(plan_table(answers, banks, principles, "indicator_table").rows)
    if not actions and not indicators:
        return "No actions or monitoring have been planned yet."
    return (
        f"The plan has {_count(actions, 'action')} to reduce harms and strengthen benefits, and "
        f"{_count(indicators, 'indicator')} to check, group by group, whether gaps close."
    )


def _count(n: int, noun: str) -> str:
    return f"{'no' if n == 0 else n} {noun}{'' if n == 1 else 's'}"


def _recommendation_sentence(answers) -> str:
    option = answers.get("decision_option")
    review = plain(answers.get("decision_review_date"))
    text = (
        f"The recommendation is: {plain(option).lower()}." if option else "No recommendation yet."
    )
    return text + (f" The assessment will be reviewed by {review}." if review else "")


# ---------------------------------------------------------------- markdown
# STYLE.md 4.6: escape only what would become markdown at that place, so the file reads
# like the author's own words. Anywhere in a line: code, emphasis, links, table pipes.
MD_INLINE = re.compile(r"([\\`*_\[\]|])")
# "&copy;" would become (c); "Health & Care" stays as typed.
MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# Start of a line: headings, quotes, lists, thematic breaks, setext underlines.
MD_LINE_START = re.compile(r"^([#>+\-])")
MD_ORDERED = re.compile(r"^(\d{1,9})([.)])")


def _md_line(line: str) -> str:
    """One line of user text, literal wherever it lands in a block."""
    line = line.strip()
    line = MD_ENTITY.sub("&amp;", line)
    line = MD_INLINE.sub(r"\\\1", line)
    # "<" starts raw HTML or an autolink; Python-Markdown cannot backslash-escape "~" or "=".
    line = line.replace("<", "&lt;").replace("~", "&#126;")
    if line.startswith("="):
        line = "&#61;" + line[1:]
    line = MD_LINE_START.sub(r"\\\1", line)
    line = MD_ORDERED.sub(r"\1\\\2", line)
    return close_bidi(line)


def md_text(text: str) -> str:
    """User text as a literal markdown paragraph: it reads as typed and makes no structure.

    The writer's line breaks stay (two trailing spaces make a hard break) and a blank
    line still separates paragraphs.
    """
    paragraphs = re.split(r"\n[^\S\n]*\n\s*", clean(text).strip())
    out = []
    for paragraph in paragraphs:
        lines = [_md_line(line) for line in paragraph.split("\n")]
        lines = [line for line in lines if line]
        if lines:
            out.append("  \n".join(lines))
    return "\n\n".join(out)


def md_cell(text: str) -> str:
    """User text for a table cell, list item or heading: one line, so it stays where it is."""
    line = _md_line(" ".join(clean(text).split("\n")))
    return NOT_GIVEN if is_blank(line) else line


def md_heading(level: int, text: str) -> str:
    line = md_cell(text)
    # A closing run of "#" is stripped from an ATX heading.
    return f"{'#' * level} {line[:-1] + chr(92) + '#' if line.endswith('#') else line}"


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
            return md_heading(level, text)
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
    parts: list[str] = []
    heading, leads = statement.title, 0  # leads: headings just before this block
    for block in statement.blocks:
        part = _html_block(block, baselevel - 1, slugs)
        if isinstance(block, Heading):
            heading, leads = block.text, leads + 1
        else:
            if isinstance(block, Table):
                part = _table_region(part, heading, wide=len(block.headers) > WIDE_COLUMNS)
                if len(block.headers) > WIDE_COLUMNS:
                    _mark_leads(parts, min(leads, 2))
            leads = 0
        parts.append(part)
    return Markup(nh3.clean("\n".join(parts), tags=HTML_TAGS, attributes=HTML_ATTRIBUTES))


def _table_region(table_html: str, heading: str, wide: bool) -> str:
    """A table in its own labelled, focusable region: it scrolls there, never the page.

    A wide table is marked, so the print view and PDF give it landscape pages.
    """
    css = "hiat-table-scroll hiat-table-wide" if wide else "hiat-table-scroll"
    return (
        f'<div class="{css}" role="region" tabindex="0" '
        f'aria-label="Table: {html.escape(heading.strip())}">{table_html}</div>'
    )


def _mark_leads(parts: list[str], count: int) -> None:
    """The headings that lead into a wide table go to its landscape page with it."""
    for index in range(len(parts) - count, len(parts)):
        parts[index] = re.sub(r"^<(h[1-6]) ", r'<\1 class="hiat-wide-lead" ', parts[index])


def _html_text(text: str) -> str:
    """Escaped text; CR, CRLF and LF are all line breaks, and bidi controls close per line."""
    lines = clean(text).strip().split("\n")
    return "<br>".join(html.escape(line.strip()) for line in lines)


def _html_block(block: Block, shift: int, slugs: dict[str, int]) -> str:
    match block:
        case Heading(level, text):
            tag = f"h{min(level + shift, 6)}"
            return f'<{tag} id="{_slug(text, slugs)}">{_html_text(text)}</{tag}>'
        case Paragraph(text, strong=True):
            return f"<p><strong>{_html_text(text)}</strong></p>"
        case Paragraph(text):
            paragraphs = re.split(r"\n\s*\n", clean(text).strip())
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
