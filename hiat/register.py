"""The register: every assessment a person may see, filtered, searched, sorted and paged.

Filters are GET parameters, so each view of the register has its own address to share
and works without JavaScript. The same filters choose the set for the CSV export and
for the cumulative impact page and report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import Blueprint, Response, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from hiat import cumulative, dates, exports, statement, store, wizard
from hiat.access import account, banks, pagination
from hiat.questions import Banks
from hiat.statement import Table

bp = Blueprint("register", __name__)
PER_PAGE = 25

STATUS_CHOICES = (
    ("draft", "Draft"),
    ("in_review", "In review"),
    ("approved", "Approved"),
    ("review_due", "Review due in the next 30 days"),
    ("review_overdue", "Review overdue"),
    ("stopped", "Stopped after review"),
)
SORTS = {
    "title": "Policy",
    "place": "Place",
    "decision_date": "Decision date",
    "status": "Status",
    "updated": "Last changed",
}
DATE_FIELDS = {"from": "Decided on or after", "to": "Decided on or before"}


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Filters:
    """What the person asked for, read from the address, with any problems in words."""

    query: store.RegisterFilter
    args: MultiDict
    sort: str
    descending: bool
    page: int
    errors: dict[str, str] = field(default_factory=dict)
    applied: tuple[tuple[str, str], ...] = ()  # (filter name, chosen labels), for the summary


def choices(the_banks: Banks, db_choices: Mapping[str, list[tuple[str, str]]]) -> dict:
    """Every filter's options: the banks' places, principles, kinds, directions and groups."""
    kind = the_banks.questions.get("details_kind")
    return {
        "place": [Choice(o.value, o.label) for o in the_banks.places],
        "organisation": [Choice(v, label) for v, label in db_choices["organisations"]],
        "principle": [Choice(p.id, p.title) for p in the_banks.principles],
        "status": [Choice(v, label) for v, label in STATUS_CHOICES],
        "body": [Choice(v, label) for v, label in db_choices["bodies"]],
        "kind": [Choice(o.value, o.label) for o in (kind.options if kind else ())],
        "direction": [Choice(o.value, o.label) for o in the_banks.scales["direction"]],
        "group": [Choice(g.id, g.label) for g in the_banks.offered_groups],
    }


FILTER_NAMES = {
    "place": "Place",
    "organisation": "Organisation",
    "principle": "Marmot principle",
    "status": "Status",
    "body": "Decision body",
    "kind": "Kind of decision",
    "direction": "Direction of impact",
    "group": "Group affected",
}


def read_filters(
    args: MultiDict, options: Mapping[str, list[Choice]], today: dt.date, archived: bool = False
) -> Filters:
    """The register's filters from the address. Unknown values are left out, never an error."""
    chosen: dict[str, tuple[str, ...]] = {}
    applied: list[tuple[str, str]] = []
    for name, label in FILTER_NAMES.items():
        known = {c.value: c.label for c in options[name]}
        picked = tuple(dict.fromkeys(v for v in args.getlist(name) if v in known))
        chosen[name] = picked
        if picked:
            applied.append((label, ", ".join(known[v] for v in picked)))
    errors: dict[str, str] = {}
    days: dict[str, str] = {}
    for name, label in DATE_FIELDS.items():
        text = args.get(name, "").strip()
        if not text:
            days[name] = ""
            continue
        day = dates.parse_date(text)
        if day is None:
            errors[name] = f"Enter ‘{label}’ as a real date, for example 1 4 2026"
            days[name] = ""
        else:
            days[name] = day.isoformat()
            applied.append((label, f"{day.day} {day:%B %Y}"))
    if days["from"] and days["to"] and days["from"] > days["to"]:
        errors["to"] = "‘Decided on or before’ must be the same as or after ‘Decided on or after’"
        days["to"] = ""
    words = " ".join(args.get("q", "").split())[:200]
    if words:
        applied.insert(0, ("Search", f"“{words}”"))
    sort = args.get("sort", "")
    if sort not in SORTS and not (sort == "relevance" and words):
        sort = "relevance" if words else "updated"
    descending = args.get("order", "desc" if sort in ("updated", "decision_date") else "asc")
    try:
        page = max(1, min(int(args.get("page", "1")), 10**6))
    except ValueError:
        page = 1
    query = store.RegisterFilter(
        text=words,
        places=chosen["place"],
        organisations=tuple(int(v) for v in chosen["organisation"]),
        principles=chosen["principle"],
        statuses=chosen["status"],
        bodies=chosen["body"],
        kinds=chosen["kind"],
        decided_from=days["from"],
        decided_to=days["to"],
        directions=chosen["direction"],
        groups=chosen["group"],
        archived=archived,
        today=today.isoformat(),
        due_by=(today + wizard.REVIEW_WARNING).isoformat(),
    )
    return Filters(query, args, sort, descending == "desc", page, errors, tuple(applied))


