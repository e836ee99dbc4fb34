"""Cumulative impact: what many assessments add up to, for a board or a budget paper.

Pure: no Flask, no database, no clock. The caller chooses the decisions (a place, an
organisation, a financial year) and passes them in with the banks; `report` returns the
same blocks as the statement, so the markdown, HTML and Word renderers show it unchanged.
Each function is one pass over the impacts plus a sort: O(n log n) in the decisions.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from hiat.impacts import HARMFUL, Impact
from hiat.questions import KIND_QUESTION, Banks, Principle, group_label
from hiat.statement import (
    SERVICE_NAME,
    Block,
    Bullets,
    Heading,
    Paragraph,
    Statement,
    Table,
    date_text,
    in_sentence,
    join_words,
)

REPORT_KIND = "Cumulative equity impact report"
ALL_DECISIONS = "all assessed decisions"
# A group or place harmed by this many decisions within twelve months is a hotspot.
HOTSPOT_DECISIONS = 3
NOT_SCREENED = "not_screened"  # the principle was screened out: no impact
NOT_RATED = "not_rated"  # screened in, direction not rated yet
# Every cell's symbol repeats its words, so the meaning never rests on a symbol alone.
SYMBOLS = MappingProxyType(
    {
        "major_positive": "▲▲",
        "positive": "▲",
        "neutral": "●",
        "negative": "▼",
        "major_negative": "▼▼",
        "uncertain": "?",
        NOT_RATED: "…",
        NOT_SCREENED: "–",
    }
)
STATUS_ORDER = ("approved", "stopped", "in_review", "draft")
STATUS_WORDS = MappingProxyType(
    {
        "approved": "approved",
        "stopped": "stopped after review",
        "in_review": "in review",
        "draft": "in draft",
    }
)
# Signed off: a policy stopped after its review was approved, and its ratings stay as signed.
SIGNED = frozenset({"approved", "stopped"})
GROUP, PLACE, NO_ACTION = "group", "place", "no_action"
NOT_KNOWN, UNRATED, NO_DATE = "not_known", "not_rated", "no_date"
MOST_NAMED = 3  # principles and groups the pattern names
# A paper's tables stop at this many rows; the register holds the whole set.
TABLE_LIMIT = 100
HOTSPOT_LISTED = 5  # decisions named under a hotspot in the body; the rest go to the appendix
APPENDIX = "Appendix: the decisions behind each hotspot"


# ---------------------------------------------------------------- input
@dataclass(frozen=True, slots=True)
class Decision:
    """One assessed decision, as the register keeps it (see hiat.impacts.Entry)."""

    uid: str
    title: str
    organisation: str
    place: str  # place label, e.g. "Liverpool"
    status: str  # "draft" | "in_review" | "approved" | "stopped"
    decision_date: str  # ISO date or ""
    groups: tuple[str, ...]  # the policy's groups (impacts.Entry.groups)
    impacts: tuple[Impact, ...]
    kind: str = ""  # a details_kind value, "" if not given


# ---------------------------------------------------------------- results
@dataclass(frozen=True, slots=True)
class Cell:
    """One principle's rating in one decision, in words led by a symbol."""

    direction: str  # a direction scale value, NOT_RATED or NOT_SCREENED
    gap: str  # a gap scale value, or ""
    text: str  # "▼ Negative, widens the gap"
    harmful: bool


@dataclass(frozen=True, slots=True)
class MatrixRow:
    decision: Decision
    cells: tuple[Cell, ...]  # one per principle, in the order of Matrix.principles


@dataclass(frozen=True, slots=True)
class Matrix:
    principles: tuple[Principle, ...]
    rows: tuple[MatrixRow, ...]


@dataclass(frozen=True, slots=True)
class Count:
    """Harmful impacts in one cell of the group table."""

    negative: int = 0  # direction negative or major negative
    widening: int = 0  # gap widens
    harmful: int = 0  # either (an impact that is both counts once)
    with_action: int = 0  # harmful ones with at least one action

    @property
    def text(self) -> str:
        if not self.harmful:
            return "None"
        return (
            f"{self.negative} negative, {self.widening} widening; "
            f"{self.with_action} of {self.harmful} with an action"
        )


@dataclass(frozen=True, slots=True)
class GroupRow:
    group: str  # group id, "own:<name>" for an own-named group
    label: str
    cells: tuple[Count, ...]  # one per principle, in the order of GroupTable.principles
    total: Count


