"""What hiat tells people by email: the digest of what is due, and the notices sent when an
assessment is sent for review, returned to draft or signed off.

Pure functions: no Flask, no SQL, no sending. Each email is plain text that a person reads
as it comes, with dates written as "30 June 2027" and full links. User text (titles, actions)
is put on one line each, without control or bidi characters left open, so it can never
start a line of its own that looks like part of the email.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from hiat.dates import day_text
from hiat.statement import join_words
from hiat.text import clean
from hiat.wizard import REVIEW_WARNING

SERVICE = "Health equity impact assessment"
REVIEW, ACTION, READING = "review_due", "action_due", "reading_due"
KINDS = (REVIEW, ACTION, READING)
# What is due this soon (or is overdue) goes into the digest: the register's "Review due".
WARNING = REVIEW_WARNING
# A section's heading, and the words for one and for many in the subject line.
SECTION_WORDS = {
    REVIEW: ("Reviews", "review", "reviews"),
    ACTION: ("Actions", "action", "actions"),
    READING: ("Indicator readings", "indicator reading", "indicator readings"),
}


@dataclass(frozen=True, slots=True)
class Reminder:
    """One thing that falls due on a day, on an assessment the person has a role on."""

    kind: str  # one of KINDS
    title: str  # the assessment's title
    what: str  # what is due, in words: "Review of revision 1", an action, an indicator
    due: dt.date
    link: str  # a full URL to the page where it is done
    key: str  # stable across runs, such as "review-<uid>-<revision>": the calendar's UID

    def overdue(self, today: dt.date) -> bool:
        return self.due < today


@dataclass(frozen=True, slots=True)
class Email:
    to: str
    subject: str
    body: str


def one_line(text: str) -> str:
    """User text on one line: no line breaks, control characters or open bidi controls."""
    return " ".join(clean(text).split())


def in_digest(reminders: Iterable[Reminder], today: dt.date) -> list[Reminder]:
    """What the digest lists: overdue, or due within the next 30 days; soonest first."""
    found = [r for r in reminders if r.due <= today + WARNING]
    return sorted(found, key=lambda r: (r.due, r.title.casefold(), r.key))


def digest(
    to: str, name: str, reminders: Iterable[Reminder], today: dt.date, settings_link: str
) -> Email | None:
    """The person's digest, or None when nothing is overdue or due in the next 30 days."""
    items = in_digest(reminders, today)
    if not items:
        return None
    lines = [
        f"Hello {one_line(name)},",
        "",
        f"This is what is overdue, or due by {day_text(today + WARNING)}, on the assessments "
        f"you have a role on. Written on {day_text(today)}.",
    ]
    for kind in KINDS:
        for overdue in (True, False):
            chosen = [r for r in items if r.kind == kind and r.overdue(today) == overdue]
            if chosen:
                lines += ["", _heading(kind, overdue), ""]
                lines += [line for r in chosen for line in _item_lines(r, today)]
    lines += [
        "",
        "You get this email because you have a role on these assessments. To stop it, or to "
        f"follow these dates in your calendar instead, go to {settings_link}",
    ]
    return Email(to, f"{SERVICE}: {_summary(items, today)}", "\n".join(lines) + "\n")


def _heading(kind: str, overdue: bool) -> str:
    return f"{SECTION_WORDS[kind][0]} overdue" if overdue else f"{SECTION_WORDS[kind][0]} due soon"


def _item_lines(reminder: Reminder, today: dt.date) -> list[str]:
    days = (reminder.due - today).days
    if days < 0:
        when = f"was due on {day_text(reminder.due)} ({_days(-days)} ago)"
    elif days == 0:
        when = "is due today"
    else:
        when = f"is due on {day_text(reminder.due)} (in {_days(days)})"
    return [
        f"- {one_line(reminder.what)} {when}",
        f"  Assessment: {one_line(reminder.title) or 'Untitled policy'}",
        f"  {reminder.link}",
    ]


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _summary(items: list[Reminder], today: dt.date) -> str:
    parts = []
    for kind in KINDS:
        _, one, many = SECTION_WORDS[kind]
        for overdue, word in ((True, "overdue"), (False, "due soon")):
            count = sum(1 for r in items if r.kind == kind and r.overdue(today) == overdue)
            if count:
                parts.append(f"{count} {one if count == 1 else many} {word}")
    return join_words(parts)


# ---------------------------------------------------------------- notices
SENT, RETURNED, SIGNED = "sent_for_review", "returned_to_draft", "signed_off"
NOTICES = {
    SENT: (
        "sent for review",
        "{by} sent “{title}” for review. Its answers are locked until it is approved or "
        "returned to draft. Read it, comment, and return it or sign it off:",
    ),
    RETURNED: (
        "returned to draft",
        "{by} returned “{title}” to draft. Its answers can be changed again. Read the "
        "comments and make the changes:",
    ),
    SIGNED: (
        "signed off",
        "{by} signed off revision {revision} of “{title}”. The signed statement can be "
        "downloaded, and its actions can now be tracked:",
    ),
}


def notice(event: str, to: str, name: str, title: str, revision: int, by: str, link: str) -> Email:
    """The email that tells one person an assessment moved on in its workflow."""
    what, sentence = NOTICES[event]
    title_line = one_line(title) or "Untitled policy"
    body = "\n".join(
        [
            f"Hello {one_line(name)},",
            "",
            sentence.format(by=one_line(by), title=title_line, revision=revision),
            link,
            "",
            "You get this email because you have a role on this assessment.",
        ]
    )
    # A title can be long; the subject keeps the start of it.
    short = title_line if len(title_line) <= 80 else title_line[:79].rstrip() + "…"
    return Email(to, f"{SERVICE}: “{short}” was {what}", body + "\n")
