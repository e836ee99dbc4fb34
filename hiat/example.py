"""The worked example: a complete assessment shipped as data in questions/worked_example/.

It is checked against the banks at start-up, like the banks themselves, so a broken
example stops the app with a message naming the file and question. It can be read
as a statement, shown beside each question, and copied into a new assessment.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hiat.forms import option_labels
from hiat.questions import IMPACT_PARTS, OWN_GROUP, BankError, Banks, Question
from hiat.store import Answer, Assessment, NewAnswer
from hiat.wizard import sections

FOLDER = "worked_example"
EXAMPLE_UID = "worked-example"


@dataclass(frozen=True, slots=True)
class WorkedExample:
    title: str
    summary: str
    answers: Mapping[str, Any]

    def new_answers(self, banks: Banks) -> list[NewAnswer]:
        """The example's answers, ready to save into a new assessment."""
        return labelled_answers(banks, self.answers)

    def assessment(self, banks: Banks) -> Assessment:
        """The example as a read-only assessment, for its statement and per-question text."""
        finished = frozenset(s.id for s in sections(banks, self.answers))
        return unsaved_assessment(
            banks, self.answers, uid=EXAMPLE_UID, title=self.title, completed=finished
        )


def labelled_answers(banks: Banks, values: Mapping[str, Any]) -> list[NewAnswer]:
    """Answers ready to save, each with its question's label and the option labels it uses."""
    return [
        NewAnswer(
            qid,
            value,
            banks.questions[qid].label,
            option_labels(banks.questions[qid], banks, value),
        )
        for qid, value in values.items()
    ]


def unsaved_assessment(
    banks: Banks,
    values: Mapping[str, Any],
    *,
    uid: str,
    title: str,
    completed: frozenset[str] = frozenset(),
) -> Assessment:
    """An assessment held in memory, never saved, its answers labelled from the bank."""
    answers = {
        qid: Answer(
            qid,
            value,
            banks.questions[qid].label,
            MappingProxyType(option_labels(banks.questions[qid], banks, value)),
            "",
        )
        for qid, value in values.items()
    }
    return Assessment(
        id=0,
        uid=uid,
        title=title,
        organisation="",
        place="",
        status="draft",
        bank_version=banks.version,
        created_at="",
        updated_at="",
        answers=MappingProxyType(answers),
        completed_sections=completed,
    )


def load_example(directory: str | Path, banks: Banks) -> WorkedExample | None:
    """Read and check every file in questions/worked_example/; None if there is none."""
    folder = Path(directory) / FOLDER
    if not folder.is_dir():
        return None
    problems: list[str] = []
    meta: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    for path in sorted(folder.glob("*.toml")):
        where = f"{Path(directory).name}/{FOLDER}/{path.name}"
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as err:
            problems.append(f"{where}: is not valid TOML: {err}")
            continue
        meta.update(data.get("example", {}))
        for qid, value in data.get("answers", {}).items():
            if qid in answers:
                problems.append(f"{where}: question '{qid}': answered twice in the example")
            problem = check_value(banks, qid, value)
            if problem:
                problems.append(f"{where}: question '{qid}': {problem}")
            answers[qid] = value
    if not meta.get("title"):
        problems.append(f"{Path(directory).name}/{FOLDER}/: needs an [example] table with a title")
    if problems:
        raise BankError(problems)
    return WorkedExample(
        str(meta["title"]), str(meta.get("summary", "")), MappingProxyType(answers)
    )


def check_value(banks: Banks, question_id: str, value: Any) -> str | None:
    """Why a value cannot be an answer to this question, or None if it can."""
    question = banks.questions.get(question_id)
    if question is None:
        return "is not a question in the bank"
    return CHECKS[question.type](banks, question, value)


def _text(banks: Banks, question: Question, value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "needs some text"


def _choice(banks: Banks, question: Question, value: Any) -> str | None:
    allowed = {o.value for o in question.options}
    # Only strings are compared: a list or table from an imported file cannot be hashed.
    if isinstance(value, str) and value in allowed:
        return None
    given = f"'{value[:100]}'" if isinstance(value, str) else "the value given"
    return f"{given} is not one of {', '.join(sorted(allowed))}"


def _choices(allowed: set[str]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not isinstance(value, list) or not value:
            return "needs a list of values"
        unknown = [v for v in value if not isinstance(v, str) or v not in allowed]
        return f"unknown values: {', '.join(map(str, unknown))}" if unknown else None

    return check


def _checkboxes(banks: Banks, question: Question, value: Any) -> str | None:
    return _choices({o.value for o in question.options})(value)


def _groups(banks: Banks, question: Question, value: Any) -> str | None:
    """Groups offered by the bank, or named in the example's own words ("own:...")."""
    own = (
        {v for v in value if isinstance(v, str) and v.startswith(OWN_GROUP)}
        if isinstance(value, list)
        else set()
    )
    return _choices({g.id for g in banks.offered_groups} | own)(value)


def _date(banks: Banks, question: Question, value: Any) -> str | None:
    return None if _is_date(value) else "needs a date written YYYY-MM-DD"


def _is_date(value: Any) -> bool:
    try:
        dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return len(value) == 10


def _impact(banks: Banks, question: Question, value: Any) -> str | None:
    if not isinstance(value, dict) or not set(value) <= set(IMPACT_PARTS):
        return f"needs a table with some of {', '.join(IMPACT_PARTS)}"
    for part, chosen in value.items():
        # A part left empty ("") is how a partly rated impact is saved and exported.
        if chosen and chosen not in {o.value for o in banks.scales[part]}:
            return f"{part} '{chosen}' is not on the {part} scale"
    return None


def _rows(banks: Banks, question: Question, value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        return "needs a list of rows"
    columns = {c.id: c for c in question.columns}
    catalogue = {i.id for i in banks.indicators}
    for row in value:
        for key, cell in row.items():
            column = columns.get(key)
            if column is None:
                return f"'{key}' is not a column; use {', '.join(columns)}"
            if column.type == "date" and cell and not _is_date(cell):
                return f"{key} needs a date written YYYY-MM-DD"
            if column.type == "indicator" and cell and cell not in catalogue:
                return f"indicator '{cell}' is not in indicators.toml"
            scale = {o.value for o in banks.scales.get(column.scale, ())}
            if column.type == "scale" and cell and cell not in scale:
                return f"{key} '{cell}' is not on the {column.scale} scale"
    return None


CHECKS: Mapping[str, Callable[[Banks, Question, Any], str | None]] = {
    "text": _text,
    "textarea": _text,
    "intersections": _text,
    "radios": _choice,
    "yes_no_unsure": _choice,
    "checkboxes": _checkboxes,
    "groups": _groups,
    "date": _date,
    "impact_rating": _impact,
    "action_table": _rows,
    "indicator_table": _rows,
    "evidence_table": _rows,
    "determinant_table": _rows,
}