@dataclass(frozen=True, slots=True)
class GroupTable:
    principles: tuple[Principle, ...]
    rows: tuple[GroupRow, ...]  # only groups with a harmful impact, most harmed first


@dataclass(frozen=True, slots=True)
class Hotspot:
    """Where harms add up (GROUP, PLACE) or a harm has no action (NO_ACTION)."""

    kind: str
    subject: str  # group id, place label, or the decision's uid for NO_ACTION
    label: str  # what a reader sees: the group's label, the place, the decision's title
    decisions: tuple[Decision, ...]  # in date order
    first: str = ""  # ISO dates of the first and last decision in the busy period
    last: str = ""
    most_in_twelve_months: int = 0
    principles: tuple[str, ...] = ()  # NO_ACTION: principles rated harmful with no action


@dataclass(frozen=True, slots=True)
class EvidenceGap:
    kind: str  # NOT_KNOWN, UNRATED or NO_DATE
    decision: Decision
    principles: tuple[str, ...] = ()  # principle ids, for NOT_KNOWN and UNRATED


# ---------------------------------------------------------------- small helpers
def count(n: int, one: str, many: str = "") -> str:
    """'1 decision', '3 decisions'."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def day_of(decision: Decision) -> dt.date | None:
    try:
        return dt.date.fromisoformat(decision.decision_date)
    except ValueError:
        return None


def twelve_months_after(day: dt.date) -> dt.date:
    """The same date a year later; 29 February gives 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def in_order(decisions: Iterable[Decision]) -> list[Decision]:
    """By decision date, undated last, then title and uid: the same order every time."""
    return sorted(
        decisions,
        key=lambda d: (day_of(d) is None, d.decision_date, d.title.casefold(), d.uid),
    )


def scale_labels(banks: Banks, name: str) -> dict[str, str]:
    return {option.value: option.label for option in banks.scales.get(name, ())}


def _groups(banks: Banks) -> dict[str, str]:
    """Group id -> the id it counts as: a group that repeats another counts as that one."""
    return {g.id: g.same_as or g.id for g in banks.groups}


def harmed_groups(decision: Decision, impact: Impact, same: Mapping[str, str]) -> list[str]:
    """The groups a harmful impact counts against: its principle's, else the decision's."""
    named = impact.groups or decision.groups
    return list(dict.fromkeys(same.get(g, g) for g in named))


def _principle_labels(banks: Banks) -> dict[str, str]:
    return {p.id: p.short_label for p in banks.principles}


# ---------------------------------------------------------------- 1. the matrix
def matrix(decisions: Iterable[Decision], banks: Banks) -> Matrix:
    """Each decision's rating under each of the eight principles, in words and a symbol."""
    directions, gaps = scale_labels(banks, "direction"), scale_labels(banks, "gap")
    rows = []
    for decision in in_order(decisions):
        rated = {impact.principle: impact for impact in decision.impacts}
        cells = tuple(_cell(rated.get(p.id), directions, gaps) for p in banks.principles)
        rows.append(MatrixRow(decision, cells))
    return Matrix(banks.principles, tuple(rows))


def _cell(impact: Impact | None, directions: Mapping[str, str], gaps: Mapping[str, str]) -> Cell:
    if impact is None:
        return Cell(NOT_SCREENED, "", f"{SYMBOLS[NOT_SCREENED]} Not screened in", False)
    direction = impact.direction or NOT_RATED
    if not impact.direction and not impact.gap:
        return Cell(direction, "", f"{SYMBOLS[NOT_RATED]} Not rated yet", False)
    words = directions.get(impact.direction, impact.direction) or "Direction not rated"
    text = f"{SYMBOLS.get(direction, SYMBOLS[NOT_RATED])} {words}, {gap_phrase(impact.gap, gaps)}"
    return Cell(direction, impact.gap, text, impact.harmful)


def gap_phrase(value: str, gaps: Mapping[str, str]) -> str:
    """'widens the gap', 'effect on the gap not known', 'gap not rated yet'."""
    if not value:
        return "gap not rated yet"
    label = gaps.get(value, value).lower()
    return label if "gap" in label else f"effect on the gap {label}"


