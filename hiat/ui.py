"""Template helpers: turn bank objects and saved answers into GOV.UK macro parameters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, url_for

from hiat import dates, wizard
from hiat.questions import OWN_DIMENSION, Banks, Option, Question
from hiat.statement import cell_text, date_text, guidance_html
from hiat.store import Answer

ROW_NOUNS = {
    "action_table": "Action",
    "indicator_table": "Indicator",
    "evidence_table": "Finding",
    "determinant_table": "Determinant",
}


def option_items(options: Iterable[Option], chosen: Iterable[Any]) -> list[dict[str, Any]]:
    chosen_values = {value for value in chosen if value}
    items = []
    for option in options:
        item: dict[str, Any] = {
            "value": option.value,
            "text": option.label,
            "checked": option.value in chosen_values,
        }
        if option.hint:
            item["hint"] = {"text": option.hint}
        items.append(item)
    return items


def date_items(field: Any, day: str, month: str, year: str) -> list[dict[str, Any]]:
    """Day, month and year boxes that post under the field's own name."""
    error = " govuk-input--error" if field.errors else ""
    return [
        {
            "id": f"{field.id}-day",
            "name": field.name,
            "label": "Day",
            "value": day,
            "classes": f"govuk-input--width-2{error}",
        },
        {
            "id": f"{field.id}-month",
            "name": field.name,
            "label": "Month",
            "value": month,
            "classes": f"govuk-input--width-2{error}",
        },
        {
            "id": f"{field.id}-year",
            "name": field.name,
            "label": "Year",
            "value": year,
            "classes": f"govuk-input--width-4{error}",
        },
    ]


def select_items(field: Any) -> list[dict[str, Any]]:
    return [
        {"value": value, "text": label, "selected": selected}
        for value, label, selected, _ in field.iter_choices()
    ]


def radio_items(field: Any) -> list[dict[str, Any]]:
    return [
        {"value": value, "text": label, "checked": selected}
        for value, label, selected, _ in field.iter_choices()
    ]


def row_noun(question: Question) -> str:
    return ROW_NOUNS.get(question.type, "Row")


def column_hint(question: Question, column_id: str) -> str:
    return next((c.hint for c in question.columns if c.id == column_id), "")


@dataclass(frozen=True, slots=True)
class GroupBlock:
    """The groups a checkbox question offers under one heading."""

    id: str
    label: str
    items: tuple[tuple[str, str, str], ...]  # value, label, the end of the box's id


def group_blocks(field: Any, banks: Banks) -> list[GroupBlock]:
    """A groups field's choices under their dimensions, then the assessor's own groups."""
    dimension_of = {group.id: group.dimension for group in banks.groups}
    choices = [(str(value), str(label)) for value, label, *_ in field.iter_choices()]
    blocks = []
    for dimension in banks.dimensions:
        items = tuple(
            (value, label, value)
            for value, label in choices
            if dimension_of.get(value) == dimension.value
        )
        if items:
            blocks.append(GroupBlock(dimension.value, dimension.label, items))
    rest = [(value, label) for value, label in choices if value not in dimension_of]
    if rest:
        items = tuple((value, label, f"own-{n}") for n, (value, label) in enumerate(rest, 1))
        blocks.append(GroupBlock("assessor", OWN_DIMENSION, items))
    return blocks


def column_type(question: Question, column_id: str) -> str:
    return next((c.type for c in question.columns if c.id == column_id), "")


@dataclass(frozen=True, slots=True)
class ShownAnswer:
    """An answer ready for a summary list: plain strings, escaped by Jinja."""

    kind: str  # "text", "list", "pairs" or "rows"
    text: str = ""
    items: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()

    def one_line(self) -> str:
        if self.kind == "rows":
            return "; ".join(", ".join(cell for cell in row if cell) for row in self.rows)
        return self.text or ", ".join(self.items)


def shown_answer(answer: Answer | None) -> ShownAnswer:
    """Describe a saved answer by the shape of its value, using its saved labels."""
    if answer is None:
        return ShownAnswer("text", "Not answered")
    value, labels = answer.value, answer.option_labels
    if isinstance(value, list) and value and isinstance(value[0], dict):
        present = set().union(*value)
        columns = [c for c in labels if c in present]
        return ShownAnswer(
            "rows",
            headers=tuple(labels[c] for c in columns),
            rows=tuple(tuple(cell_text(labels, c, row) for c in columns) for row in value),
        )
    if isinstance(value, list):
        return ShownAnswer("list", items=tuple(str(labels.get(v, v)) for v in value))
    if isinstance(value, dict):
        return ShownAnswer(
            "list",
            items=tuple(f"{labels.get(k, k)}: {labels.get(v, v)}" for k, v in value.items() if v),
        )
    return ShownAnswer("text", date_text(str(labels.get(value, value))))


STATUS_TAGS = {
    wizard.NOT_STARTED: "govuk-tag--blue",
    wizard.IN_PROGRESS: "govuk-tag--light-blue",
}


def task_items(
    assessment: Any,
    sections: Iterable[wizard.Section],
    statuses: Mapping[str, str],
    role: str | None = "author",
) -> list[dict[str, Any]]:
    """Task list rows: a completed section (or any, for readers) opens its answers."""
    items = []
    for section in sections:
        status = statuses[section.id]
        if status == wizard.COMPLETED or role != "author":
            href = url_for("pages.check_answers", uid=assessment.uid, section_id=section.id)
            shown: dict[str, Any] = {"text": status}
        else:
            href = url_for("pages.question_page", uid=assessment.uid, page_id=section.pages[0].id)
            shown = {"tag": {"text": status, "classes": STATUS_TAGS[status]}}
        items.append({"title": {"text": section.title}, "href": href, "status": shown})
    return items


def change_answer(change: Any, value: Any) -> ShownAnswer:
    """One side of a recorded change, shown like a saved answer; no value reads "Not answered"."""
    if value is None:
        return shown_answer(None)
    return shown_answer(Answer(change.question_id, value, change.label, change.option_labels, ""))


def answers_for(
    questions: Iterable[Question], answers: Mapping[str, Answer]
) -> list[tuple[Question, ShownAnswer]]:
    return [(q, shown_answer(answers.get(q.id))) for q in questions]


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        option_items=option_items,
        date_items=date_items,
        row_noun=row_noun,
        select_items=select_items,
        radio_items=radio_items,
        status_label=lambda status, review_date: wizard.status_label(
            status, review_date, dt.date.today()
        ),
        column_hint=column_hint,
        column_type=column_type,
        group_blocks=group_blocks,
        shown_answer=shown_answer,
        answers_for=answers_for,
        change_answer=change_answer,
        task_items=task_items,
        guidance_html=guidance_html,
        service_name="Health equity impact assessment",
    )
    # Every date or time a person reads goes through these; ISO stays in JSON and CSV.
    app.jinja_env.filters.update(
        local_date=dates.local_date,
        local_date_time=dates.local_date_time,
    )
    app.context_processor(lambda: {"banks": app.extensions["hiat"]})
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