def address(args: MultiDict, endpoint: str = "register.register", **changes: str | None) -> str:
    """This view's address with some parameters changed (None removes one)."""
    kept = MultiDict(args)
    for key, value in changes.items():
        kept.poplist(key)
        if value is not None:
            kept.add(key, value)
    if "page" not in changes:
        kept.poplist("page")  # a new filter or sort starts again at page 1
    values = {k: v[0] if len(v) == 1 else v for k, v in kept.to_dict(flat=False).items()}
    return url_for(endpoint, **values)


def sort_link(filters: Filters, column: str) -> tuple[str, str]:
    """The column heading's link and its aria-sort value."""
    current = filters.sort == column
    order = "asc" if current and filters.descending else "desc"
    if not current:
        order = "desc" if column in ("updated", "decision_date") else "asc"
    state = "none"
    if current:
        state = "descending" if filters.descending else "ascending"
    return address(filters.args, sort=column, order=order), state


def _filters(archived: bool = False) -> tuple[Filters, dict]:
    options = choices(banks(), store.register_choices(store.get_db(), account()))
    return read_filters(request.args, options, dt.date.today(), archived), options


@bp.app_template_filter("marked")
def marked(snippet: str) -> Markup:
    """Search words in context: the text escaped, then the matching words in <mark>."""
    text = str(escape(snippet))
    return Markup(text.replace(store.MATCH_START, "<mark>").replace(store.MATCH_END, "</mark>"))


@bp.app_template_filter("choice_item")
def choice_item(choice: Choice, chosen: list[str]) -> dict:
    return {"value": choice.value, "text": choice.label, "checked": choice.value in chosen}


@bp.get("/assessments")
def register():
    filters, options = _filters()
    page = store.register_page(
        store.get_db(),
        filters.query,
        account(),
        sort=filters.sort,
        descending=filters.descending,
        page=filters.page,
        per_page=PER_PAGE,
    )
    return render_template(
        "register.html",
        filters=filters,
        options=options,
        page=page,
        sorts=SORTS,
        sort_link=lambda column: sort_link(filters, column),
        pages=pagination(page, lambda n: address(filters.args, page=str(n))),
        csv_link=address(filters.args, "register.register_csv"),
        cumulative_link=address(filters.args, "register.cumulative_page"),
        kind_labels={c.value: c.label for c in options["kind"]},
        date_fields=DATE_FIELDS,
        filter_errors=[{"text": text, "href": f"#{name}"} for name, text in filters.errors.items()],
        overdue=_overdue_count(),
    )


def _overdue_count() -> int:
    """How many assessments the person may see have a review overdue."""
    today = dt.date.today().isoformat()
    query = store.RegisterFilter(statuses=("review_overdue",), today=today, due_by=today)
    return store.register_page(store.get_db(), query, account(), per_page=1).total


@bp.get("/assessments/archived")
def archived_list():
    filters, _ = _filters(archived=True)
    page = store.register_page(
        store.get_db(), filters.query, account(), page=filters.page, per_page=PER_PAGE
    )
    return render_template(
        "archived.html",
        assessments=page.rows,
        page=page,
        pages=pagination(
            page, lambda n: address(filters.args, "register.archived_list", page=str(n))
        ),
    )


CSV_HEADERS = (
    "Policy",
    "Organisation",
    "Place",
    "Kind of decision",
    "Decision body",
    "Decision date",
    "Status",
    "Review date",
    "Last changed",
    "Harmful impacts",
    "Harmful impacts with no action",
    "Address",
)


@bp.get("/assessments/register.csv")
def register_csv():
    filters, options = _filters()
    rows = store.register_decisions(store.get_db(), filters.query, account())
    kinds = {c.value: c.label for c in options["kind"]}
    titles = {p.id: p.title for p in banks().principles}
    today = dt.date.today()
    grid = [
        (
            row.title or "Untitled policy",
            row.organisation,
            row.place,
            kinds.get(row.kind, row.kind),
            row.decision_body,
            row.decision_date,
            wizard.status_label(row.status, row.review_date, today),
            row.review_date,
            row.updated_at[:10],
            "; ".join(titles.get(i.principle, i.principle) for i in row.impacts if i.harmful),
            "; ".join(
                titles.get(i.principle, i.principle)
                for i in row.impacts
                if i.harmful and not i.actions
            ),
            url_for("assessments.task_list", uid=row.uid, _external=True),
        )
        for row in rows
    ]
    body = exports.to_csv(Table(CSV_HEADERS, tuple(grid)))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="assessments.csv"'},
    )