def symbol_key(banks: Banks) -> tuple[str, ...]:
    """What each symbol means, for the key under the matrix's heading."""
    directions = scale_labels(banks, "direction")
    words = {**directions, NOT_RATED: "Not rated yet", NOT_SCREENED: "Not screened in"}
    return tuple(f"{symbol} {words[value]}" for value, symbol in SYMBOLS.items() if value in words)


# ---------------------------------------------------------------- 2. groups by principle
def group_table(decisions: Iterable[Decision], banks: Banks) -> GroupTable:
    """Harmful impacts counted by group and principle; only the groups harmed at all."""
    same, column = _groups(banks), {p.id: n for n, p in enumerate(banks.principles)}
    tally: dict[str, list[list[int]]] = {}
    for decision in decisions:
        for impact in decision.impacts:
            if not impact.harmful or impact.principle not in column:
                continue
            for group in harmed_groups(decision, impact, same):
                cells = tally.setdefault(group, [[0, 0, 0, 0] for _ in banks.principles])
                _add(cells[column[impact.principle]], impact)
    labels = {g.id: g for g in banks.groups}
    rank = {g.id: n for n, g in enumerate(banks.groups)}
    rows = [_group_row(group, labels, cells) for group, cells in tally.items()]
    rows.sort(key=lambda r: (-r.total.harmful, rank.get(r.group, len(rank)), r.label.casefold()))
    return GroupTable(banks.principles, tuple(rows))


def _add(cell: list[int], impact: Impact) -> None:
    cell[0] += impact.direction in HARMFUL
    cell[1] += impact.gap == "widens"
    cell[2] += 1
    cell[3] += impact.actions > 0


def _group_row(group: str, labels, cells: list[list[int]]) -> GroupRow:
    counts = tuple(Count(*cell) for cell in cells)
    total = Count(*(sum(column) for column in zip(*cells, strict=True)))
    return GroupRow(group, group_label(labels, group), counts, total)


# ---------------------------------------------------------------- 3. hotspots
def hotspots(decisions: Iterable[Decision], banks: Banks) -> tuple[Hotspot, ...]:
    """Where harms add up, then each harm with no action, the most severe first.

    Groups and places come first: they are what no single assessment can show. Within
    each kind the busiest period (most decisions in twelve months) comes first; harms
    with no action go major negative first, then by how many principles they touch.
    """
    decisions = list(decisions)
    same, labels = _groups(banks), {g.id: g for g in banks.groups}
    by_group: dict[str, list[Decision]] = defaultdict(list)
    by_place: dict[str, list[Decision]] = defaultdict(list)
    for decision in decisions:
        harmful = [impact for impact in decision.impacts if impact.harmful]
        groups = {g for impact in harmful for g in harmed_groups(decision, impact, same)}
        for group in groups:
            by_group[group].append(decision)
        if harmful and decision.place.strip():
            by_place[decision.place.strip()].append(decision)
    spots = _busy(GROUP, by_group, lambda g: group_label(labels, g))
    spots += _busy(PLACE, by_place, str)
    return (*spots, *_unmitigated(decisions, banks))


def _busy(kind: str, harmed: Mapping[str, list[Decision]], label) -> list[Hotspot]:
    spots = [
        Hotspot(
            kind,
            subject,
            label(subject),
            period,
            period[0].decision_date,
            period[-1].decision_date,
            most,
        )
        for subject, decisions in harmed.items()
        for period, most in busy_periods(decisions)
    ]
    spots.sort(
        key=lambda s: (-s.most_in_twelve_months, -len(s.decisions), s.first, s.label, s.subject)
    )
    return spots


def busy_periods(decisions: Iterable[Decision]) -> list[tuple[tuple[Decision, ...], int]]:
    """Runs of dated decisions with HOTSPOT_DECISIONS or more within any twelve months.

    Twelve months runs from a decision's date to the same date a year later, both days
    included: 1 April 2026 and 1 April 2027 are within twelve months, 2 April 2027 is not.
    Overlapping busy windows join into one period. Returns (decisions, most in any window).
    Undated decisions are left out; gaps_in_evidence lists them.
    """
    dated = sorted(
        ((day, d) for d in decisions if (day := day_of(d))), key=lambda x: (x[0], x[1].uid)
    )
    periods: list[tuple[int, int, int]] = []  # first index, last index, most in a window
    left = 0
    for right, (day, _) in enumerate(dated):
        while twelve_months_after(dated[left][0]) < day:
            left += 1
        size = right - left + 1
        if size < HOTSPOT_DECISIONS:
            continue
        if periods and left <= periods[-1][1]:
            first, _, most = periods[-1]
            periods[-1] = (first, right, max(most, size))
        else:
            periods.append((left, right, size))
    return [(tuple(d for _, d in dated[a : b + 1]), most) for a, b, most in periods]


