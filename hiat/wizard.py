"""The route through an assessment: sections, pages, what comes next, and status.

Plain functions of the banks and the saved answers. Nothing here touches the
request or the database, so every rule can be tested on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from hiat.questions import (
    IMPACT_PARTS,
    KIND_QUESTION,
    OWN_GROUP,
    PRINCIPLES_QUESTION,
    SUMMARY_QUESTIONS,
    Banks,
    Principle,
    Question,
    Step,
)

NOT_STARTED, IN_PROGRESS, COMPLETED = "Not started", "In progress", "Completed"
REQUIRED_MESSAGES = {
    "text": "Enter an answer",
    "textarea": "Enter an answer",
    "intersections": "Enter an answer",
    "date": "Enter a date, for example 27 3 2027",
    "checkboxes": "Select at least one option",
    "groups": "Select at least one group",
}
DEFAULT_REQUIRED_MESSAGE = "Select an option"
# Fixed pages in the order they are asked; principle pages come between screening and impact.
FIXED_PAGE_TITLES = {
    "details": "Assessment details",
    "proportionality": "How much assessment does this decision need?",
    "path": "Rapid or full assessment?",
    "screening": "Which principles does the policy affect?",
    "populations": "Who the policy affects",
    "impact": "Overall impact ratings",
    "decision": "Recommendation and review date",
}
PROPORTIONALITY = (
    "screening_scale",
    "screening_people",
    "screening_reversible",
    "screening_evidence",
)
PATH_QUESTION = "screening_path"
# Asked for when the author chooses against the screening's suggestion.
PATH_REASON = "screening_path_reason"
# Asked for when screening leaves any of the eight Marmot principles out.
PRINCIPLE_COUNT = 8
LEFT_OUT_REASON = "screening_left_out_reason"
# How each proportionality answer reads in the suggestion, so it names every factor.
FACTOR_WORDS = {
    "screening_scale": {
        "small": "the decision is small",
        "medium": "the decision is medium-sized",
        "large": "the decision is large",
    },
    "screening_people": {
        "few": "it affects a few hundred people or fewer",
        "many": "it could affect thousands of people",
        "everyone": "it could affect most residents or a whole group",
    },
    "screening_reversible": {
        "easy": "it would be easy to undo",
        "hard": "it would be hard to undo",
        "very_hard": "it would be very hard to undo",
    },
    "screening_evidence": {
        "good": "a lot is known about its effect on health inequalities",
        "some": "something is known about its effect on health inequalities",
        "little": "very little is known about its effect on health inequalities",
    },
}


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    section_id: str
    title: str
    caption: str
    questions: tuple[Question, ...]
    step: int | None = None
    purpose: str = ""
    steps: tuple[Step, ...] = ()  # a rapid page asks questions of all four steps


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    pages: tuple[Page, ...]
    principle: Principle | None = None


def selected_principles(banks: Banks, values: Mapping[str, Any]) -> tuple[Principle, ...]:
    """Principles the screening kept in.

    Those ticked in screening_principles; in an assessment screened before that question,
    any answer to a principle's radios except one marked screens_out.
    """
    ticked = values.get(PRINCIPLES_QUESTION)
    if isinstance(ticked, list):
        return tuple(p for p in sorted(banks.principles, key=lambda p: p.number) if p.id in ticked)
    selected = []
    for question in banks.screening:
        if not question.screens or question.id not in values:
            continue
        chosen = values[question.id]
        if not any(o.value == chosen and o.screens_out for o in question.options):
            selected.append(banks.principle(question.screens))
    return tuple(sorted(selected, key=lambda p: p.number))


def sections(banks: Banks, values: Mapping[str, Any]) -> tuple[Section, ...]:
    """Every section the user should see, in order, for these answers."""
    principles = selected_principles(banks, values)
    chosen = {p.id for p in principles}
    rapid = values.get(PATH_QUESTION) == "rapid"
    kind = decision_kind(values)
    result = [
        _fixed_section(
            banks, "details", "Assessment details", banks.details, "Before you start", kind
        ),
        _fixed_section(
            banks,
            "screening",
            "Screening: how much assessment, and which principles?",
            banks.screening,
            "Screening",
            kind,
        ),
    ]
    result.append(
        _fixed_section(
            banks, "populations", "Who the policy affects", banks.populations, "Populations"
        )
    )
    offered = offered_groups(banks, values)
    result.extend(
        _principle_section(banks, principle, rapid, kind, values, offered)
        for principle in principles
    )
    impact = tuple(q for q in banks.decision if q.page == "impact" and q.principle in chosen)
    if impact:
        result.append(
            _fixed_section(banks, "impact", "Overall impact ratings", impact, "Impact", kind)
        )
    result.append(
        _fixed_section(
            banks, "decision", "Recommendation and review date", banks.decision, "Decision", kind
        )
    )
    return tuple(result)


def decision_kind(values: Mapping[str, Any]) -> str | None:
    """The kind of decision (a closure, a charge...), which picks each question's wording."""
    kind = values.get(KIND_QUESTION)
    return kind if isinstance(kind, str) else None


