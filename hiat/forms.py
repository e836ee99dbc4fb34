"""Build WTForms classes from bank questions, and move values between forms and the store.

A fresh FlaskForm subclass is made for every page at request time, with one field
per question id. Question types map to field builders through one registry,
FIELD_BUILDERS; the templates keep one partial per type to match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl

from flask import g, has_request_context, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import MultiDict
from werkzeug.sansio.multipart import Data, Epilogue, MultipartDecoder, NeedData
from werkzeug.sansio.multipart import Field as PartField
from wtforms import (
    BooleanField,
    DateField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta
from wtforms.validators import (
    InputRequired,
    Length,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from hiat import dates, monitoring
from hiat.questions import IMPACT_PARTS, OWN_GROUP, Banks, Option, Question, group_label
from hiat.store import NewAnswer
from hiat.text import CONTROL, is_blank, newlines

DEFAULT_MAX_LENGTH = {"text": 500, "textarea": 20000}
# Rows in one table (an action plan, indicators...). The export schema allows as many, so
# whatever can be saved can be exported and imported again.
MAX_ROWS = 500
IMPACT_PART_LABELS = {
    "direction": "Direction of impact",
    "gap": "Effect on the gap",
    "magnitude": "Size of impact",
    "confidence": "Confidence",
}
# A row number or page version as the app writes it: ASCII digits, not too many. str.isdigit
# also takes "²", which int() refuses, and int() of thousands of digits raises.
NUMBER = re.compile(r"[0-9]{1,9}")
DATE_FORMAT = "%d %m %Y"
DATE_EXAMPLE = "27 3 2027"


# ---------------------------------------------------------------- typed text
def tidy_text(value: Any) -> Any:
    """The one filter on every text box: blank is empty, ends trimmed, line breaks as LF.

    Text of only spaces, non-breaking spaces or zero-width characters becomes "",
    so a required field gets its message and an optional one is stored as not
    answered. Line breaks inside a textarea stay, with CRLF and a lone CR as LF.
    """
    if not isinstance(value, str):
        return value
    return "" if is_blank(value) else newlines(value).strip()


def _is_typed_text(field_class: type) -> bool:
    # Passwords are kept exactly as typed; hidden fields carry tokens, not text.
    return issubclass(field_class, StringField) and not issubclass(
        field_class, (PasswordField, HiddenField)
    )


class TextMeta(DefaultMeta):
    """Adds tidy_text to every text field as it is bound: one place, not one per field."""

    def bind_field(self, form: Form, unbound_field: Any, options: dict[str, Any]) -> Field:
        if _is_typed_text(unbound_field.field_class):
            filters = unbound_field.kwargs.get("filters") or ()
            options = {**options, "filters": [tidy_text, *filters]}
        return super().bind_field(form, unbound_field, options)


class TextForm(Form):
    """Base for forms nested in a page (table rows), so their cells are tidied too."""

    Meta = TextMeta


class TextRequired(InputRequired):
    """Like InputRequired, but judged after tidy_text: spaces alone are no answer.

    InputRequired looks at the raw input, so "   " would pass it.
    """

    def __call__(self, form: Form, field: Field) -> None:
        if not isinstance(field.data, str) or not is_blank(field.data):
            return super().__call__(form, field)
        field.errors[:] = []
        raise StopValidation(self.message or field.gettext("This field is required."))


def choose_one(name: str) -> str:
    """What a radio or select says when the posted value is not one of its options."""
    return f"Choose one of the options for “{name}”"


def choose_from(name: str) -> str:
    """The same for checkboxes, where several options can be chosen."""
    return f"Choose only from the options for “{name}”"


class MaxLength:
    """At most `limit` characters, and a message that says by how many to shorten it.

    Used by every answer box: the page comes back with everything the user typed, so
    nothing is lost while they shorten the one answer.
    """

    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, form: Form, field: Field) -> None:
        typed = len(field.data or "")
        if typed > self.limit:
            raise ValidationError(
                f"Your answer must be {self.limit:,} characters or fewer. It has {typed:,}: "
                f"shorten it by {typed - self.limit:,}"
            )


def _length(max_length: int) -> MaxLength:
    return MaxLength(max_length)


def number(text: Any) -> int | None:
    """The number a form or button sent, or None for anything the app would not send."""
    return int(text) if isinstance(text, str) and NUMBER.fullmatch(text) else None


def _choices(options: Iterable[Option]) -> list[SelectChoice]:
    return [SelectChoice(option.value, option.label) for option in options]


class GovDateField(DateField):
    """Day, month and year boxes that post under one name, like GOV.UK's date input."""

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [tidy_text(part) for part in valuelist]
        if not any(parts):
            self.data = None
            return
        if len(parts) != 3 or not all(parts):
            self.data = None
            raise ValueError(f"Enter a day, month and year, for example {DATE_EXAMPLE}")
        try:
            self.data = dt.datetime.strptime(" ".join(parts), DATE_FORMAT).date()
        except ValueError as err:
            self.data = None
            raise ValueError(f"Enter a real date, for example {DATE_EXAMPLE}") from err
        if not 1900 <= self.data.year <= 2200:
            self.data = None
            raise ValueError(f"Enter a year between 1900 and 2200, for example {DATE_EXAMPLE}")

    def parts(self) -> tuple[str, str, str]:
        """Day, month and year as shown back to the user, raw input first."""
        if self.raw_data and len(self.raw_data) == 3:
            return tuple(self.raw_data)  # type: ignore[return-value]
        if self.data:
            return (str(self.data.day), str(self.data.month), str(self.data.year))
        return ("", "", "")