def _unmitigated(decisions: Iterable[Decision], banks: Banks) -> list[Hotspot]:
    order = _principle_order(banks)
    spots, severity = [], {}
    for decision in in_order(decisions):
        bare = _by_principle([i for i in decision.impacts if i.harmful and i.actions == 0], order)
        if not bare:
            continue
        day = decision.decision_date
        spot = Hotspot(
            NO_ACTION,
            decision.uid,
            decision.title,
            (decision,),
            first=day,
            last=day,
            most_in_twelve_months=1,
            principles=tuple(i.principle for i in bare),
        )
        severity[decision.uid] = (all(i.direction != "major_negative" for i in bare), -len(bare))
        spots.append(spot)
    # Stable: within a severity the decisions stay in date order.
    return sorted(spots, key=lambda s: severity[s.subject])


def _principle_order(banks: Banks) -> dict[str, int]:
    return {p.id: n for n, p in enumerate(banks.principles)}


def _by_principle(impacts: Iterable[Impact], order: Mapping[str, int]) -> list[Impact]:
    """The impacts of known principles, in the banks' order of principles."""
    return sorted((i for i in impacts if i.principle in order), key=lambda i: order[i.principle])


# ---------------------------------------------------------------- 4. gaps in the evidence
def gaps_in_evidence(decisions: Iterable[Decision], banks: Banks) -> tuple[EvidenceGap, ...]:
    """Ratings not known yet, screened-in principles not rated, decisions with no date."""
    order = _principle_order(banks)
    found: dict[str, list[EvidenceGap]] = {NOT_KNOWN: [], UNRATED: [], NO_DATE: []}
    for decision in in_order(decisions):
        impacts = _by_principle(decision.impacts, order)
        unknown = tuple(
            i.principle for i in impacts if i.direction == "uncertain" or i.gap == "not_known"
        )
        unrated = tuple(i.principle for i in impacts if not i.direction or not i.gap)
        if unknown:
            found[NOT_KNOWN].append(EvidenceGap(NOT_KNOWN, decision, unknown))
        if unrated:
            found[UNRATED].append(EvidenceGap(UNRATED, decision, unrated))
        if day_of(decision) is None:
            found[NO_DATE].append(EvidenceGap(NO_DATE, decision))
    return tuple(gap for kind in found.values() for gap in kind)


# ---------------------------------------------------------------- 5. the report
def report(
    decisions: Sequence[Decision], banks: Banks, description: str, today: dt.date
) -> Statement:
    """The cumulative report for a paper, as statement blocks. Pure and deterministic."""
    decisions = in_order(decisions)
    about = description.strip().rstrip(".") or ALL_DECISIONS
    blocks: list[Block] = [
        Heading(1, f"{REPORT_KIND}: {about}"),
        Paragraph(f"Made on {date_text(today.isoformat())}."),
    ]
    blocks += _assessed(decisions, banks, about)
    spots = hotspots(decisions, banks)
    blocks += pattern_blocks(decisions, banks, spots)
    blocks += hotspot_blocks(spots, banks)
    blocks += gap_blocks(gaps_in_evidence(decisions, banks), banks)
    blocks += matrix_blocks(matrix(decisions, banks), banks)
    blocks += group_blocks(group_table(decisions, banks))
    blocks += _method(decisions)
    blocks += appendix_blocks(spots)
    draft = any(d.status not in SIGNED for d in decisions)
    return Statement(about, draft, tuple(blocks), SERVICE_NAME, REPORT_KIND)


def _assessed(decisions: Sequence[Decision], banks: Banks, about: str) -> list[Block]:
    blocks: list[Block] = [
        Heading(2, "What was assessed"),
        Paragraph(f"This report covers {about}."),
    ]
    if not decisions:
        blocks.append(Paragraph("No assessed decisions match, so there is nothing to add up yet."))
        return blocks
    blocks.append(Paragraph(f"It brings together the assessments of {_statuses(decisions)}."))
    kinds = Counter(d.kind for d in decisions)
    if any(kinds):
        question = banks.questions.get(KIND_QUESTION)
        labels = {o.value: o.label for o in question.options} if question else {}
        rows = [(labels.get(k, k) if k else "Not given", str(n)) for k, n in kinds.most_common()]
        blocks.append(Table(("Kind of decision", "Decisions"), tuple(rows)))
    return blocks


