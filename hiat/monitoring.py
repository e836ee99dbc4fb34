"""After sign-off: the indicators of a signed revision, their readings and when the next is due.

Pure functions of the banks, the signed assessment and the recorded readings. The
indicators are the rows of the monitoring plans as signed; readings are kept apart, so
recording one never changes what was signed and needs no new revision.

Plans are free text ("27% in 2023", "every quarter"), so the numbers and how often to
measure are read out of the words where that can be done safely. When it cannot, the
page says so in words: a guessed due date or a made-up target is worse than none.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hiat import dates, wizard
from hiat.questions import Banks
from hiat.store import Assessment, Reading, Signoff

MAX_GROUPS = 50
LARGEST = 1e15
GROUP_EXAMPLE = "Most deprived quintile: 31%"

# ---------------------------------------------------------------- how often
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "other": 2,  # "every other month"
}
_UNITS = {"day": (0, 1), "week": (0, 7), "fortnight": (0, 14), "month": (1, 0), "year": (12, 0)}
_COUNT = r"(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")"
# (pattern, months, days). None for words people use both ways ("bi-monthly" is twice a
# month to some, every two months to others): those are not understood, never guessed.
_PHRASES: tuple[tuple[re.Pattern[str], int | None, int], ...] = tuple(
    (re.compile(pattern), months, days)
    for pattern, months, days in (
        (r"\bbi ?(weekly|monthly|annual|annually|yearly)\b", None, 0),
        (r"\b(daily|every day|each day|once a day)\b", 0, 1),
        (r"\b(weekly|every week|each week|once a week)\b", 0, 7),
        (r"\b(fortnightly|every fortnight|each fortnight|once a fortnight)\b", 0, 14),
        (r"\b(twice a year|twice yearly|twice each year|twice every year|half yearly)\b", 6, 0),
        (r"\b(six monthly|6 monthly)\b", 6, 0),
        (r"\b(three monthly|3 monthly)\b", 3, 0),
        (r"\b(monthly|every month|each month|once a month)\b", 1, 0),
        (r"\b(quarterly|every quarter|each quarter|once a quarter)\b", 3, 0),
        (r"\b(biennially|biennial)\b", 24, 0),
        (
            r"\b(annually|annual|yearly|every year|each year|once a year|a year|per year)\b",
            12,
            0,
        ),
    )
)
_EVERY_N = re.compile(
    rf"\b(?:every|each|once every)\s+{_COUNT}\s+(day|week|fortnight|month|year)s?\b"
)
# "3 times a year" is every 4 months; "3 times a week" has no whole interval: not understood.
_TIMES = re.compile(rf"\b{_COUNT}\s+times\s+(?:a|per|each|every)\s+(day|week|month|year)\b")


@dataclass(frozen=True, slots=True)
class Frequency:
    """How often a plan says to take a reading, as understood from its words."""

    text: str  # as the plan says it
    months: int = 0
    days: int = 0

    @property
    def understood(self) -> bool:
        return bool(self.months or self.days)

    @property
    def words(self) -> str:
        """'every 3 months', 'every week': what the service understood."""
        if self.months:
            count, unit = (
                (self.months // 12, "year") if self.months % 12 == 0 else (self.months, "month")
            )
        else:
            count, unit = (self.days // 7, "week") if self.days % 7 == 0 else (self.days, "day")
        return f"every {unit}" if count == 1 else f"every {count} {unit}s"

    def after(self, day: dt.date) -> dt.date | None:
        """The day one interval after `day`; None when the words were not understood."""
        if not self.understood:
            return None
        return add_months(day, self.months) + dt.timedelta(days=self.days)


def frequency(text: str) -> Frequency:
    """Read how often from the plan's words: the first interval it names is the one that
    applies now ("every month for the first year, then every quarter" is every month)."""
    words = " ".join(re.sub(r"[-‐‑–—_/]", " ", text.casefold()).split())
    found: list[tuple[int, int, int | None, int]] = []  # (start, -length, months, days)
    for pattern, months, days in _PHRASES:
        match = pattern.search(words)
        if match:
            found.append((match.start(), -len(match.group()), months, days))
    match = _EVERY_N.search(words)
    if match:
        count = _NUMBER_WORDS.get(match.group(1)) or int(match.group(1))
        unit_months, unit_days = _UNITS[match.group(2)]
        found.append((match.start(), -len(match.group()), unit_months * count, unit_days * count))
    match = _TIMES.search(words)
    if match:
        count = _NUMBER_WORDS.get(match.group(1)) or int(match.group(1))
        months = 12 // count if match.group(2) == "year" and count and 12 % count == 0 else None
        found.append((match.start(), -len(match.group()), months, 0))
    if not found:
        return Frequency(text)
    _, _, months, days = min(found, key=lambda item: (item[0], item[1]))
    if months is None or (months == 0 and days == 0):
        return Frequency(text)
    return Frequency(text, months, days)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the 31st becomes the month's last day when it has none."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


# ---------------------------------------------------------------- numbers in words
_NUMBER = re.compile(r"(?<![\w.,])([-−]?\d{1,3}(?:,\d{3})+|[-−]?\d+)(\.\d+)?(?![\w]|[.,]\d)")
_WHOLE = re.compile(r"\s*[£$€]?\s*([-−]?[\d,]*\d(?:\.\d+)?)\s*%?\s*")
_YEAR = re.compile(r"(19|20)\d\d")


def number_in(text: str) -> float | None:
    """The figure a baseline, target or reading gives, if it plainly gives one.

    A value that is only a number ("27", "27%", "1,234", "£12.50") is that number. Else a
    percentage anywhere ("27% in 2023", "well above 33%"), else a number the text starts
    with ("412 homes in 2025"), never a year: "by March 2030" gives no number.
    """
    whole = _WHOLE.fullmatch(text)
    if whole and re.fullmatch(r"[-−]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?", whole.group(1)):
        return _float(whole.group(1))
    numbers = list(_NUMBER.finditer(text))
    for match in numbers:
        if text[match.end() :].lstrip().startswith(("%", "per cent", "percent")):
            return _float(match.group())
    if numbers and not text[: numbers[0].start()].strip(" £$€"):
        first = numbers[0].group()
        return None if _YEAR.fullmatch(first) else _float(first)
    return None


def _float(text: str) -> float | None:
    value = float(text.replace(",", "").replace("−", "-"))
    return value if abs(value) < LARGEST else None  # a run of digits is not a figure


def number_text(value: float) -> str:
    """27, 27.5, 1,234: as a person writes it."""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------- breakdown and groups
def breakdown_parts(text: str) -> tuple[str, ...]:
    """'by deprivation quintile, ethnicity and ward' -> the three ways it is split."""
    text = re.sub(r"^\s*(broken down |split )?by\s+", "", text.strip(), flags=re.IGNORECASE)
    parts = re.split(r"\s*(?:[,;]|\band\b|\bby\b)\s*", text.rstrip(". "))
    return tuple(p.strip() for p in parts if p.strip())


class GroupLineError(ValueError):
    """A line of values per group that cannot be read; the message says how to fix it."""


def parse_groups(text: str) -> tuple[tuple[str, str], ...]:
    """Lines of "Group: value" as (group, value) pairs; blank lines are skipped."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, line in enumerate((text or "").split("\n"), start=1):
        if not line.strip():
            continue
        group, colon, value = (part.strip() for part in line.partition(":"))
        shown = line.strip() if len(line.strip()) <= 60 else line.strip()[:59] + "…"
        where = f"Line {number} (“{shown}”)"
        if not colon:
            raise GroupLineError(
                f"{where} needs a colon between the group and its value, "
                f"for example {GROUP_EXAMPLE}"
            )
        if not group:
            raise GroupLineError(f"{where} needs the group’s name before the colon")
        if not value:
            raise GroupLineError(f"{where} needs a value after the colon, or delete the line")
        if len(group) > 120 or len(value) > 100:
            raise GroupLineError(
                f"{where} is too long: keep a group to 120 characters and its value to 100"
            )
        if group.casefold() in seen:
            raise GroupLineError(f"{where} names “{group}” again: give each group one line")
        seen.add(group.casefold())
        pairs.append((group, value))
    if len(pairs) > MAX_GROUPS:
        raise GroupLineError(f"Enter values for at most {MAX_GROUPS} groups")
    return tuple(pairs)


