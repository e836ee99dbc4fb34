"""The board summary: at most two pages a board reads in five minutes.

A pure function, like the statement: the same blocks, rendered by the same renderers
(markdown, HTML, Word, PDF). It summarises one revision of the full statement and
names it, so a board paper can point to the evidence behind it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hiat import wizard
from hiat.questions import Banks
from hiat.statement import (
    IMPLICATIONS_HEADING,
    NOT_ANSWERED,
    SERVICE_NAME,
    Block,
    Bullets,
    Heading,
    Paragraph,
    Statement,
    Table,
    answer_blocks,
    assessment_status,
    filled,
    first_sentence,
    footer,
    implications,
    matrix_blocks,
    path_text,
    plain,
    policy_title,
    reading_plan_table,
)
from hiat.store import Assessment

SUMMARY_KIND = "Board summary"
# The summary lists this many actions; the full statement has them all.
ACTIONS_SHOWN = 3
ACTION_LENGTH = 160
SHOWN_COLUMNS = ("Principle", "Action", "Owner", "Timescale")
CONDITIONS = {
    "proceed": "No conditions: the assessment found no significant concerns for health equity.",
    "proceed_with_changes": (
        "The recommendation depends on the action plan being carried out, so that harms are "
        "reduced and benefits reach the groups doing worst."
    ),
    "do_not_proceed": "The assessment recommends that the decision does not go ahead as it is.",
    "more_evidence": (
        "The decision should wait until the evidence named in the action plan has been gathered."
    ),
}


def build_summary(
    assessment: Assessment, banks: Banks, generated_on: dt.date, signoff: Any = None
) -> Statement:
    """The board summary's blocks, in order. Pure and deterministic."""
    principles = wizard.selected_principles(banks, assessment.values())
    answers = assessment.answers
    status = assessment_status(assessment, banks, signoff)
    blocks: list[Block] = [
        Heading(1, f"{SUMMARY_KIND}: {policy_title(assessment)}"),
        Paragraph(status),
        Paragraph(
            f"This summarises the equity impact statement for assessment {assessment.uid}, "
            f"revision {assessment.revision}. The full statement gives the evidence, every "
            "answer and the complete action and monitoring plans."
        ),
        Heading(2, IMPLICATIONS_HEADING),
        Paragraph(implications(assessment, banks, signoff)),
    ]
    blocks += _policy(assessment, banks)
    blocks += _recommendation(answers, banks)
    blocks += matrix_blocks(answers, banks, principles, level=2)
    blocks += [Heading(2, "Main risks and how they will be reduced")]
    blocks += answer_blocks(answers.get("decision_risks"))
    blocks += _conditions(answers, banks, principles)
    blocks += _review(answers, banks, principles)
    blocks += [Heading(2, "Sign-off"), Paragraph(status)]
    blocks += footer(assessment, generated_on, status)
    return Statement(
        policy_title(assessment),
        signoff is None,
        tuple(blocks),
        assessment.organisation or SERVICE_NAME,
        SUMMARY_KIND,
        compact=True,
    )


def _policy(assessment: Assessment, banks: Banks) -> list[Block]:
    answers = assessment.answers
    rows = [
        (q.heading, filled(plain(answers.get(q.id)), NOT_ANSWERED))
        for q in banks.details
        if q.type not in ("textarea",) and q.id != "details_title" and not q.retired
    ]
    rows.append(("Type of assessment", path_text(assessment)))
    return [
        Heading(2, "The policy"),
        *answer_blocks(answers.get("details_summary")),
        Table(("Item", "Detail"), tuple(rows)),
    ]


def _recommendation(answers, banks: Banks) -> list[Block]:
    option = plain(answers.get("decision_option"))
    blocks: list[Block] = [
        Heading(2, "Recommendation"),
        Paragraph(option or "No recommendation yet.", strong=bool(option)),
    ]
    if plain(answers.get("decision_reasons")):
        blocks += answer_blocks(answers["decision_reasons"])
    return blocks


def _conditions(answers, banks: Banks, principles) -> list[Block]:
    option = answers.get("decision_option")
    blocks: list[Block] = [Heading(2, "Conditions")]
    written = [
        line.strip()
        for line in plain(answers.get("decision_conditions")).splitlines()
        if line.strip()
    ]
    if written:
        blocks.append(Paragraph("The assessment asks the board to attach these conditions:"))
        blocks.append(Bullets(tuple(written)))
    blocks.append(Paragraph(CONDITIONS.get(str(option.value) if option else "", NO_DECISION)))
    plan = reading_plan_table(answers, banks, principles, "action_table")
    if not plan.rows:
        return blocks
    if written:
        # The author's conditions say what the board holds the decision to; the plan's
        # actions stay in the full statement, so the summary keeps to two pages.
        count = len(plan.rows)
        noun = "action" if count == 1 else "actions"
        blocks.append(Paragraph(f"The full statement's action plan has {count} {noun}."))
        return blocks
    wanted = [i for i, h in enumerate(plan.headers) if h in SHOWN_COLUMNS]
    action = plan.headers.index("Action") if "Action" in plan.headers else -1
    rows = tuple(
        tuple(first_sentence(row[i], ACTION_LENGTH) if i == action else row[i] for i in wanted)
        for row in plan.rows[:ACTIONS_SHOWN]
    )
    blocks.append(Table(tuple(plan.headers[i] for i in wanted), rows))
    if len(plan.rows) > ACTIONS_SHOWN:
        blocks.append(
            Paragraph(
                f"These are the first {ACTIONS_SHOWN} of {len(plan.rows)} actions. The full "
                "statement lists them all, with the cause each one addresses."
            )
        )
    return blocks


NO_DECISION = "No recommendation has been made yet, so no conditions are set."


def _review(answers, banks: Banks, principles) -> list[Block]:
    review = plain(answers.get("decision_review_date"))
    indicators = reading_plan_table(answers, banks, principles, "indicator_table")
    blocks: list[Block] = [
        Heading(2, "Review and monitoring"),
        Paragraph(
            f"The assessment will be reviewed by {review}." if review else "No review date yet."
        ),
    ]
    count = len(indicators.rows)
    if count:
        noun = "indicator" if count == 1 else "indicators"
        blocks.append(
            Paragraph(
                f"{count} {noun} will show whether the gaps close, each broken down by group "
                "where the data allow. The full statement's monitoring plan lists them."
            )
        )
    else:
        blocks.append(Paragraph("No indicators have been chosen yet."))
    return blocks
