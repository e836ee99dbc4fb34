"""Reviews of a signed revision: what was predicted, what happened, and what happens next.

Pure functions of the banks, the assessment as signed and the review's own answers. A
review keeps its words (principle titles, scale labels) as it was written, so it reads
the same in the next statement after the banks change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hiat import dates, tracking, wizard
from hiat.questions import Banks, Principle
from hiat.store import Assessment

CONTINUE, CHANGES, STOP = "continue", "changes", "stop"
OUTCOMES = {
    CONTINUE: "Continue unchanged",
    CHANGES: "Continue with changes",
    STOP: "Stop the policy",
}
OUTCOME_HINTS = {
    CONTINUE: "The assessment stays approved with a new review date.",
    CHANGES: "A new revision starts as a draft, filled in with what this review found.",
    STOP: "The assessment is marked as stopped. Nothing is deleted.",
}
ACTIONS_DONE = {
    "all": "Yes, all of them",
    "most": "Most of them",
    "some": "Some of them",
    "none": "None of them",
    "no_actions": "There were no actions to do",
}
TEXT_LIMIT = 5000
NOT_RATED = "Not rated"


@dataclass(frozen=True, slots=True)
class Prediction:
    """What the signed revision said a principle's impact would be."""

    principle: str  # principle id
    title: str
    direction: str  # the scale's label, "Not rated" when it was not rated
    gap: str


@dataclass(frozen=True, slots=True)
class Finding:
    """For one principle: what was predicted and what happened."""

    principle: str
    title: str
    predicted_direction: str  # labels, as signed
    predicted_gap: str
    direction: str = ""  # a value of the direction scale, "" while not answered
    gap: str = ""  # a value of the gap scale
    direction_label: str = ""
    gap_label: str = ""
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class Review:
    """One review of one signed revision: a draft until an approver signs it."""

    number: int  # the review's number within its assessment, from 1
    revision: int  # the revision it reviews
    findings: tuple[Finding, ...] = ()
    actions: Mapping[str, int] = field(default_factory=dict)  # tracking.counts, at the time
    actions_done: str = ""  # a key of ACTIONS_DONE
    actions_note: str = ""
    lessons: str = ""
    outcome: str = ""  # a key of OUTCOMES
    next_review_date: str = ""  # as typed while a draft; ISO once signed
    drafted_by: str = ""
    drafted_at: str = ""
    editors: tuple[int, ...] = ()  # user ids of everyone who saved it
    signed_name: str = ""
    signed_job_title: str = ""
    attestation: str = ""
    signed_at: str = ""

    @property
    def signed(self) -> bool:
        return bool(self.signed_at)

    @property
    def outcome_label(self) -> str:
        return OUTCOMES.get(self.outcome, "Not chosen yet")

    @property
    def next_review_words(self) -> str:
        """The next review date as people read it ("3 December 2027"), typed or signed."""
        day = dates.parse_date(self.next_review_date) if self.next_review_date else None
        return dates.day_text(day) if day else self.next_review_date

    @property
    def actions_done_label(self) -> str:
        return ACTIONS_DONE.get(self.actions_done, "Not answered")


def predictions(banks: Banks, signed: Assessment) -> tuple[Prediction, ...]:
    """Each assessed principle's rating as signed, in words."""
    values = signed.values()
    scales = {name: _labels(banks, name) for name in ("direction", "gap")}
    found = []
    for principle in wizard.selected_principles(banks, values):
        rating = _rating(banks, values, principle)
        found.append(
            Prediction(
                principle.id,
                principle.title,
                _word(scales["direction"], rating.get("direction")),
                _word(scales["gap"], rating.get("gap")),
            )
        )
    return tuple(found)


def _labels(banks: Banks, scale: str) -> dict[str, str]:
    return {o.value: o.label for o in banks.scales.get(scale, ())}


def _rating(banks: Banks, values: Mapping[str, Any], principle: Principle) -> Mapping[str, Any]:
    question = impact_question(banks, principle.id)
    rating = values.get(question) if question else None
    return rating if isinstance(rating, Mapping) else {}