# ---------------------------------------------------------------- cumulative impact
MATRIX_PER_PAGE = 25
GAPS_SHOWN = 50


def decisions_for(filters: Filters) -> list[cumulative.Decision]:
    rows = store.register_decisions(store.get_db(), filters.query, account())
    return [
        cumulative.Decision(
            uid=r.uid,
            title=r.title,
            organisation=r.organisation,
            place=r.place,
            status=r.status,
            decision_date=r.decision_date,
            groups=r.groups,
            impacts=r.impacts,
            kind=r.kind,
        )
        for r in rows
    ]


def describe(filters: Filters) -> str:
    """The set in words, for the report's title: 'Liverpool City Council, decided from …'."""
    parts = []
    applied = dict(filters.applied)
    for name, chosen in filters.applied:
        if name in DATE_FIELDS.values():
            continue
        if name in ("Organisation", "Place"):
            parts.append(chosen)
        elif name == "Search":
            parts.append(f"matching {chosen}")
        else:
            parts.append(f"{name.lower()}: {chosen}")
    start, end = applied.get(DATE_FIELDS["from"]), applied.get(DATE_FIELDS["to"])
    if start and end:
        parts.append(f"decisions from {start} to {end}")
    elif start:
        parts.append(f"decisions from {start}")
    elif end:
        parts.append(f"decisions up to {end}")
    return ", ".join(parts)


def symbol_and_words(cell: cumulative.Cell) -> tuple[str, str]:
    """A matrix cell's symbol (hidden from screen readers, which say its words) and words."""
    symbol = cumulative.SYMBOLS.get(cell.direction, "")
    words = cell.text.removeprefix(symbol).strip() if symbol else cell.text
    return symbol, words


@bp.get("/assessments/cumulative")
def cumulative_page():
    filters, _ = _filters()
    decisions = decisions_for(filters)
    the_banks = banks()
    spots = cumulative.hotspots(decisions, the_banks)
    grid = cumulative.matrix(decisions, the_banks)
    pages = store.page_count(len(grid.rows), MATRIX_PER_PAGE)
    number = min(filters.page, pages)
    shown = grid.rows[(number - 1) * MATRIX_PER_PAGE : number * MATRIX_PER_PAGE]
    gaps = cumulative.gaps_in_evidence(decisions, the_banks)
    pattern = statement.Statement(
        "", False, tuple(cumulative.pattern_blocks(decisions, the_banks, spots)[1:])
    )
    return render_template(
        "cumulative.html",
        filters=filters,
        description=describe(filters) or cumulative.ALL_DECISIONS,
        decisions=decisions,
        pattern_html=statement.render_html(pattern),
        spots=spots,
        hotspot_kinds=(
            (cumulative.GROUP, "Groups harmed by several decisions"),
            (cumulative.PLACE, "Places harmed by several decisions"),
            (cumulative.NO_ACTION, "Harms with no action"),
        ),
        busy=cumulative.HOTSPOT_DECISIONS,
        groups=cumulative.group_table(decisions, the_banks),
        grid=grid,
        shown=shown,
        symbol_and_words=symbol_and_words,
        symbol_key=cumulative.symbol_key(the_banks),
        pages=pagination(
            store.RegisterPage((), len(grid.rows), number, MATRIX_PER_PAGE),
            lambda n: address(filters.args, "register.cumulative_page", page=str(n)) + "#matrix",
        ),
        gaps=gaps[:GAPS_SHOWN],
        gaps_left=max(0, len(gaps) - GAPS_SHOWN),
        gap_words=cumulative.GAP_WORDS,
        titles_of=lambda ids: ", ".join(
            next((p.title for p in the_banks.principles if p.id == i), i) for i in ids
        ),
        register_link=address(filters.args),
        word_link=address(filters.args, "register.cumulative_report", fmt="docx"),
        markdown_link=address(filters.args, "register.cumulative_report", fmt="md"),
    )


@bp.get("/assessments/cumulative.<any(md, docx):fmt>")
def cumulative_report(fmt: str):
    filters, _ = _filters()
    today = dt.date.today()
    report = cumulative.report(decisions_for(filters), banks(), describe(filters), today)
    name = f"cumulative-equity-impact-{today.isoformat()}.{fmt}"
    if fmt == "md":
        body, mimetype = statement.render_markdown(report).encode(), "text/markdown"
    else:
        body = exports.to_docx(report)
        mimetype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