def _fixed_section(
    banks: Banks,
    section_id: str,
    title: str,
    questions,
    caption: str,
    kind: str | None = None,
) -> Section:
    """A section of the fixed files, one page per `page` key, in FIXED_PAGE_TITLES order."""
    pages = []
    for page_id, page_title in FIXED_PAGE_TITLES.items():
        on_page = _live(q.for_kind(kind) for q in questions if q.page == page_id)
        if on_page and _section_of(page_id) == section_id:
            pages.extend(split_page(banks, Page(page_id, section_id, page_title, caption, on_page)))
    return Section(section_id, title, tuple(pages))


def _section_of(page_id: str) -> str:
    return {"proportionality": "screening", "path": "screening"}.get(page_id, page_id)


def _principle_section(
    banks: Banks,
    principle: Principle,
    rapid: bool = False,
    kind: str | None = None,
    values: Mapping[str, Any] | None = None,
    offered: tuple[str, ...] | None = None,
) -> Section:
    """Four pages, one a step; a rapid assessment asks its few questions on one page.

    A question the rapid path skips is still asked there once it has an answer, so
    nothing saved disappears from view.
    """
    values = values or {}

    def asked(step_number: int) -> tuple[Question, ...]:
        return tuple(
            _offer(banks, q.for_kind(kind), offered, values)
            for q in principle.step_questions(step_number)
            if q.rapid or not rapid or q.id in values
        )

    if rapid:
        questions = tuple(q for step in banks.steps for q in asked(step.number))
        page = Page(
            id=f"{principle.id}-rapid",
            section_id=principle.id,
            title=f"Rapid assessment: {principle.short_label}",
            caption=principle.short_label,
            questions=questions,
            purpose="The four steps of the toolkit, with the questions a rapid assessment asks.",
            steps=banks.steps,
        )
        return Section(principle.id, principle.title, (page,), principle)
    pages = tuple(
        part
        for step in banks.steps
        for part in split_page(
            banks,
            Page(
                id=f"{principle.id}-step-{step.number}",
                section_id=principle.id,
                title=f"Step {step.number}: {step.title}",
                caption=principle.short_label,
                questions=asked(step.number),
                step=step.number,
                purpose=step.purpose,
            ),
        )
    )
    return Section(principle.id, principle.title, pages, principle)


# A page asks at most about this many form controls (boxes, options and buttons); a longer
# one is split into parts, keeping each follow-up with the question it follows.
CONTROL_LIMIT = 40


def controls(banks: Banks, question: Question) -> int:
    """How many form controls a question puts on its page, with one row of a table."""
    if question.type in ("radios", "checkboxes", "yes_no_unsure"):
        return len(question.options)
    if question.type == "groups":
        offered = question.offered
        return len(banks.offered_groups) if offered is None else len(offered) + 1
    if question.type == "impact_rating":
        return sum(len(banks.scales[part]) for part in IMPACT_PARTS)
    if question.type == "date":
        return 3
    if question.columns:
        return sum(3 if c.type == "date" else 1 for c in question.columns) + 2
    return 1