def impact_question(banks: Banks, principle_id: str) -> str | None:
    """The id of the decision question that rates this principle's overall impact."""
    return next(
        (
            q.id
            for q in banks.decision
            if q.principle == principle_id and q.type == "impact_rating" and not q.retired
        ),
        None,
    )


def _word(labels: Mapping[str, str], value: Any) -> str:
    return labels.get(value, NOT_RATED) if isinstance(value, str) and value else NOT_RATED


def findings(
    banks: Banks, predicted: Iterable[Prediction], answers: Mapping[str, Mapping[str, str]]
) -> tuple[Finding, ...]:
    """The review's findings: each prediction with what the reviewer says happened.

    `answers` maps a principle id to its {"direction", "gap", "evidence"} as given.
    """
    direction, gap = _labels(banks, "direction"), _labels(banks, "gap")
    found = []
    for p in predicted:
        given = answers.get(p.principle, {})
        chosen_direction = given.get("direction", "") if given.get("direction") in direction else ""
        chosen_gap = given.get("gap", "") if given.get("gap") in gap else ""
        found.append(
            Finding(
                p.principle,
                p.title,
                p.direction,
                p.gap,
                chosen_direction,
                chosen_gap,
                direction.get(chosen_direction, ""),
                gap.get(chosen_gap, ""),
                given.get("evidence", "").strip(),
            )
        )
    return tuple(found)


def action_counts(actions: Iterable[tracking.Action], today: dt.date) -> dict[str, dict[str, int]]:
    """How the signed actions stand, overall ("") and per principle id."""
    actions = tuple(actions)
    by_principle: dict[str, list[tracking.Action]] = {"": list(actions)}
    for action in actions:
        by_principle.setdefault(action.principle, []).append(action)
    return {key: tracking.counts(group, today) for key, group in by_principle.items()}


def actions_sentence(counts: Mapping[str, int]) -> str:
    """'5 actions: 2 done, 1 on track, 2 not started; 1 overdue.' in words."""
    total = sum(counts.get(status, 0) for status in tracking.STATUSES)
    if not total:
        return "The signed revision planned no actions."
    parts = [
        f"{counts[status]} {label.lower()}"
        for status, label in tracking.STATUSES.items()
        if counts.get(status)
    ]
    overdue = counts.get("overdue", 0)
    tail = f"; {overdue} overdue" if overdue else ""
    noun = "action" if total == 1 else "actions"
    return f"{total} {noun}: {', '.join(parts)}{tail}."


# ---------------------------------------------------------------- is it complete?
def field_name(principle_id: str, part: str) -> str:
    """The form field of one part of one principle's finding."""
    return f"finding_{principle_id}_{part}"


def problems(review: Review, today: dt.date) -> dict[str, str]:
    """What is missing or wrong before the review can be signed: field name to message."""
    found: dict[str, str] = {}
    for f in review.findings:
        if not f.direction:
            found[field_name(f.principle, "direction")] = (
                f"Select what happened to the impact on “{f.title}”"
            )
        if not f.gap:
            found[field_name(f.principle, "gap")] = (
                f"Select what happened to the gap for “{f.title}”"
            )
        if not f.evidence:
            found[field_name(f.principle, "evidence")] = (
                f"Say what evidence shows what happened for “{f.title}”, "
                "for example the monitoring readings"
            )
    if review.actions_done not in ACTIONS_DONE:
        found["actions_done"] = "Select whether the planned actions were done"
    if review.outcome not in OUTCOMES:
        found["outcome"] = "Select what should happen to the policy now"
    if not review.lessons.strip():
        found["lessons"] = "Say what the review found and what you have learnt"
    if review.outcome == CONTINUE:
        message = next_date_problem(review.next_review_date, today)
        if message:
            found["next_review_date"] = message
    return found


def next_date_problem(typed: str, today: dt.date) -> str | None:
    if not typed.strip():
        return "Enter the date of the next review, for example 30 6 2027"
    day = dates.parse_date(typed)
    if day is None:
        return "Enter the date of the next review as a real date, for example 30 6 2027"
    if day <= today:
        return "The date of the next review must be in the future"
    return None


