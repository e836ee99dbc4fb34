"""A person's calendar feed (iCalendar, RFC 5545) of the reminders that concern them.

Pure: reminders in, bytes out. Each reminder is an all-day event (calendar apps hide tasks,
VTODO), with a display alarm a few days before and a UID that stays the same from one fetch
to the next, so a calendar updates an event rather than adding another. Text goes through
the icalendar library, which escapes commas, semicolons, backslashes and line breaks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from icalendar import Alarm, Calendar, Event

from hiat.reminders import ACTION, READING, REVIEW, SERVICE, Reminder, one_line

ALARM_DAYS_BEFORE = 3
UID_DOMAIN = "hiat"
PREFIXES = {REVIEW: "Review due", ACTION: "Action due", READING: "Indicator reading due"}


def feed(reminders: Iterable[Reminder], now: dt.datetime, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//{SERVICE}//hiat//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{SERVICE}: {one_line(name)}")
    # Calendar apps that honour it fetch the feed again every 12 hours.
    calendar.add("refresh-interval", dt.timedelta(hours=12), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT12H")
    for reminder in sorted(reminders, key=lambda r: (r.due, r.key)):
        calendar.add_component(event(reminder, now))
    return calendar.to_ical()


def event(reminder: Reminder, now: dt.datetime) -> Event:
    title = one_line(reminder.title) or "Untitled policy"
    summary = f"{PREFIXES.get(reminder.kind, 'Due')}: {title}"
    made = Event()
    made.add("uid", f"{reminder.key}@{UID_DOMAIN}")
    made.add("dtstamp", now.astimezone(dt.UTC))
    # A date, not a time: an all-day event that ends (exclusively) the next day.
    made.add("dtstart", reminder.due)
    made.add("dtend", reminder.due + dt.timedelta(days=1))
    made.add("summary", summary)
    made.add("description", f"{one_line(reminder.what)}.\nAssessment: {title}\n{reminder.link}")
    made.add("url", reminder.link)
    made.add("transp", "TRANSPARENT")  # a reminder, not time the person is busy
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", dt.timedelta(days=-ALARM_DAYS_BEFORE))
    made.add_component(alarm)
    return made
