"""The route through an assessment: sections, pages, what comes next, and status.

Plain functions of the banks and the saved answers. Nothing here touches the
request or the database, so every rule can be tested on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hiat.questions import SUMMARY_QUESTIONS, Banks, Principle, Question

NOT_STARTED, IN_PROGRESS, COMPLETED = "Not started", "In progress", "Completed"
REQUIRED_MESSAGES = {
    "text": "Enter an answer",
    "textarea": "Enter an answer",
    "date": "Enter a date, for example 27 3 2027",
    "checkboxes": "Select at least one option",
    "groups": "Select at least one group",
}
DEFAULT_REQUIRED_MESSAGE = "Select an option"


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
    result = [
        Section(
            "details",
            "Assessment details",
            (
                Page(
                    "details",
                    "details",
                    "Assessment details",
                    "Before you start",
                    _live(banks.details),
                ),
            ),
        ),
        Section(
            "screening",
            "Screening: which principles does the policy affect?",
            (
                Page(
                    "screening",
                    "screening",
                    "Which principles does the policy affect?",
                    "Screening",
                    _live(banks.screening),
                ),
            ),
        ),
    ]
    principles = selected_principles(banks, values)
    for principle in principles:
        result.append(_principle_section(banks, principle))
    chosen = {p.id for p in principles}
    impact = _live(q for q in banks.decision if q.principle in chosen)
    if impact:
        result.append(
            Section(
                "impact",
                "Overall impact ratings",
                (Page("impact", "impact", "Overall impact ratings", "Impact", impact),),
            )
        )
    decision = _live(q for q in banks.decision if not q.principle)
    result.append(
        Section(
            "decision",
            "Recommendation and review date",
            (Page("decision", "decision", "Recommendation and review date", "Decision", decision),),
        )
    )
    return tuple(result)


def _principle_section(banks: Banks, principle: Principle) -> Section:
    pages = tuple(
        Page(
            id=f"{principle.id}-step-{step.number}",
            section_id=principle.id,
            title=f"Step {step.number}: {step.title}",
            caption=principle.short_label,
            questions=principle.step_questions(step.number),
            step=step.number,
            purpose=step.purpose,
        )
        for step in banks.steps
    )
    return Section(principle.id, principle.title, pages, principle)


def _live(questions) -> tuple[Question, ...]:
    return tuple(q for q in questions if not q.retired)


def find_section(all_sections: tuple[Section, ...], section_id: str) -> Section | None:
    return next((s for s in all_sections if s.id == section_id), None)


def find_page(all_sections: tuple[Section, ...], page_id: str) -> Page | None:
    return next((p for s in all_sections for p in s.pages if p.id == page_id), None)


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
    condition = question.required_if
    if condition is not None:
        return values.get(condition.question) in condition.values
    return question.required


def required_message(question: Question) -> str:
    if question.required_message:
        return question.required_message
    return REQUIRED_MESSAGES.get(question.type, DEFAULT_REQUIRED_MESSAGE)


def _is_blank(value: Any) -> bool:
    return value in (None, "", [], {})


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