# ---------------------------------------------------------------- field builders
def _text_field(question: Question, banks: Banks) -> Field:
    limit = question.max_length or DEFAULT_MAX_LENGTH["text"]
    return StringField(question.label, validators=[Optional(), _length(limit)])


def _textarea_field(question: Question, banks: Banks) -> Field:
    limit = question.max_length or DEFAULT_MAX_LENGTH["textarea"]
    return TextAreaField(question.label, validators=[Optional(), _length(limit)])


def _radios_field(question: Question, banks: Banks) -> Field:
    return RadioField(
        question.label,
        choices=_choices(question.options),
        validators=[Optional()],
        invalid_choice_message=choose_one(question.label),
    )


def _checkboxes_field(question: Question, banks: Banks) -> Field:
    return SelectMultipleField(
        question.label,
        choices=_choices(question.options),
        validators=[Optional()],
        invalid_choice_message=choose_from(question.label),
    )


def _groups_field(question: Question, banks: Banks) -> Field:
    """Every group offered, or the groups chosen for the whole policy, and any own-named."""
    if question.offered is None:
        options = [Option(group.id, group.label) for group in banks.offered_groups]
    else:
        labels = {group.id: group for group in banks.groups}
        options = [Option(value, group_label(labels, value)) for value in question.offered]
    return SelectMultipleField(
        question.label,
        choices=_choices(options),
        validators=[Optional()],
        invalid_choice_message=choose_from(question.label),
    )


def _date_field(question: Question, banks: Banks) -> Field:
    return GovDateField(question.label, validators=[Optional()], format=DATE_FORMAT)


def _impact_field(question: Question, banks: Banks) -> Field:
    fields = {
        part: RadioField(
            IMPACT_PART_LABELS[part],
            choices=_choices(banks.scales[part]),
            validators=[Optional()],
            invalid_choice_message=choose_one(f"{IMPACT_PART_LABELS[part]}: {question.label}"),
        )
        for part in IMPACT_PARTS
    }
    return ImpactField(
        type("ImpactRatingForm", (Form,), fields),
        label=question.label,
        messages=impact_part_messages(question, banks),
    )


IMPACT_PART_NOUNS = {
    "direction": "the direction of impact",
    "gap": "the effect on the gap",
    "magnitude": "the size of impact",
    "confidence": "your confidence in the rating",
}


def impact_part_messages(question: Question, banks: Banks) -> dict[str, str]:
    """What each missing part of a rating says, naming the part and what is rated.

    An overall rating names its principle ("best start in life"); a rating inside a
    principle's steps names its own subject, as several share a page.
    """
    if question.page == "impact" and question.principle:
        subject = banks.principle(question.principle).short_label
    else:
        subject = question.statement or question.label
    subject = subject[:1].lower() + subject[1:] if subject[1:2].islower() else subject
    return {part: f"Select {IMPACT_PART_NOUNS[part]} for {subject}" for part in IMPACT_PARTS}


def missing_impact_parts(value: Any) -> tuple[str, ...]:
    """The parts a partly filled rating leaves out; none for an empty or whole one."""
    chosen = {part for part in IMPACT_PARTS if isinstance(value, Mapping) and value.get(part)}
    return tuple(part for part in IMPACT_PARTS if part not in chosen) if chosen else ()


