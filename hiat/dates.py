"""Dates and times as people in the UK read them: "2 December 2026 at 1:36am".

The store keeps timestamps as ISO strings in UTC; people read them in UK local time, so a
summer timestamp is shown in British Summer Time. Times follow GOV.UK style: "1:36am",
"midnight" and "midday" rather than 12:00am and 12:00pm. ISO stays in JSON and CSV exports.
No Flask, no I/O, and no imports from the rest of hiat, so any module (statement.py too)
can use it.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

# tzdata (requirements.txt) supplies the zone where the system has no zoneinfo database.
UK = ZoneInfo("Europe/London")
# fromisoformat also reads "2026-12-02" as midnight; a timestamp must have a time part.
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def uk_time(value: str) -> dt.datetime | None:
    """A stored ISO timestamp in UK local time; None if it is not one. No offset means UTC."""
    if not ISO_TIMESTAMP.fullmatch(value):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(UK)


def uk_date(value: str) -> dt.date | None:
    """The day an ISO date or timestamp falls on in the UK; None if it is neither."""
    moment = uk_time(value)
    if moment is not None:
        return moment.date()
    if not ISO_DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def day_text(day: dt.date) -> str:
    """2 December 2026, as statement.date_text writes it."""
    return f"{day.day} {day:%B %Y}"


def clock_text(moment: dt.datetime | dt.time) -> str:
    """1:36am, 1pm, midnight, midday: GOV.UK style, no ":00" on a whole hour."""
    if (moment.hour, moment.minute) == (0, 0):
        return "midnight"
    if (moment.hour, moment.minute) == (12, 0):
        return "midday"
    suffix = "am" if moment.hour < 12 else "pm"
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{moment.hour % 12 or 12}{minutes}{suffix}"


def local_date(value: str | None) -> str | None:
    """'2 December 2026' for an ISO date, or for a timestamp's day in the UK.

    Anything else (None, blank, not a date) comes back as it was given.
    """
    if not isinstance(value, str):
        return value
    day = uk_date(value.strip())
    return value if day is None else day_text(day)


def local_date_time(value: str | None) -> str | None:
    """'2 December 2026 at 1:36am' in UK local time; an ISO date alone has no 'at'.

    Anything else (None, blank, not a date) comes back as it was given.
    """
    if not isinstance(value, str):
        return value
    moment = uk_time(value.strip())
    if moment is None:
        return local_date(value)
    return f"{day_text(moment.date())} at {clock_text(moment)}"


# Written the way people type dates: 1 4 2026, 1/4/2026, 01-04-2026 or 2026-04-01.
DAY_MONTH_YEAR = re.compile(r"\s*(\d{1,2})[\s/.-]+(\d{1,2})[\s/.-]+(\d{4})\s*")
YEAR_MONTH_DAY = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*")


def parse_date(text: str) -> dt.date | None:
    match = YEAR_MONTH_DAY.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = DAY_MONTH_YEAR.fullmatch(text)
        if not match:
            return None
        day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
