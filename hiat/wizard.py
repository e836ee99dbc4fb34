"""The route through an assessment: sections, pages, what comes next, and status.

Plain functions of the banks and the saved answers. Nothing here touches the
request or the database, so every rule can be tested on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hiat.questions import KIND_QUESTION, SUMMARY_QUESTIONS, Banks, Principle, Question

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


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    pages: tuple[Page, ...]
    principle: Principle | None = None


def selected_principles(banks: Banks, values: Mapping[str, Any]) -> tuple[Principle, ...]:
    """Principles the screening kept in: any answer except one marked screens_out."""
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
        _fixed_section("details", "Assessment details", banks.details, "Before you start", kind),
        _fixed_section(
            "screening",
            "Screening: how much assessment, and which principles?",
            banks.screening,
            "Screening",
            kind,
        ),
    ]
    result.extend(_principle_section(banks, principle, rapid, kind) for principle in principles)
    impact = tuple(q for q in banks.decision if q.page == "impact" and q.principle in chosen)
    if impact:
        result.append(_fixed_section("impact", "Overall impact ratings", impact, "Impact", kind))
    result.append(
        _fixed_section(
            "decision", "Recommendation and review date", banks.decision, "Decision", kind
        )
    )
    return tuple(result)


def decision_kind(values: Mapping[str, Any]) -> str | None:
    """The kind of decision (a closure, a charge...), which picks each question's wording."""
    kind = values.get(KIND_QUESTION)
    return kind if isinstance(kind, str) else None


def _fixed_section(
    section_id: str, title: str, questions, caption: str, kind: str | None = None
) -> Section:
    """A section of the fixed files, one page per `page` key, in FIXED_PAGE_TITLES order."""
    pages = []
    for page_id, page_title in FIXED_PAGE_TITLES.items():
        on_page = _live(q.for_kind(kind) for q in questions if q.page == page_id)
        if on_page and _section_of(page_id) == section_id:
            pages.append(Page(page_id, section_id, page_title, caption, on_page))
    return Section(section_id, title, tuple(pages))


def _section_of(page_id: str) -> str:
    return {"proportionality": "screening", "path": "screening"}.get(page_id, page_id)


def _principle_section(
    banks: Banks, principle: Principle, rapid: bool = False, kind: str | None = None
) -> Section:
    pages = tuple(
        Page(
            id=f"{principle.id}-step-{step.number}",
            section_id=principle.id,
            title=f"Step {step.number}: {step.title}",
            caption=principle.short_label,
            questions=tuple(
                q.for_kind(kind)
                for q in principle.step_questions(step.number)
                if q.rapid or not rapid
            ),
            step=step.number,
            purpose=step.purpose,
        )
        for step in banks.steps
    )
    return Section(principle.id, principle.title, pages, principle)


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


STATUS_LABELS = {"draft": "Draft", "in_review": "In review", "approved": "Approved"}


def status_label(status: str, review_date: str | None, today: dt.date) -> str:
    """Draft, In review, Approved, or Review due: computed when read, never stored."""
    if status == "approved" and review_date:
        try:
            if dt.date.fromisoformat(review_date) <= today:
                return "Review due"
        except ValueError:
            pass
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
