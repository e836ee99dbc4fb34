"""What falls due for one person: review dates and action due dates on the assessments they
have a role on, read from the store as `reminders.Reminder`s.

No routes. The `remind` command turns these into each person's digest, and the calendar
feed into events. Who is reminded of what: reviews go to the authors, reviewers and
approvers of an approved assessment (viewers only read); actions and indicator readings to
its authors, since an action's owner is free text, not an account, and only authors record
readings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from hiat import dates, monitoring, store, tracking, transfer
from hiat.questions import Banks
from hiat.reminders import ACTION, READING, REVIEW, Email, Reminder, digest

Link = Callable[..., str]
REVIEW_ROLES = frozenset({"author", "reviewer", "approver"})
ACTION_ROLES = frozenset({"author"})
SHORT_ACTION = 80


def for_person(
    db: store.Database,
    banks: Banks,
    user: store.User,
    link: Link,
    actions_cache: dict[str, list[Reminder]] | None = None,
) -> list[Reminder]:
    """Everything with a date the person should hear of, however far off.

    `actions_cache` keeps each assessment's action and reading reminders while one run goes
    through many people, so a signed snapshot is read once, not once a person.
    """
    cache = {} if actions_cache is None else actions_cache
    found: list[Reminder] = []
    for assessment in store.held_assessments(db, user):
        if assessment.role in REVIEW_ROLES:
            found += review_reminders(assessment, link)
        if assessment.role in ACTION_ROLES and assessment.signed_revision:
            if assessment.uid not in cache:
                cache[assessment.uid] = signed_reminders(db, banks, assessment, link)
            found += cache[assessment.uid]
    return found


def review_reminders(assessment: store.HeldAssessment, link: Link) -> list[Reminder]:
    """The review date of an approved assessment (a draft or one in review has none yet)."""
    day = dates.uk_date(assessment.review_date) if assessment.review_date else None
    if assessment.status != store.APPROVED or day is None:
        return []
    return [
        Reminder(
            kind=REVIEW,
            title=assessment.title,
            what=f"The review of revision {assessment.revision}",
            due=day,
            link=link("assessments.task_list", uid=assessment.uid),
            key=f"review-{assessment.uid}-{assessment.revision}",
        )
    ]


def signed_reminders(
    db: store.Database, banks: Banks, assessment: store.HeldAssessment, link: Link
) -> list[Reminder]:
    """The open actions and the indicator readings of the newest signed revision."""
    wanted = assessment.signed_revision
    signoff = next(s for s in store.list_signoffs(db, assessment.uid) if s.revision == wanted)
    signed = transfer.snapshot_assessment(signoff.snapshot, assessment.uid)
    return action_reminders(db, banks, assessment, signed, signoff, link) + reading_reminders(
        db, banks, assessment, signed, signoff, link
    )


def action_reminders(
    db: store.Database,
    banks: Banks,
    assessment: store.HeldAssessment,
    signed: store.Assessment,
    signoff: store.Signoff,
    link: Link,
) -> list[Reminder]:
    """The open actions of the signed revision that have a due date."""
    updates = store.action_updates(db, assessment.uid, signoff.revision)
    found = []
    for action in tracking.signed_actions(banks, signed, updates):
        day = dates.uk_date(action.due_date) if action.due_date else None
        if day is None or action.status in tracking.CLOSED:
            continue
        owner = f" (owner: {action.owner})" if action.owner else ""
        found.append(
            Reminder(
                kind=ACTION,
                title=assessment.title,
                what=f"The action “{_short(action.action) or 'not described'}”{owner}",
                due=day,
                link=link(
                    "actions.update_action",
                    uid=assessment.uid,
                    question_id=action.question_id,
                    row=action.row,
                ),
                key=(
                    f"action-{assessment.uid}-{signoff.revision}-{action.question_id}-{action.row}"
                ),
            )
        )
    return found


def reading_reminders(
    db: store.Database,
    banks: Banks,
    assessment: store.HeldAssessment,
    signed: store.Assessment,
    signoff: store.Signoff,
    link: Link,
) -> list[Reminder]:
    """The next reading of each signed indicator whose frequency gives a date."""
    readings = store.readings(db, assessment.uid, signoff.revision)
    found = []
    for indicator in monitoring.from_signoff(banks, signed, signoff, readings):
        if indicator.next_due is None:
            continue  # a frequency the service cannot read: its page says why
        found.append(
            Reminder(
                kind=READING,
                title=assessment.title,
                what=f"The next reading of “{_short(indicator.name) or 'an unnamed indicator'}”",
                due=indicator.next_due,
                link=link(
                    "monitoring.indicator",
                    uid=assessment.uid,
                    question_id=indicator.question_id,
                    row=indicator.row,
                ),
                key=(
                    f"reading-{assessment.uid}-{signoff.revision}-"
                    f"{indicator.question_id}-{indicator.row}"
                ),
            )
        )
    return found


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT_ACTION else text[: SHORT_ACTION - 1].rstrip() + "…"


def digests(
    db: store.Database, banks: Banks, link: Link, today: dt.date
) -> tuple[list[Email], int, int]:
    """Each person's digest for today; how many had nothing due, and how many said no."""
    settings_link = link("notifications.settings")
    cache: dict[str, list[Reminder]] = {}
    found, nothing_due, turned_off = [], 0, 0
    for person, wanted in store.digest_choices(db):
        if not wanted:
            turned_off += 1
            continue
        items = for_person(db, banks, person, link, cache)
        email = digest(person.email, person.name, items, today, settings_link)
        if email is None:
            nothing_due += 1
        else:
            found.append(email)
    return found, nothing_due, turned_off