def groups_text(groups: Sequence[tuple[str, str]]) -> str:
    """The pairs as the box shows them, one "Group: value" a line."""
    return "\n".join(f"{group}: {value}" for group, value in groups)


# ---------------------------------------------------------------- indicators
@dataclass(frozen=True, slots=True)
class Indicator:
    """One row of a monitoring plan in a signed revision, with its readings."""

    question_id: str
    row: int  # the row's place in its table, from 0, as signed
    principle: str
    principle_title: str
    name: str  # the catalogue's name, or the plan's own
    own_name: str  # the plan's own words when it also names a catalogue measure
    definition: str  # the catalogue's definition, which names the unit
    baseline: str
    target: str
    breakdown: str
    source: str
    frequency_text: str
    review_date: str
    signed_on: dt.date
    readings: tuple[Reading, ...] = ()  # in date order, then as recorded

    def __post_init__(self) -> None:
        # Readings come in the order recorded; a late figure for an earlier date is common.
        ordered = tuple(sorted(self.readings, key=lambda r: r.date))
        object.__setattr__(self, "readings", ordered)

    @property
    def baseline_number(self) -> float | None:
        return number_in(self.baseline)

    @property
    def target_number(self) -> float | None:
        return number_in(self.target)

    @property
    def frequency(self) -> Frequency:
        return frequency(self.frequency_text)

    @property
    def counted(self) -> tuple[Reading, ...]:
        """The readings that stand: a withdrawn one stays in the table, and counts no more."""
        return tuple(r for r in self.readings if not r.withdrawn_at)

    @property
    def latest(self) -> Reading | None:
        counted = self.counted
        return counted[-1] if counted else None

    def reading(self, reading_id: int) -> Reading | None:
        return next((r for r in self.readings if r.id == reading_id), None)

    @property
    def next_due(self) -> dt.date | None:
        """One interval after the latest reading, or after sign-off before the first."""
        latest = self.latest
        since = dt.date.fromisoformat(latest.date) if latest else self.signed_on
        return self.frequency.after(since)

    def overdue(self, today: dt.date) -> bool:
        due = self.next_due
        return due is not None and due < today

    def due_within(self, today: dt.date, days: int) -> bool:
        due = self.next_due
        return due is not None and due <= today + dt.timedelta(days=days)