class ImpactField(FormField):
    """An impact rating: direction, effect on the gap, size and confidence, all or none.

    A partly filled rating gets one error per missing part, and the parts chosen stay
    chosen. "Save and come back later" keeps a partial rating; check answers names
    what it still needs.
    """

    def __init__(self, *args: Any, messages: Mapping[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.messages = dict(messages or {})

    def validate(self, form: Form, extra_validators: Any = ()) -> bool:
        valid = super().validate(form, extra_validators)
        if has_request_context() and request.form.get("save") == "later":
            return valid
        missing = missing_impact_parts(self.form.data)
        for part in missing:
            self.form[part].errors.append(self.messages[part])
        self.form._errors = None  # Form.errors is cached; the parts' errors just changed
        return valid and not missing


def _table_field(question: Question, banks: Banks) -> Field:
    fields: dict[str, Field] = {}
    for column in question.columns:
        if column.type == "indicator":
            fields[column.id] = SelectField(
                column.label,
                choices=_indicator_choices(question, banks),
                validators=[Optional()],
                invalid_choice_message=choose_one(f"{column.label}: {question.label}"),
            )
        elif column.type == "scale":
            fields[column.id] = SelectField(
                column.label,
                choices=[SelectChoice("", "Choose one"), *_choices(banks.scales[column.scale])],
                validators=[Optional()],
                invalid_choice_message=choose_one(f"{column.label}: {question.label}"),
            )
        elif column.type == "date":
            fields[column.id] = GovDateField(
                column.label, validators=[Optional()], format=DATE_FORMAT
            )
        else:
            limit = DEFAULT_MAX_LENGTH["textarea" if column.type == "textarea" else "text"]
            field_class = TextAreaField if column.type == "textarea" else StringField
            fields[column.id] = field_class(column.label, validators=[Optional(), _length(limit)])
    row_form = type("RowForm", (TextForm,), fields)
    return RowList(
        FormField(row_form), label=question.label, min_entries=1, validators=[_row_limit]
    )


def _row_limit(form: Form, field: FieldList) -> None:
    """Every row is shown again with this message, so the user chooses which to remove."""
    extra = len(field.entries) - MAX_ROWS
    if extra > 0:
        rows = "row" if extra == 1 else "rows"
        raise ValidationError(
            f"“{field.label.text}” can have up to {MAX_ROWS} rows. Remove {extra:,} {rows} "
            "you do not need, then save again"
        )


def row_limit_reached(label: str) -> str:
    """What "Add another" says on a table that is already full."""
    return (
        f"“{label}” already has {MAX_ROWS} rows, the most it can have. Remove a row you "
        "do not need before you add another"
    )


class RowList(FieldList):
    """A table's rows. Only row numbers the app writes count ("p1_actions-3-action"):
    WTForms' own reading takes any str.isdigit() text and fails on "²"."""

    def _extract_indices(self, prefix: str, formdata: Any) -> Iterator[int]:
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(f"{prefix}-"):
                index = number(key[offset:].split("-", 1)[0])
                if index is not None:
                    yield index


def _indicator_choices(question: Question, banks: Banks) -> list[SelectChoice]:
    catalogue = banks.indicators_for(question.principle)
    return [
        SelectChoice("", "Choose an indicator"),
        *_choices(Option(i.id, i.name) for i in catalogue),
    ]


FIELD_BUILDERS: Mapping[str, Callable[[Question, Banks], Field]] = {
    "text": _text_field,
    "textarea": _textarea_field,
    "intersections": _textarea_field,
    "radios": _radios_field,
    "yes_no_unsure": _radios_field,
    "checkboxes": _checkboxes_field,
    "groups": _groups_field,
    "date": _date_field,
    "impact_rating": _impact_field,
    "action_table": _table_field,
    "indicator_table": _table_field,
    "evidence_table": _table_field,
    "determinant_table": _table_field,
}


class HiatForm(FlaskForm):
    """Base for every form: tidied text, unreadable text refused, and an error summary
    that lists each problem with a link to its field."""

    Meta = TextMeta

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unreadable = g.get("hiat_unreadable") if has_request_context() else None
        if unreadable:
            _mark_unreadable(self, unreadable)

    def error_list(self) -> list[dict[str, str]]:
        return list(_flatten_errors(self))


class PageForm(HiatForm):
    """Base for question pages; each page adds one field per question.

    `lock_version` is the page's version when it was loaded: a save that finds a
    newer version shows the conflict page instead of overwriting someone's work.
    """

    lock_version = HiddenField()
    # What each answer was when the page was loaded (answer_marks): a save writes only the
    # answers the user changed, so "Keep my answers" after a conflict keeps theirs, not
    # other people's changes to the rest of the page.
    loaded_answers = HiddenField()

    def changed(self, answers: Iterable[NewAnswer]) -> list[NewAnswer]:
        """The answers that differ from when the page was loaded; all if that is unknown."""
        loaded = _read_marks(self.loaded_answers.data)
        if loaded is None:
            return list(answers)
        return [a for a in answers if loaded.get(a.question_id) != _mark(a.value)]

    def loaded_version(self) -> int:
        """The version the page was loaded at. A missing or unreadable one counts as 0, as
        if loaded before any save: a page someone has saved then shows the conflict page,
        never a silent overwrite."""
        return number(self.lock_version.data) or 0


def answer_marks(questions: Iterable[Question], values: Mapping[str, Any]) -> str:
    """A short fingerprint of each saved answer on a page, for PageForm.changed."""
    return ";".join(f"{q.id}={_mark(values.get(q.id))}" for q in questions)


def _mark(value: Any) -> str:
    if not _is_answer(value):
        value = None
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _is_answer(value: Any) -> bool:
    """Empty text, lists and all-empty ratings are no answer, as the store sees them."""
    if isinstance(value, Mapping):
        return any(value.values())
    if isinstance(value, str):
        return not is_blank(value)
    return bool(value)


def _read_marks(text: Any) -> dict[str, str] | None:
    if not isinstance(text, str) or not text:
        return None
    pairs = [part.partition("=") for part in text.split(";")]
    return {qid: mark for qid, sep, mark in pairs if sep}


def form_class(questions: Iterable[Question], banks: Banks) -> type[PageForm]:
    """A new FlaskForm subclass with one field per question, built fresh each time.

    A groups question that offers the policy's groups has a box to add one more.
    """
    fields: dict[str, Field] = {}
    for question in questions:
        fields[question.id] = FIELD_BUILDERS[question.type](question, banks)
        if question.type == "groups" and question.offered is not None:
            fields[own_group_field(question)] = StringField(
                "Another group, in your own words (optional)",
                validators=[Optional(), _length(200)],
            )
    return type("QuestionPageForm", (PageForm,), fields)


def own_group_field(question: Question) -> str:
    """The name of the box where a user adds a group of their own to a groups question."""
    return f"{question.id}-own"


class SectionCompleteForm(HiatForm):
    completed = RadioField(
        "Have you completed this section?",
        choices=[
            SelectChoice("yes", "Yes, I've completed this section"),
            SelectChoice("no", "No, I'll come back to it later"),
        ],
        validators=[Optional()],
        invalid_choice_message=choose_one("Have you completed this section?"),
    )


class ShareForm(HiatForm):
    email = StringField(
        "Email address of the person to share with",
        validators=[
            TextRequired(message="Enter the email address of the person to share with"),
            Regexp(
                r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                message="Enter an email address in the correct format, like name@example.org",
            ),
            Length(max=254, message="The email address must be 254 characters or fewer"),
        ],
    )
    role = RadioField(
        "What can they do?",
        invalid_choice_message=choose_one("What can they do?"),
        choices=[
            SelectChoice("author", "Change the answers (author)"),
            SelectChoice("reviewer", "Read and comment (reviewer)"),
            SelectChoice("approver", "Read and sign off (approver)"),
            SelectChoice("viewer", "Read only (viewer)"),
        ],
        validators=[InputRequired(message="Select what they can do")],
    )


ATTESTATION = (
    "I have read this assessment. It gives due regard to health inequalities and to the "
    "Public Sector Equality Duty, and I approve it for the decision-making body."
)


class SignOffForm(HiatForm):
    job_title = StringField(
        "Your job title",
        validators=[
            TextRequired(message="Enter your job title, for example Director of Public Health"),
            Length(max=200),
        ],
    )
    confirm = BooleanField(
        ATTESTATION,
        validators=[InputRequired(message="Confirm the statement to sign off the assessment")],
    )


ACTION_STATUSES = (
    ("not_started", "Not started"),
    ("on_track", "On track"),
    ("at_risk", "At risk"),
    ("done", "Done"),
    ("dropped", "Dropped"),
)


class ActionForm(HiatForm):
    """How one signed-off action is going: recorded without starting a new revision."""

    status = RadioField(
        "How is this action going?",
        choices=[SelectChoice(value, label) for value, label in ACTION_STATUSES],
        validators=[InputRequired(message="Select how this action is going")],
    )
    due_date = StringField("Due date (optional)", validators=[Length(max=40)])
    note = TextAreaField(
        "Progress note (optional)",
        validators=[
            Length(max=3000, message="The progress note must be 3,000 characters or fewer")
        ],
    )
    reason = TextAreaField(
        "Why was it dropped?",
        validators=[Length(max=3000, message="The reason must be 3,000 characters or fewer")],
    )

    def validate_due_date(self, field: Field) -> None:
        if field.data and dates.parse_date(field.data) is None:
            raise ValidationError("Enter the due date as a real date, for example 30 6 2027")

    def validate_reason(self, field: Field) -> None:
        if self.status.data == "dropped" and not field.data:
            raise ValidationError("Say why the action was dropped, so the board can see why")


class NotificationsForm(HiatForm):
    """What a person wants by email."""

    digest = RadioField(
        "Email me a digest of what is due",
        choices=[
            SelectChoice("yes", "Yes, email me when something is overdue or due soon"),
            SelectChoice("no", "No, do not email me a digest"),
        ],
        validators=[InputRequired(message="Select yes if you want the digest, or no")],
        invalid_choice_message=choose_one("Email me a digest of what is due"),
    )


# C1 controls and Unicode noncharacters: like CONTROL, they carry no words, and HTML may
# not hold them.
UNSHOWABLE = re.compile(
    "[\x7f-\x9f\ufdd0-\ufdef"
    + "".join(
        f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
    )
    + "]"
)


def without_controls(value: Any) -> Any:
    """Control characters (but tab and line feed) carry no words: a reading keeps none.

    Runs after tidy_text, so it tidies again what removing them leaves.
    """
    if not isinstance(value, str):
        return value
    return tidy_text(UNSHOWABLE.sub("", CONTROL.sub("", value)))


class ReadingForm(HiatForm):
    """One reading of a signed-off indicator: recorded without starting a new revision."""

    date = StringField(
        "Date of the reading",
        filters=[without_controls],
        validators=[
            TextRequired(message="Enter the date the reading is for, for example 30 6 2027"),
            Length(max=40, message="Enter the date as a real date, for example 30 6 2027"),
        ],
    )
    value = StringField(
        "Value",
        filters=[without_controls],
        validators=[
            TextRequired(message="Enter the value of the reading, for example 27%"),
            Length(max=100, message="The value must be 100 characters or fewer"),
        ],
    )
    groups = TextAreaField(
        "Values for each group (optional)",
        filters=[without_controls],
        validators=[Length(max=10000, message="The values for each group are too long")],
    )
    note = TextAreaField(
        "Note (optional)",
        filters=[without_controls],
        validators=[Length(max=3000, message="The note must be 3,000 characters or fewer")],
    )
    source = StringField(
        "Source (optional)",
        filters=[without_controls],
        validators=[Length(max=500, message="The source must be 500 characters or fewer")],
    )

    def validate_date(self, field: Field) -> None:
        day = dates.parse_date(field.data)
        if day is None:
            raise ValidationError("Enter the date as a real date, for example 30 6 2027")
        if day > dt.date.today():
            raise ValidationError("The date of the reading must be today or in the past")

    def validate_groups(self, field: Field) -> None:
        try:
            monitoring.parse_groups(field.data or "")
        except monitoring.GroupLineError as err:
            raise ValidationError(str(err)) from err


class WithdrawReadingForm(HiatForm):
    """Why a mistaken reading is withdrawn: it stays in the record, marked."""

    reason = TextAreaField(
        "Why are you withdrawing this reading?",
        filters=[without_controls],
        validators=[
            TextRequired(message="Say why the reading is withdrawn, for example it was mistyped"),
            Length(max=3000, message="The reason must be 3,000 characters or fewer"),
        ],
    )


REVIEW_ATTESTATION = (
    "I have read this review. It is a fair account of what the policy did to health "
    "inequalities, and I agree its outcome."
)
REVIEW_TEXT_LIMIT = 5000


def _review_text(label: str) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            Length(
                max=REVIEW_TEXT_LIMIT,
                message=f"“{label}” must be {REVIEW_TEXT_LIMIT:,} characters or fewer",
            )
        ],
    )