def _statuses(decisions: Sequence[Decision]) -> str:
    """'3 decisions: 1 approved, 1 in review and 1 draft', '2 decisions, both draft'."""
    statuses = Counter(d.status for d in decisions)
    order = [*STATUS_ORDER, *sorted(set(statuses) - set(STATUS_ORDER))]
    parts = [f"{statuses[s]} {STATUS_WORDS.get(s, s)}" for s in order if statuses[s]]
    total = count(len(decisions), "decision")
    if len(parts) > 1:
        return f"{total}: {join_words(parts)}"
    word = STATUS_WORDS.get(decisions[0].status, decisions[0].status)
    return {1: f"{total}, {word}", 2: f"{total}, both {word}"}.get(
        len(decisions), f"{total}, all {word}"
    )


def pattern_blocks(
    decisions: Sequence[Decision], banks: Banks, spots: Sequence[Hotspot]
) -> list[Block]:
    """The narrative: how many decisions harm, which principles and groups, what is done."""
    blocks: list[Block] = [Heading(2, "The pattern")]
    if not decisions:
        return [*blocks, Paragraph("There is no pattern to describe yet.")]
    harmed = [d for d in decisions if any(i.harmful for i in d.impacts)]
    sentences = [
        _harmed_sentence(len(harmed), len(decisions)),
        "Harmful means negative for health, or widening the gap between the groups doing best "
        "and those doing worst.",
    ]
    if harmed:
        sentences += [_principles_sentence(harmed, banks), _groups_sentence(harmed, banks)]
        sentences.append(_actions_sentence(harmed))
        sentences.append(_hotspots_sentence(spots))
    return [*blocks, Paragraph(" ".join(s for s in sentences if s))]


def _harmed_sentence(harmed: int, total: int) -> str:
    if total == 1 and harmed:
        return "The assessors rated this decision as harmful under at least one principle."
    if total == 1:
        return "The assessors did not rate this decision as harmful under any principle."
    if harmed == 0:
        return f"The assessors rated none of the {total} decisions as harmful under any principle."
    which = f"all {total}" if harmed == total else f"{harmed} of the {total}"
    return f"The assessors rated {which} decisions as harmful under at least one principle."


def _principles_sentence(harmed: Sequence[Decision], banks: Banks) -> str:
    hits = Counter(p for d in harmed for p in {i.principle for i in d.impacts if i.harmful})
    labels = _principle_labels(banks)
    order = {p.id: n for n, p in enumerate(banks.principles)}
    ranked = sorted(hits, key=lambda p: (-hits[p], order.get(p, len(order)), p))[:MOST_NAMED]
    names = [f"{in_sentence(labels.get(p, p))} ({count(hits[p], 'decision')})" for p in ranked]
    if len(hits) == 1:
        return f"The only principle rated harmful is {names[0]}."
    return f"The principles most often rated harmful are {join_words(names)}."


def _groups_sentence(harmed: Sequence[Decision], banks: Banks) -> str:
    same, labels = _groups(banks), {g.id: g for g in banks.groups}
    rank = {g.id: n for n, g in enumerate(banks.groups)}
    hits: Counter[str] = Counter()
    for decision in harmed:
        hits.update(
            {g for i in decision.impacts if i.harmful for g in harmed_groups(decision, i, same)}
        )
    if not hits:
        return "The assessors named no groups for the harmful impacts."
    ranked = sorted(hits, key=lambda g: (-hits[g], rank.get(g, len(rank)), g))[:MOST_NAMED]
    names = [
        f"{in_sentence(group_label(labels, g))} ({count(hits[g], 'decision')})" for g in ranked
    ]
    if len(hits) == 1:
        return f"The only group harmed is {names[0]}."
    return f"The groups harmed most often are {join_words(names)}."