def signed_indicators(
    banks: Banks,
    signed: Assessment,
    signed_on: dt.date,
    readings: Mapping[tuple[str, int], Sequence[Reading]] | None = None,
) -> tuple[Indicator, ...]:
    """Every indicator of the signed assessment's monitoring plans, in principle order."""
    values = signed.values()
    readings = readings or {}
    catalogue = {i.id: i for i in banks.indicators}
    found = []
    for principle in wizard.selected_principles(banks, values):
        for question in principle.questions:
            rows = values.get(question.id)
            if question.type != "indicator_table" or not isinstance(rows, list):
                continue
            answer = signed.answers[question.id]
            for number, row in enumerate(rows):
                if not isinstance(row, Mapping):
                    continue
                taken = readings.get((question.id, number), ())
                found.append(
                    _indicator(
                        row,
                        answer.option_labels,
                        catalogue,
                        question_id=question.id,
                        row=number,
                        principle=principle.id,
                        principle_title=principle.title,
                        signed_on=signed_on,
                        readings=tuple(taken),
                    )
                )
    return tuple(found)


def from_signoff(
    banks: Banks,
    signed: Assessment,
    signoff: Signoff,
    readings: Mapping[tuple[str, int], Sequence[Reading]] | None = None,
) -> tuple[Indicator, ...]:
    """The indicators of one sign-off, due dates counted from the day it was signed.

    `signed` is its snapshot as an assessment (transfer.snapshot_assessment), `signoff`
    comes from store.list_signoffs or store.latest_signoffs, and `readings` from
    store.readings for its revision.
    """
    signed_on = dates.uk_date(signoff.signed_at) or dt.date.fromisoformat(signoff.signed_at[:10])
    return signed_indicators(banks, signed, signed_on, readings)


def _indicator(cells: Mapping[str, Any], labels: Mapping[str, str], catalogue, **known):
    chosen = _text(cells.get("catalogue"))
    own = _text(cells.get("indicator"))
    entry = catalogue.get(chosen)
    catalogue_name = _text(labels.get(f"catalogue:{chosen}")) or (entry.name if entry else chosen)
    return Indicator(
        name=catalogue_name or own,
        own_name=own if catalogue_name else "",
        definition=entry.definition if entry else "",
        baseline=_text(cells.get("baseline")),
        target=_text(cells.get("target")),
        breakdown=_text(cells.get("breakdown")),
        source=_text(cells.get("source")),
        frequency_text=_text(cells.get("frequency")),
        review_date=_text(cells.get("review_date")),
        **known,
    )


def find(indicators: Iterable[Indicator], question_id: str, row: int) -> Indicator | None:
    return next((i for i in indicators if i.question_id == question_id and i.row == row), None)


def due_readings(
    indicators: Iterable[Indicator], today: dt.date, within_days: int = 30
) -> tuple[Indicator, ...]:
    """Indicators whose next reading is overdue or due within `within_days`, soonest first.

    For the reminders' digest. An indicator whose frequency was not understood has no due
    date, so it is never listed here; its page says why.
    """
    due = [i for i in indicators if i.due_within(today, within_days)]
    return tuple(sorted(due, key=lambda i: (i.next_due, i.name.casefold())))


def counts(indicators: Iterable[Indicator], today: dt.date, within_days: int = 30) -> dict:
    """How many indicators are overdue, due soon, and have no due date that can be worked out."""
    found = {"overdue": 0, "due_soon": 0, "unknown": 0}
    for indicator in indicators:
        if indicator.next_due is None:
            found["unknown"] += 1
        elif indicator.overdue(today):
            found["overdue"] += 1
        elif indicator.due_within(today, within_days):
            found["due_soon"] += 1
    return found


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""
