"""What the public register says about a published revision: no Flask, no SQL.

The details shown in public are taken from the signed snapshot, never from the live
assessment, so a draft of the next revision is never shown. The open data (CSV, JSON) and
the Atom feed are built here from the store's publications and the public addresses the
blueprint makes for them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

from feedgen.feed import FeedGenerator

from hiat import dates, impacts, wizard
from hiat.exports import xml_safe
from hiat.questions import Banks
from hiat.statement import Table
from hiat.store import Assessment, Publication
from hiat.text import clean

LICENCE_NAME = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
ATTRIBUTION = (
    "Contains public sector information published by the organisations named, licensed under "
    "the Open Government Licence v3.0."
)
FORMATS = {"md": "markdown", "docx": "Word", "pdf": "PDF"}
SLUG_LENGTH = 60  # characters, in whole words
FEED_ENTRIES = 50
PUBLISHED, WITHDRAWN = "published", "withdrawn"


# ---------------------------------------------------------------- at publication
def details(banks: Banks, signed: Assessment) -> dict[str, str]:
    """The revision's title, organisation, place, summary and decision as the statement says."""
    values = signed.values()
    summary = wizard.summary_fields(values, banks)
    entry = impacts.entry(banks, values)
    return {
        "title": clean(summary["title"]).strip() or "Untitled policy",
        "organisation": clean(summary["organisation"]).strip(),
        "place": clean(summary["place"]).strip(),
        "summary": clean(entry.summary).strip(),
        "decision_body": clean(entry.decision_body).strip(),
        "decision_date": entry.decision_date,
    }


def slug(name: str) -> str:
    """An organisation's address part: 'Wirral Council' becomes 'wirral-council'."""
    joined = re.sub(r"['\u2019]", "", name.lower())
    plain = unicodedata.normalize("NFKD", joined).encode("ascii", "ignore").decode()
    made = ""
    for word in re.findall(r"[a-z0-9]+", plain):
        longer = f"{made}-{word}" if made else word
        if len(longer) > SLUG_LENGTH:
            break
        made = longer
    return made or "organisation"


# ---------------------------------------------------------------- open data
@dataclass(frozen=True, slots=True)
class Links:
    """The public addresses of one published revision (documents "" once withdrawn)."""

    page: str
    md: str = ""
    docx: str = ""
    pdf: str = ""


@dataclass(frozen=True, slots=True)
class Record:
    """One published revision in the open data. `id` is its public address: it never changes."""

    id: str
    assessment_id: str
    revision: int
    title: str
    organisation: str
    place: str
    summary: str
    decision_body: str
    decision_date: str
    signed_on: str
    published_at: str
    status: str
    withdrawn_at: str
    withdrawn_reason: str
    markdown: str
    word: str
    pdf: str
    updated_at: str


def record(publication: Publication, links: Links) -> Record:
    withdrawn = publication.withdrawn
    return Record(
        id=links.page,
        assessment_id=publication.uid,
        revision=publication.revision,
        title=publication.title,
        organisation=publication.organisation,
        place=publication.place,
        summary=publication.summary,
        decision_body=publication.decision_body,
        decision_date=publication.decision_date,
        signed_on=publication.signed_at[:10],
        published_at=publication.published_at,
        status=WITHDRAWN if withdrawn else PUBLISHED,
        withdrawn_at=publication.withdrawn_at,
        withdrawn_reason=publication.withdrawn_reason,
        markdown="" if withdrawn else links.md,
        word="" if withdrawn else links.docx,
        pdf="" if withdrawn else links.pdf,
        updated_at=publication.updated_at,
    )


CSV_COLUMNS = (
    ("id", "Id"),
    ("assessment_id", "Assessment id"),
    ("revision", "Revision"),
    ("title", "Policy"),
    ("organisation", "Organisation"),
    ("place", "Place"),
    ("summary", "Summary"),
    ("decision_body", "Decision body"),
    ("decision_date", "Decision date"),
    ("signed_on", "Signed off on"),
    ("published_at", "Published at"),
    ("status", "Status"),
    ("withdrawn_at", "Withdrawn at"),
    ("withdrawn_reason", "Why it was withdrawn"),
    ("markdown", "Statement (markdown)"),
    ("word", "Statement (Word)"),
    ("pdf", "Statement (PDF)"),
)


def csv_table(records: Iterable[Record]) -> Table:
    """The open data as a table; the licence is a column, so every copied row keeps it."""
    headers = (*(label for _, label in CSV_COLUMNS), "Licence")
    rows = tuple(
        (*(str(getattr(r, name)) for name, _ in CSV_COLUMNS), f"{LICENCE_NAME} {LICENCE_URL}")
        for r in records
    )
    return Table(headers, rows)


def json_document(records: Sequence[Record], generated_at: dt.datetime, source: str) -> dict:
    """The open data as JSON: the licence, where it comes from, then one object a revision."""
    return {
        "title": "Published equity impact statements",
        "source": source,
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "licence": {"name": LICENCE_NAME, "url": LICENCE_URL, "attribution": ATTRIBUTION},
        "count": len(records),
        "records": [asdict(r) for r in records],
    }


# ---------------------------------------------------------------- Atom (RFC 4287)
@dataclass(frozen=True, slots=True)
class Feed:
    id: str
    title: str
    self_url: str
    page_url: str
    author: str


def _xml(text: str) -> str:
    # lxml refuses control characters outright: drop them, as the Word file does.
    return xml_safe(text)


def _moment(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def withdrawn_notice(publication: Publication) -> str:
    """'Withdrawn on 3 December 2026. Superseded by the 2027 plan.' (the reason as given)."""
    day = dates.local_date(publication.withdrawn_at)
    reason = publication.withdrawn_reason
    return f"Withdrawn on {day}." + (f" {reason}" if reason else "")


def atom(
    feed: Feed,
    publications: Sequence[Publication],
    link: Callable[[Publication], str],
    empty_since: dt.datetime,
) -> bytes:
    """An Atom feed: one entry a published revision, newest change first.

    A withdrawal changes the entry's `updated` time and title, so readers see it as an
    update of the same entry (same id). `empty_since` is the feed's `updated` with no entries.
    """
    generator = FeedGenerator()
    generator.id(feed.id)
    generator.title(_xml(feed.title))
    generator.author(name=_xml(feed.author))
    generator.link(href=feed.self_url, rel="self", type="application/atom+xml")
    generator.link(href=feed.page_url, rel="alternate", type="text/html")
    generator.language("en-GB")
    generator.rights(f"{ATTRIBUTION} {LICENCE_URL}")
    generator.generator("hiat")
    latest = max((_moment(p.updated_at) for p in publications), default=empty_since)
    generator.updated(latest)
    for publication in publications:
        entry = generator.add_entry(order="append")
        address = link(publication)
        entry.id(address)
        title = f"{publication.title} (revision {publication.revision})"
        entry.title(_xml(f"Withdrawn: {title}" if publication.withdrawn else title))
        entry.updated(_moment(publication.updated_at))
        entry.published(_moment(publication.published_at))
        entry.link(href=address, rel="alternate", type="text/html")
        entry.author(name=_xml(publication.organisation or feed.author))
        summary = withdrawn_notice(publication) if publication.withdrawn else publication.summary
        entry.summary(_xml(summary or title))
    return generator.atom_str(pretty=True)