def _actions_sentence(harmed: Sequence[Decision]) -> str:
    impacts = [i for d in harmed for i in d.impacts if i.harmful]
    acted = sum(i.actions > 0 for i in impacts)
    total = count(len(impacts), "harmful impact")
    # An "impact" is new to a board reader: say what it is the first time.
    what = "(an impact is one principle's rating in one decision)"
    if len(impacts) == 1:
        planned = "at least one action" if acted else "no action yet"
        return f"The assessors planned {planned} for the only harmful impact {what}."
    if acted == len(impacts):
        return f"The assessors planned at least one action for every one of the {total} {what}."
    if acted == 0:
        return f"The assessors planned no action yet for any of the {total} {what}."
    rest = len(impacts) - acted
    return (
        f"The assessors planned at least one action for {acted} of the {total} {what}. "
        f"The other {rest} {'has' if rest == 1 else 'have'} none yet."
    )


def _hotspots_sentence(spots: Sequence[Hotspot]) -> str:
    kinds = Counter(s.kind for s in spots)
    where = [count(kinds[GROUP], "group")] if kinds[GROUP] else []
    where += [count(kinds[PLACE], "place")] if kinds[PLACE] else []
    if not where:
        return (
            f"No group or place is harmed by {HOTSPOT_DECISIONS} or more decisions within "
            "twelve months."
        )
    return (
        f"Harms add up for {join_words(where)}: each is harmed by {HOTSPOT_DECISIONS} or more "
        "decisions within twelve months."
    )


def decision_line(decision: Decision) -> str:
    """A decision as a list names it: 'Library closures (Wirral Council, 2 May 2026, draft)'."""
    when = date_text(decision.decision_date) if day_of(decision) else "no decision date"
    parts = [p for p in (decision.organisation.strip(), when) if p]
    parts.append(STATUS_WORDS.get(decision.status, decision.status))
    title = decision.title.strip() or "Untitled decision"
    return f"{title} ({', '.join(parts)})"


def hotspot_blocks(spots: Sequence[Hotspot], banks: Banks) -> list[Block]:
    blocks: list[Block] = [
        Heading(2, "Hotspots"),
        Paragraph(
            f"A hotspot is a group or a place harmed by {HOTSPOT_DECISIONS} or more decisions "
            "within twelve months, or a harm with no action planned to reduce it."
        ),
    ]
    for kind, title, none in (
        (GROUP, "Groups harmed by several decisions", "No group"),
        (PLACE, "Places harmed by several decisions", "No place"),
    ):
        blocks.append(Heading(3, title))
        found = [s for s in spots if s.kind == kind]
        if not found:
            blocks.append(
                Paragraph(
                    f"{none} is harmed by {HOTSPOT_DECISIONS} or more decisions within "
                    "twelve months."
                )
            )
        for spot in found:
            blocks += [
                Paragraph(_busy_sentence(spot)),
                Bullets(tuple(map(decision_line, spot.decisions[:HOTSPOT_LISTED]))),
            ]
            more = len(spot.decisions) - HOTSPOT_LISTED
            if more > 0:
                blocks.append(
                    Paragraph(f"And {count(more, 'more decision')}: the appendix lists them all.")
                )
    blocks.append(Heading(3, "Harms with no action"))
    blocks += _unmitigated_table([s for s in spots if s.kind == NO_ACTION], banks)
    return blocks


def appendix_blocks(spots: Sequence[Hotspot]) -> list[Block]:
    """Every decision behind a hotspot too long to list in full where it is described."""
    long = [s for s in spots if s.kind != NO_ACTION and len(s.decisions) > HOTSPOT_LISTED]
    if not long:
        return []
    blocks: list[Block] = [Heading(2, APPENDIX)]
    for spot in long:
        kind = "Group" if spot.kind == GROUP else "Place"
        blocks += [
            Heading(3, f"{kind}: {spot.label}"),
            Bullets(tuple(map(decision_line, spot.decisions))),
        ]
    return blocks


def limited(rows: tuple, noun: str, order: str = "") -> tuple[tuple, list[Block]]:
    """At most TABLE_LIMIT rows, and a sentence saying how many were left out."""
    if len(rows) <= TABLE_LIMIT:
        return rows, []
    note = Paragraph(
        f"This table shows the first {TABLE_LIMIT} of {count(len(rows), noun)}{order}. "
        "Narrow the filters in the register to see the others here."
    )
    return rows[:TABLE_LIMIT], [note]


def _busy_sentence(spot: Hotspot) -> str:
    span = f"between {date_text(spot.first)} and {date_text(spot.last)}"
    most = spot.most_in_twelve_months
    decisions = count(len(spot.decisions), "decision")
    if most == len(spot.decisions):
        return f"{spot.label}: harmed by {decisions} {span}."
    return f"{spot.label}: harmed by {decisions} {span}, up to {most} of them within twelve months."


