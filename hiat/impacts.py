"""What the register keeps of one assessment: its impacts, groups and words, from its answers.

A pure function of the banks and the saved answers. The store calls it on every save, in
the same transaction, so the register's tables never fall out of step with the answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hiat import wizard
from hiat.questions import KIND_QUESTION, Banks, Principle

# Bump when entry() would give another answer for the same values: the store then
# rebuilds every assessment's entry when the app starts.
INDEX_VERSION = "2"

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
HARMFUL = frozenset({"negative", "major_negative"})


@dataclass(frozen=True, slots=True)
class Impact:
    """One screened-in principle's overall rating in one assessment."""

    principle: str  # principle id
    direction: str = ""  # a value of the bank's direction scale, "" if not rated yet
    gap: str = ""  # a value of the gap scale, "" if not rated yet
    actions: int = 0  # rows in the principle's action tables (steps 2 and 4)
    groups: tuple[str, ...] = ()  # the principle's step 1 groups; "own:<name>" for own-named

    @property
    def harmful(self) -> bool:
        """Negative (or major negative) for health, or widening the gap."""
        return self.direction in HARMFUL or self.gap == "widens"


@dataclass(frozen=True, slots=True)
class Entry:
    """The register's row for one assessment, derived from its answers."""

    place: str = ""  # place id, as in places.toml
    kind: str = ""  # kind of decision, a details_kind value
    decision_body: str = ""
    decision_date: str = ""  # ISO date or ""
    review_date: str = ""  # ISO date or ""
    summary: str = ""
    groups: tuple[str, ...] = ()  # the policy's groups (populations), own-named last
    impacts: tuple[Impact, ...] = ()
    text: str = ""  # the words of every answer, for full-text search


def entry(banks: Banks, values: Mapping[str, Any]) -> Entry:
    """The register entry for an assessment with these answers."""
    return Entry(
        place=_text(values.get("details_place")),
        kind=_text(values.get(KIND_QUESTION)),
        decision_body=_text(values.get("details_decision_body")),
        decision_date=_date(values.get(wizard.DECISION_DATE)),
        review_date=_date(values.get(wizard.REVIEW_QUESTION)),
        summary=_text(values.get("details_summary")),
        groups=wizard.offered_groups(banks, values) or (),
        impacts=tuple(_impact(banks, values, p) for p in wizard.selected_principles(banks, values)),
        text=search_text(banks, values),
    )


def _impact(banks: Banks, values: Mapping[str, Any], principle: Principle) -> Impact:
    rating: Any = next(
        (
            values.get(q.id)
            for q in banks.decision
            if q.principle == principle.id and q.type == "impact_rating"
        ),
        None,
    )
    rating = rating if isinstance(rating, Mapping) else {}
    actions = sum(
        len(value)
        for q in principle.questions
        if q.type == "action_table" and not q.retired
        for value in [values.get(q.id)]
        if isinstance(value, list)
    )
    groups: list[str] = []
    for q in principle.step_questions(1):
        chosen = values.get(q.id)
        if q.type == "groups" and isinstance(chosen, list):
            groups += [banks.same_group(str(g)) for g in chosen]
    return Impact(
        principle=principle.id,
        direction=_text(rating.get("direction")),
        gap=_text(rating.get("gap")),
        actions=actions,
        groups=tuple(dict.fromkeys(groups)),
    )


def search_text(banks: Banks, values: Mapping[str, Any]) -> str:
    """Every answer's words, one answer a line: free text, chosen labels and table cells."""
    lines: list[str] = []
    # An impact rating's parts take their words from the scales.
    scales = {o.value: o.label for options in banks.scales.values() for o in options}
    for qid, value in values.items():
        question = banks.questions.get(qid)
        labels = {o.value: o.label for o in question.options} if question else {}
        if question is not None and question.type == "impact_rating":
            labels = scales
        lines += [_words(item, labels) for item in _flat(value)]
    return "\n".join(line for line in lines if line)


def _flat(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return [item for v in value.values() for item in _flat(v)]
    if isinstance(value, list | tuple):
        return [item for v in value for item in _flat(v)]
    return [value]


def _words(item: Any, labels: Mapping[str, str]) -> str:
    if item is None or isinstance(item, bool):
        return ""
    text = str(item)
    return labels.get(text, text.removeprefix("own:")).strip()


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _date(value: Any) -> str:
    text = _text(value)
    return text if ISO_DAY.fullmatch(text) else ""