def _optional_radios(label: str, choices: Mapping[str, str]) -> RadioField:
    # Optional: a draft is saved with whatever is chosen so far; reviews.problems says
    # what is still missing before it can be signed.
    return RadioField(
        label,
        choices=[SelectChoice(value, text) for value, text in choices.items()],
        validators=[Optional()],
    )


class ReviewForm(HiatForm):
    """A review of a signed revision; review_form adds its fields, in the page's order."""


def review_form(
    principles: Iterable[tuple[str, str]], choices: Mapping[str, Mapping[str, str]]
) -> type[ReviewForm]:
    """A review form with three fields for each principle reviewed: (id, title) pairs.

    `choices` gives each set of radios, value to label: "direction", "gap",
    "actions_done" and "outcome". Fields are made here, in order, so the error summary
    lists problems in the order the page asks.
    """
    fields: dict[str, Field] = {}
    for pid, title in principles:
        fields[f"finding_{pid}_direction"] = _optional_radios(
            f"What happened to the impact on “{title}”?", choices["direction"]
        )
        fields[f"finding_{pid}_gap"] = _optional_radios(
            f"What happened to the gap for “{title}”?", choices["gap"]
        )
        fields[f"finding_{pid}_evidence"] = _review_text(f"Evidence for “{title}”")
    fields["actions_done"] = _optional_radios(
        "Were the planned actions done?", choices["actions_done"]
    )
    fields["actions_note"] = _review_text("What was done, and what was not")
    fields["lessons"] = _review_text("What did the review find, and what have you learnt?")
    fields["outcome"] = _optional_radios(
        "What should happen to the policy now?", choices["outcome"]
    )
    fields["next_review_date"] = StringField("Date of the next review", validators=[Length(max=40)])
    return type("BuiltReviewForm", (ReviewForm,), fields)