def _unmitigated_table(spots: Sequence[Hotspot], banks: Banks) -> list[Block]:
    if not spots:
        return [Paragraph("Every harmful impact has at least one action.")]
    labels = _principle_labels(banks)
    rows, note = limited(
        tuple(
            (decision_line(s.decisions[0]), join_words(labels.get(p, p) for p in s.principles))
            for s in spots
        ),
        "decision",
    )
    return [*note, Table(("Decision", "Principles rated harmful with no action"), rows)]


GAP_WORDS = {
    NOT_KNOWN: "Effect not known yet",
    UNRATED: "Direction or effect on the gap not rated",
    NO_DATE: "No decision date, so not counted in the twelve-month hotspots",
}


def gap_blocks(gaps: Sequence[EvidenceGap], banks: Banks) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Gaps in the evidence")]
    if not gaps:
        return [
            *blocks,
            Paragraph("None: every screened-in principle is rated, and every decision is dated."),
        ]
    labels = _principle_labels(banks)
    rows = tuple(
        (
            decision_line(gap.decision),
            GAP_WORDS[gap.kind]
            + (
                f": {join_words(labels.get(p, p) for p in gap.principles)}"
                if gap.principles
                else ""
            ),
        )
        for gap in gaps
    )
    blocks.append(
        Paragraph("Ask the assessors to fill these gaps before the paper relies on them.")
    )
    rows, note = limited(rows, "gap")
    return [*blocks, *note, Table(("Decision", "What is missing"), rows)]


def matrix_blocks(grid: Matrix, banks: Banks) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Ratings by decision and principle")]
    if not grid.rows:
        return [*blocks, Paragraph("There are no decisions to show.")]
    blocks += [
        Paragraph(
            "Each cell gives the assessors' rating of the decision under one Marmot principle: "
            "its effect on health (the direction), then its effect on the gap between groups. "
            "Each symbol repeats the word after it:"
        ),
        Bullets(symbol_key(banks)),
    ]
    # Over the limit, the decisions with the most harmful ratings come first.
    ordered = grid.rows
    if len(ordered) > TABLE_LIMIT:
        ordered = tuple(sorted(ordered, key=lambda row: -sum(c.harmful for c in row.cells)))
    rows, note = limited(
        tuple(
            (row.decision.title.strip() or "Untitled decision", *(c.text for c in row.cells))
            for row in ordered
        ),
        "decision",
        ", those rated harmful most often first",
    )
    headers = ("Decision", *(p.short_label for p in grid.principles))
    return [*blocks, *note, Table(headers, rows)]


def group_blocks(table: GroupTable) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Harmful impacts by group and principle")]
    if not table.rows:
        return [*blocks, Paragraph("No group has a harmful impact in these decisions.")]
    blocks.append(
        Paragraph(
            "Each cell counts the harmful impacts on one group under one principle: how many "
            "are negative for health, how many widen the gap, and how many of the harmful "
            "ones have at least one action. An impact that is both negative and widening "
            "counts once as harmful."
        )
    )
    headers = ("Group", *(p.short_label for p in table.principles), "All principles")
    rows = tuple((row.label, *(c.text for c in row.cells), row.total.text) for row in table.rows)
    return [*blocks, Table(headers, rows)]


def _method(decisions: Sequence[Decision]) -> list[Block]:
    unapproved = sum(d.status not in SIGNED for d in decisions)
    if unapproved:
        change = (
            f"Ratings may still change for the {count(unapproved, 'decision')} not approved yet."
        )
    else:
        change = "Every decision in it is approved."
    return [
        Heading(2, "How this report was made"),
        Paragraph(
            f"The report adds up only the {count(len(decisions), 'decision')} in this "
            "selection. Harms from decisions outside it are not counted."
        ),
        Paragraph(f"The ratings are the assessors' own, as each assessment stands today. {change}"),
        Paragraph(
            "A harmful impact counts against the groups named under its principle or, when "
            "none are named there, against the groups named for the whole decision."
        ),
        Paragraph(
            "Twelve months runs from a decision's date to the same date a year later, both "
            "days included. Decisions with no date are left out of the hotspots and listed "
            "under the gaps in the evidence."
        ),
    ]