# ---------------------------------------------------------------- the next revision's start
def prefill(banks: Banks, values: Mapping[str, Any], review: Review) -> dict[str, Any]:
    """Answers for the new revision: each rating as the review found it, and why.

    The rating's direction and gap become what happened; its size and confidence stay,
    for the author to check. The review's evidence goes before the earlier reason, and
    what was learnt before the reasons for the recommendation. Nothing else changes.
    """
    answers: dict[str, Any] = {}
    for f in review.findings:
        question = impact_question(banks, f.principle)
        if question is None:
            continue
        earlier = values.get(question)
        rating = dict(earlier) if isinstance(earlier, Mapping) else {}
        rating.update({k: v for k, v in (("direction", f.direction), ("gap", f.gap)) if v})
        answers[question] = rating
        reason = f"{question}_reason"
        if reason in banks.questions:
            found = f"{f.direction_label or NOT_RATED}; {(f.gap_label or NOT_RATED).lower()}"
            answers[reason] = _before(
                f"The review of revision {review.revision} found: {found}. {f.evidence}",
                values.get(reason),
            )
    if "decision_reasons" in banks.questions:
        answers["decision_reasons"] = _before(
            f"What the review of revision {review.revision} found: {review.lessons.strip()}",
            values.get("decision_reasons"),
        )
    return answers


def _before(new: str, old: Any) -> str:
    earlier = old.strip() if isinstance(old, str) else ""
    return f"{new.strip()}\n\nEarlier: {earlier}" if earlier else new.strip()


# ---------------------------------------------------------------- as a record, and in the statement
def to_record(review: Review) -> dict[str, Any]:
    """The review as plain JSON-ready values (for the next revision's sign-off snapshot)."""
    return {
        "number": review.number,
        "revision": review.revision,
        "findings": [
            {
                "principle": f.principle,
                "title": f.title,
                "predicted_direction": f.predicted_direction,
                "predicted_gap": f.predicted_gap,
                "direction": f.direction,
                "gap": f.gap,
                "direction_label": f.direction_label,
                "gap_label": f.gap_label,
                "evidence": f.evidence,
            }
            for f in review.findings
        ],
        "actions": dict(review.actions),
        "actions_done": review.actions_done,
        "actions_note": review.actions_note,
        "lessons": review.lessons,
        "outcome": review.outcome,
        "next_review_date": review.next_review_date,
        "signed_name": review.signed_name,
        "signed_job_title": review.signed_job_title,
        "attestation": review.attestation,
        "signed_at": review.signed_at,
    }


def from_record(record: Mapping[str, Any]) -> Review:
    """A review from to_record's values; anything missing reads as not given."""
    known = set(Finding.__dataclass_fields__)
    return Review(
        number=int(record.get("number") or 0),
        revision=int(record.get("revision") or 0),
        findings=tuple(
            Finding(**{k: str(v) for k, v in f.items() if k in known})
            for f in record.get("findings") or ()
            if isinstance(f, Mapping)
        ),
        actions={k: int(v) for k, v in (record.get("actions") or {}).items()},
        actions_done=str(record.get("actions_done") or ""),
        actions_note=str(record.get("actions_note") or ""),
        lessons=str(record.get("lessons") or ""),
        outcome=str(record.get("outcome") or ""),
        next_review_date=str(record.get("next_review_date") or ""),
        signed_name=str(record.get("signed_name") or ""),
        signed_job_title=str(record.get("signed_job_title") or ""),
        attestation=str(record.get("attestation") or ""),
        signed_at=str(record.get("signed_at") or ""),
    )


UPDATE_HEADING = "Update on the previous assessment"
UPDATE_HEADERS = ("Marmot principle", "Predicted", "What happened", "Evidence")


def update_rows(review: Review) -> tuple[tuple[str, ...], ...]:
    """Predicted against what happened, one row per principle, in words."""
    return tuple(
        (
            f.title,
            f"{f.predicted_direction}; {f.predicted_gap.lower()}",
            f"{f.direction_label or NOT_RATED}; {(f.gap_label or NOT_RATED).lower()}",
            f.evidence,
        )
        for f in review.findings
    )


def signed_sentence(review: Review) -> str:
    job = f", {review.signed_job_title.strip()}" if review.signed_job_title.strip() else ""
    return (
        f"Review of revision {review.revision} signed by {review.signed_name.strip()}{job}, "
        f"on {dates.local_date(review.signed_at)}."
    )