def split_page(banks: Banks, page: Page) -> tuple[Page, ...]:
    """The page as it is, or in parts of at most CONTROL_LIMIT controls each."""
    chunks: list[list[Question]] = []
    size = 0
    for question in page.questions:
        count = controls(banks, question)
        follows_last = chunks and question.follows in {q.id for q in chunks[-1]}
        if chunks and (follows_last or size + count <= CONTROL_LIMIT):
            chunks[-1].append(question)
            size += count
        else:
            chunks.append([question])
            size = count
    if len(chunks) <= 1:
        return (page,)
    return tuple(
        replace(
            page,
            id=page.id if n == 1 else f"{page.id}-part-{n}",
            title=f"{page.title}, part {n} of {len(chunks)}",
            questions=tuple(chunk),
            purpose=page.purpose if n == 1 else "",
        )
        for n, chunk in enumerate(chunks, 1)
    )


POPULATION_GROUPS = "populations_groups"
POPULATION_OWN = "populations_own_groups"


def own_group_names(values: Mapping[str, Any]) -> tuple[str, ...]:
    """The groups the assessor named in their own words, one a line, each once."""
    text = values.get(POPULATION_OWN)
    names: list[str] = []
    for line in str(text or "").splitlines():
        name = " ".join(line.split()).strip(" -*•")
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return tuple(names)