class ReviewSignForm(HiatForm):
    job_title = StringField(
        "Your job title",
        validators=[
            TextRequired(message="Enter your job title, for example Director of Public Health"),
            Length(max=200),
        ],
    )
    confirm = BooleanField(
        REVIEW_ATTESTATION,
        validators=[InputRequired(message="Confirm the statement to sign the review")],
    )


class CommentForm(HiatForm):
    text = TextAreaField(
        "Add a comment",
        validators=[
            TextRequired(message="Enter a comment"),
            Length(max=5000, message="Your comment must be 5,000 characters or fewer"),
        ],
    )


class WithdrawForm(HiatForm):
    """Why a published revision is taken out of the public register: shown to the public."""

    reason = TextAreaField(
        "Why is it being withdrawn?",
        validators=[
            TextRequired(
                message="Say why the statement is being withdrawn, for example that the "
                "policy was stopped or a later revision replaces it"
            ),
            Length(max=1000, message="The reason must be 1,000 characters or fewer"),
        ],
    )


class ImportForm(HiatForm):
    file = FileField(
        "Upload a file",
        validators=[FileRequired(message="Select a JSON file exported from this service")],
    )


def _flatten_errors(form: Form) -> Iterable[dict[str, str]]:
    for field in form:
        if not field.errors:
            continue
        if isinstance(field, FieldList):
            # The table's own message (too many rows) comes first, linked to where it shows.
            for message in (e for e in field.errors if isinstance(e, str)):
                yield {"text": message, "href": f"#{field.id}-error"}
            for entry in field.entries:
                yield from _flatten_errors(entry.form)
        elif isinstance(field, FormField):
            yield from _flatten_errors(field.form)
        else:
            # A date's first box is its day; radios and checkboxes start at the field id.
            suffix = "-day" if isinstance(field, GovDateField) else ""
            yield {"text": field.errors[0], "href": f"#{field.id}{suffix}"}


