"""After sign-off: the actions of a signed revision and how each is going.

Pure functions of the banks, the signed assessment and the recorded updates. The actions
are the rows of the action tables as signed; their progress is kept apart, so recording
it never changes what was signed and needs no new revision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hiat import wizard
from hiat.questions import Banks
from hiat.store import ActionUpdate as Update
from hiat.store import Assessment

NOT_STARTED, ON_TRACK, AT_RISK, DONE, DROPPED = (
    "not_started",
    "on_track",
    "at_risk",
    "done",
    "dropped",
)
STATUSES = {
    NOT_STARTED: "Not started",
    ON_TRACK: "On track",
    AT_RISK: "At risk",
    DONE: "Done",
    DROPPED: "Dropped",
}
CLOSED = frozenset({DONE, DROPPED})
STEP_WORDS = {2: "Step 2: address the causes", 4: "Step 4: wider effects"}


@dataclass(frozen=True, slots=True)
class Action:
    """One row of an action table in a signed revision, with how it stands now."""

    question_id: str
    row: int  # the row's place in its table, from 0, as signed
    principle: str  # principle id
    principle_title: str
    step: int
    cause: str
    action: str
    owner: str
    timescale: str
    updates: tuple[Update, ...] = ()  # oldest first

    @property
    def current(self) -> Update | None:
        return self.updates[-1] if self.updates else None

    @property
    def status(self) -> str:
        return self.current.status if self.current else NOT_STARTED

    @property
    def due_date(self) -> str:
        return self.current.due_date if self.current else ""

    def overdue(self, today: dt.date) -> bool:
        return (
            bool(self.due_date) and self.status not in CLOSED and self.due_date < today.isoformat()
        )


def signed_actions(
    banks: Banks,
    signed: Assessment,
    updates: Mapping[tuple[str, int], Sequence[Update]] | None = None,
) -> tuple[Action, ...]:
    """Every action of the signed assessment, in principle order, with its updates."""
    values = signed.values()
    updates = updates or {}
    actions = []
    for principle in wizard.selected_principles(banks, values):
        for question in principle.questions:
            rows = values.get(question.id)
            if question.type != "action_table" or not isinstance(rows, list):
                continue
            for number, row in enumerate(rows):
                if not isinstance(row, Mapping):
                    continue
                actions.append(
                    Action(
                        question_id=question.id,
                        row=number,
                        principle=principle.id,
                        principle_title=principle.title,
                        step=question.step or 0,
                        cause=_text(row.get("cause")),
                        action=_text(row.get("action")),
                        owner=_text(row.get("owner")),
                        timescale=_text(row.get("timescale")),
                        updates=tuple(updates.get((question.id, number), ())),
                    )
                )
    return tuple(actions)


def find(actions: Iterable[Action], question_id: str, row: int) -> Action | None:
    return next((a for a in actions if a.question_id == question_id and a.row == row), None)


def counts(actions: Iterable[Action], today: dt.date) -> dict[str, int]:
    """How many actions stand at each status, and how many are overdue."""
    found = {status: 0 for status in STATUSES}
    overdue = 0
    for action in actions:
        found[action.status] = found.get(action.status, 0) + 1
        overdue += action.overdue(today)
    return {**found, "overdue": overdue}


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""