def offered_groups(banks: Banks, values: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The groups every principle offers: those chosen for the policy, then the own-named.

    None (every group) until the populations section has an answer.
    """
    chosen = values.get(POPULATION_GROUPS)
    chosen = [banks.same_group(str(g)) for g in chosen] if isinstance(chosen, list) else []
    own = [OWN_GROUP + name for name in own_group_names(values)]
    if not chosen and not own:
        return None
    offered = {g.id for g in banks.offered_groups}
    ordered = [g.id for g in banks.offered_groups if g.id in chosen]
    ordered += [g for g in chosen if g not in offered and g not in ordered]
    return tuple(ordered + own)


def _offer(banks: Banks, question: Question, offered: tuple[str, ...] | None, values) -> Question:
    """A principle's groups question offers the policy's groups, and any it already holds."""
    if question.type != "groups" or offered is None:
        return question
    held = values.get(question.id)
    held = [banks.same_group(str(g)) for g in held] if isinstance(held, list) else []
    extra = [g for g in dict.fromkeys(held) if g not in offered]
    return replace(question, offered=(*offered, *extra))


@dataclass(frozen=True, slots=True)
class Recommendation:
    path: str  # "rapid" or "full"
    reasons: tuple[str, ...]  # the answers that lead to this path, in words
    others: tuple[str, ...] = ()  # the answers that pointed the other way

    def sentence(self) -> str:
        """Every factor named, from the actual answers; it cannot contradict them."""
        kind = "a full" if self.path == "full" else "a rapid"
        text = f"We suggest {kind} assessment because {_join(self.reasons)}"
        if self.others:
            text += f", even though {_join(self.others)}"
        return text + "."


def _join(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def recommend_path(values: Mapping[str, Any]) -> Recommendation | None:
    """Rapid or full assessment, from the four proportionality answers, naming each of them.

    Full when the decision is large, could affect most residents or a whole group, would
    be very hard to undo, or when very little is known and more than a few people are
    affected. Otherwise rapid.
    """
    answers = [values.get(qid) for qid in PROPORTIONALITY]
    if not all(answers):
        return None
    scale, people, reversible, evidence = answers
    points_to_full = {
        "screening_scale": scale == "large",
        "screening_people": people == "everyone",
        "screening_reversible": reversible == "very_hard",
        "screening_evidence": evidence == "little" and people != "few",
    }
    words = {
        qid: FACTOR_WORDS[qid].get(str(value), str(value))
        for qid, value in zip(PROPORTIONALITY, answers, strict=True)
    }
    full = tuple(words[qid] for qid in PROPORTIONALITY if points_to_full[qid])
    if full:
        rest = tuple(words[qid] for qid in PROPORTIONALITY if not points_to_full[qid])
        return Recommendation("full", full, rest)
    return Recommendation("rapid", tuple(words[qid] for qid in PROPORTIONALITY))


def _live(questions) -> tuple[Question, ...]:
    return tuple(q for q in questions if not q.retired)


def find_section(all_sections: tuple[Section, ...], section_id: str) -> Section | None:
    return next((s for s in all_sections if s.id == section_id), None)


def find_page(all_sections: tuple[Section, ...], page_id: str) -> Page | None:
    return next((p for s in all_sections for p in s.pages if p.id == page_id), None)


def page_of(all_sections: tuple[Section, ...], question_id: str) -> Page | None:
    """The page that asks this question, if it is asked at all."""
    return next(
        (p for s in all_sections for p in s.pages if any(q.id == question_id for q in p.questions)),
        None,
    )


def next_page(all_sections: tuple[Section, ...], page: Page) -> Page | None:
    """The next page in the same section, or None when the section's pages are done."""
    section = find_section(all_sections, page.section_id)
    pages = section.pages if section else ()
    for current, following in zip(pages, pages[1:], strict=False):
        if current.id == page.id:
            return following
    return None


def next_section(all_sections: tuple[Section, ...], section_id: str) -> Section | None:
    ids = [s.id for s in all_sections]
    if section_id not in ids:
        return None
    index = ids.index(section_id)
    return all_sections[index + 1] if index + 1 < len(ids) else None


def section_status(section: Section, values: Mapping[str, Any], completed: frozenset[str]) -> str:
    if section.id in completed:
        return COMPLETED
    ids = {q.id for page in section.pages for q in page.questions}
    return IN_PROGRESS if ids & values.keys() else NOT_STARTED


def all_completed(all_sections: tuple[Section, ...], completed: frozenset[str]) -> bool:
    return all(s.id in completed for s in all_sections)


def missing_required(questions: tuple[Question, ...], values: Mapping[str, Any]) -> dict[str, str]:
    """Error messages for required questions left empty, by question id."""
    errors = {}
    for question in questions:
        if _is_blank(values.get(question.id)) and _is_required(question, values):
            errors[question.id] = required_message(question)
    return errors


def _is_required(question: Question, values: Mapping[str, Any]) -> bool:
    if question.id == PATH_REASON:
        return chose_against_suggestion(values)
    if question.id == LEFT_OUT_REASON:
        ticked = values.get(PRINCIPLES_QUESTION)
        return isinstance(ticked, list) and bool(ticked) and len(set(ticked)) < PRINCIPLE_COUNT
    condition = question.required_if
    if condition is not None:
        return values.get(condition.question) in condition.values
    return question.required


def chose_against_suggestion(values: Mapping[str, Any]) -> bool:
    """True when the author picked rapid or full against what the screening suggested."""
    suggestion = recommend_path(values)
    chosen = values.get(PATH_QUESTION)
    return suggestion is not None and chosen in ("rapid", "full") and chosen != suggestion.path


def required_message(question: Question) -> str:
    if question.required_message:
        return question.required_message
    return REQUIRED_MESSAGES.get(question.type, DEFAULT_REQUIRED_MESSAGE)


def _is_blank(value: Any) -> bool:
    return value in (None, "", [], {})


def is_answered(value: Any) -> bool:
    """False for no answer, and for a rating or other set of parts with every part empty."""
    if isinstance(value, Mapping):
        return any(value.values())
    return not _is_blank(value)


# The verb that starts an unanswered row's link on check answers, by question type.
PROMPT_VERBS = {
    "radios": "Select",
    "yes_no_unsure": "Select",
    "checkboxes": "Select",
    "groups": "Select",
    "impact_rating": "Rate",
    "action_table": "Add",
    "indicator_table": "Add",
}


def enter_prompt(question: Question) -> str:
    """What an unanswered row on check answers asks for: "Enter the name of the policy"."""
    if question.required_message:
        return question.required_message
    subject = question.statement or question.label
    if subject[1:2].islower():
        subject = subject[:1].lower() + subject[1:]
    return f"{PROMPT_VERBS.get(question.type, 'Enter')} {subject}"


def summary_fields(values: Mapping[str, Any], banks: Banks) -> dict[str, str]:
    """Title, organisation and place label for the assessments list."""
    summary = {key: str(values.get(qid) or "") for key, qid in SUMMARY_QUESTIONS.items()}
    places = {option.value: option.label for option in banks.places}
    summary["place"] = places.get(summary["place"], summary["place"])
    return summary


def retired_answers(banks: Banks, answers: Mapping[str, Any]) -> list[str]:
    """Ids of saved answers whose question is retired or no longer in the bank."""
    return sorted(
        qid for qid in answers if qid not in banks.questions or banks.questions[qid].retired
    )


STATUS_LABELS = {
    "draft": "Draft",
    "in_review": "In review",
    "approved": "Approved",
    "stopped": "Stopped",  # a review decided to stop the policy
}


REVIEW_WARNING = dt.timedelta(days=30)


def status_label(status: str, review_date: str | None, today: dt.date) -> str:
    """Draft, In review, Approved, Review due or Review overdue: worked out when read.

    An approved assessment's review is due from 30 days before its review date, and
    overdue the day after it.
    """
    if status == "approved" and review_date:
        try:
            due = dt.date.fromisoformat(review_date)
        except ValueError:
            due = None
        if due is not None and due < today:
            return "Review overdue"
        if due is not None and due <= today + REVIEW_WARNING:
            return "Review due"
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


HARMFUL_DIRECTIONS = frozenset({"negative", "major_negative"})


def harm_without_action(banks: Banks, values: Mapping[str, Any]) -> tuple[Principle, ...]:
    """Principles rated negative, or widening the gap, whose step 2 plans no action yet."""
    flagged = []
    for principle in selected_principles(banks, values):
        rating = next(
            (
                values.get(q.id)
                for q in banks.decision
                if q.principle == principle.id and q.type == "impact_rating"
            ),
            None,
        )
        if not isinstance(rating, Mapping):
            continue
        harmful = rating.get("direction") in HARMFUL_DIRECTIONS or rating.get("gap") == "widens"
        actions = any(
            values.get(q.id) for q in principle.step_questions(2) if q.type == "action_table"
        )
        if harmful and not actions:
            flagged.append(principle)
    return tuple(flagged)


REVIEW_QUESTION = "decision_review_date"
DECISION_DATE = "details_decision_date"
ORGANISATION_QUESTION = "details_organisation"


def inferred(
    banks: Banks,
    values: Mapping[str, Any],
    questions: tuple[Question, ...],
    organisation: str,
    today: dt.date,
) -> dict[str, Any]:
    """Answers the tool can suggest for this page's unanswered questions; the user can change them.

    The user's organisation; the path the screening suggests; the principles an assessment
    screened before the checkboxes question kept in; a review a year after the decision.
    Nothing is saved until the user saves the page.
    """
    suggestions: dict[str, Any] = {}
    ids = {q.id for q in questions}
    if ORGANISATION_QUESTION in ids and organisation:
        suggestions[ORGANISATION_QUESTION] = organisation
    suggestion = recommend_path(values)
    if PATH_QUESTION in ids and suggestion is not None:
        suggestions[PATH_QUESTION] = suggestion.path
    if PRINCIPLES_QUESTION in ids:
        kept = [p.id for p in selected_principles(banks, values)]
        if kept:
            suggestions[PRINCIPLES_QUESTION] = kept
    if REVIEW_QUESTION in ids:
        suggestions[REVIEW_QUESTION] = _a_year_after(values.get(DECISION_DATE), today)
    return {qid: value for qid, value in suggestions.items() if _is_blank(values.get(qid))}


def _a_year_after(decision_date: Any, today: dt.date) -> str:
    try:
        start = max(dt.date.fromisoformat(str(decision_date)), today)
    except ValueError:
        start = today
    try:
        return start.replace(year=start.year + 1).isoformat()
    except ValueError:  # 29 February
        return (start.replace(day=28, year=start.year + 1)).isoformat()