# ---------------------------------------------------------------- unreadable text
UNREADABLE = (
    "“{label}” contains characters that could not be read. Retype it or paste it as plain text"
)
# The field name werkzeug gives each value, and that value as werkzeug decoded it -> with U+FFFD.
Unreadable = dict[str, dict[str, str]]


def note_unreadable_text() -> None:
    """Before the form is parsed, find the fields whose bytes are not valid UTF-8.

    werkzeug keeps such bytes as percent escapes ("%FF"), which would be stored as if
    typed, and a typed "%FF" (sent as %25FF) looks the same once decoded. Only the raw
    body tells them apart, so it is read (and cached for the form parser) first.
    """
    if request.mimetype == "application/x-www-form-urlencoded":
        found = _unreadable_urlencoded(request.get_data(cache=True))
    elif request.mimetype == "multipart/form-data":
        boundary = request.mimetype_params.get("boundary", "")
        found = _unreadable_multipart(request.get_data(cache=True), boundary.encode("latin-1"))
    else:
        return
    if found:
        g.hiat_unreadable = found


def _unreadable_urlencoded(body: bytes) -> Unreadable:
    found: Unreadable = {}
    # Latin-1 maps each byte to one character, so unquoting keeps the bytes as sent.
    pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    for name, value in pairs:
        raw = value.encode("latin-1")
        if not _is_utf8(raw):
            key = name.encode("latin-1").decode("utf-8", "werkzeug.url_quote")
            as_parsed = raw.decode("utf-8", "werkzeug.url_quote")
            found.setdefault(key, {})[as_parsed] = raw.decode("utf-8", "replace")
    return found


def _unreadable_multipart(body: bytes, boundary: bytes) -> Unreadable:
    """The same for a multipart body, where werkzeug turns bad bytes into U+FFFD."""
    found: Unreadable = {}
    if not boundary:
        return found
    decoder = MultipartDecoder(boundary)
    decoder.receive_data(body)
    decoder.receive_data(None)
    name, chunks = None, []
    try:
        for event in _events(decoder):
            if isinstance(event, PartField):
                name, chunks = event.name, []
            elif not isinstance(event, Data):
                name = None  # a file: its bytes are the importer's to judge
            elif name is not None:
                chunks.append(event.data)
                raw = b"" if event.more_data else b"".join(chunks)
                if not _is_utf8(raw):
                    replaced = raw.decode("utf-8", "replace")
                    found.setdefault(name, {})[replaced] = replaced
    except ValueError:
        return found  # a malformed body: werkzeug's parser decides what to do with it
    return found


def _events(decoder: MultipartDecoder) -> Iterator[Any]:
    event = decoder.next_event()
    while not isinstance(event, (Epilogue, NeedData)):
        yield event
        event = decoder.next_event()


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _leaf_fields(form: Form) -> Iterator[Field]:
    for field in form:
        if isinstance(field, FormField):
            yield from _leaf_fields(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                yield from _leaf_fields(entry.form) if isinstance(entry, FormField) else [entry]
        else:
            yield field


def _mark_unreadable(form: Form, unreadable: Unreadable) -> None:
    """An error on each field that holds unreadable text, shown when the form validates.

    The text box shows U+FFFD where the bad bytes were, never the escapes, so sending
    the page again as it is cannot store "%FF" as if the user had typed it.
    """
    for field in _leaf_fields(form):
        values = unreadable.get(field.name, {})
        sent = [value for value in field.raw_data or () if value in values]
        if not sent:
            continue
        # process_errors survive validation and stop a choice field's own check.
        field.process_errors.append(UNREADABLE.format(label=field.label.text))
        if _is_typed_text(type(field)):
            field.data = tidy_text(values[sent[0]])


# ---------------------------------------------------------------- values in and out
def form_data(
    questions: Iterable[Question], values: Mapping[str, Any], banks: Banks | None = None
) -> dict[str, Any]:
    """Stored values in the shape the form's `data=` expects.

    A group saved under an id that now repeats another shows as the group offered.
    """
    data: dict[str, Any] = {}
    for question in questions:
        value = values.get(question.id)
        if value is None:
            continue
        if question.type == "groups" and banks is not None and isinstance(value, list):
            data[question.id] = list(dict.fromkeys(banks.same_group(str(v)) for v in value))
        elif question.type == "date":
            data[question.id] = _parse_date(value)
        elif question.columns:
            data[question.id] = [_row_data(question, row) for row in value]
        else:
            data[question.id] = value
    return data


def _row_data(question: Question, row: Mapping[str, Any]) -> dict[str, Any]:
    dates = {c.id for c in question.columns if c.type == "date"}
    return {key: _parse_date(val) if key in dates else val for key, val in row.items()}


def _parse_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def stored_value(question: Question, data: Any) -> Any:
    """The JSON-ready value to store for a question, from its form data."""
    if question.type == "date":
        return data.isoformat() if data else None
    if question.type == "impact_rating":
        return {part: data.get(part) or "" for part in IMPACT_PARTS}
    if question.columns:
        rows = [_stored_row(question, row) for row in data or []]
        return [row for row in rows if any(row.values())]
    if isinstance(data, list):
        return [item for item in data if item]
    return data or None


def _stored_row(question: Question, row: Mapping[str, Any]) -> dict[str, str]:
    stored = {}
    for column in question.columns:
        value = row.get(column.id)
        stored[column.id] = value.isoformat() if isinstance(value, dt.date) else (value or "")
    return stored


def option_labels(question: Question, banks: Banks, value: Any) -> dict[str, str]:
    """The labels needed to show this answer without the bank, and no others.

    Saved with the answer, so it still reads correctly after the bank changes.
    """
    used = _used_keys(value)
    if question.type == "groups":
        # Own-named groups ("own:<name>") carry their label in their value.
        groups = {group.id: group for group in banks.groups}
        return {key: group_label(groups, key) for key in used}
    return {key: label for key, label in _all_labels(question, banks).items() if key in used}


def _all_labels(question: Question, banks: Banks) -> dict[str, str]:
    if question.type == "impact_rating":
        labels = dict(IMPACT_PART_LABELS)
        for part in IMPACT_PARTS:
            labels.update({o.value: o.label for o in banks.scales[part]})
        return labels
    if question.columns:
        labels = {column.id: column.label for column in question.columns}
        for column in question.columns:
            if column.type == "indicator":
                # Column-scoped keys, so a typed cell never reads as a catalogue name.
                labels.update({f"{column.id}:{i.id}": i.name for i in banks.indicators})
            elif column.type == "scale":
                scale = banks.scales[column.scale]
                labels.update({f"{column.id}:{o.value}": o.label for o in scale})
        return labels
    return {option.value: option.label for option in question.options}


def _used_keys(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set(value) | {v for v in value.values() if isinstance(v, str)}
    keys: set[str] = set()
    for item in value or []:
        if isinstance(item, dict):
            keys |= set(item) | {f"{column}:{cell}" for column, cell in item.items()}
        else:
            keys.add(str(item))
    return keys


def new_answers(questions: Iterable[Question], form: FlaskForm, banks: Banks) -> list[NewAnswer]:
    answers = []
    for question in questions:
        value = stored_value(question, form[question.id].data)
        own = own_group_field(question)
        if own in form and not is_blank(form[own].data or ""):
            added = OWN_GROUP + " ".join(str(form[own].data).split())
            value = [*(value or []), added] if added not in (value or []) else value
        labels = option_labels(question, banks, value)
        answers.append(NewAnswer(question.id, value, question.label, labels))
    return answers


# ---------------------------------------------------------------- add and remove rows
def edit_rows(formdata: MultiDict, action: str, value: str) -> MultiDict:
    """Apply an "Add another" or "Remove" button to posted form data.

    Works without JavaScript: the whole form posts back, and the rows are
    renumbered so that the user's other input is shown again untouched.
    """
    data = MultiDict(formdata)
    question_id, index = edited_row(action, value)
    if action == "remove" and question_id and index is not None:
        return _remove_row(data, question_id, index)
    return data


def _remove_row(data: MultiDict, question_id: str, index: int) -> MultiDict:
    prefix = f"{question_id}-"
    kept = MultiDict()
    for key, items in data.lists():
        if not key.startswith(prefix):
            kept.setlist(key, items)
            continue
        row_text, _, column = key[len(prefix) :].partition("-")
        row = number(row_text)
        if row is None or not column:
            kept.setlist(key, items)
            continue
        if row == index:
            continue
        new_row = row - 1 if row > index else row
        kept.setlist(f"{prefix}{new_row}-{column}", items)
    return kept


def edited_row(action: str, value: str) -> tuple[str, int | None]:
    """The question an "Add another" or "Remove" button names, and the row it removes."""
    if action == "add":
        return value, None
    question_id, _, index_text = value.rpartition("-")
    return question_id, number(index_text)


def row_anchor(question: Question, index: int) -> str:
    """The id of a row's first box: where focus goes once a row is added or removed."""
    first = question.columns[0]
    return f"{question.id}-{index}-{first.id}" + ("-day" if first.type == "date" else "")
