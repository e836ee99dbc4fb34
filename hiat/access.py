"""What every area of the site shares: who is asking, what they may do, and the audit log.

No routes here. Each blueprint module imports this one (and pure modules), never
another blueprint module, so the areas never import each other.
"""

from __future__ import annotations

from flask import abort, current_app, request
from flask_login import current_user

from hiat import store
from hiat.example import WorkedExample
from hiat.questions import Banks, group_label
from hiat.statement import in_sentence, join_words

# Pages anyone may read without signing in.
PUBLIC = frozenset(
    {
        "site.start",
        "site.about",
        "site.accessibility",
        "site.example_page",
        "site.indicator_catalogue",
        "site.healthz",
        # A calendar app cannot sign in: the secret in the feed's URL is what opens it.
        "notifications.calendar_feed",
        # The public register: only what an organisation has published (hiat/public.py).
        "public.register",
        "public.statement_page",
        "public.statement_file",
        "public.feed",
        "public.open_data_csv",
        "public.open_data_json",
    }
)


def banks() -> Banks:
    return current_app.extensions["hiat"]


def worked_example() -> WorkedExample | None:
    return current_app.extensions["hiat_example"]


def example_assessment() -> store.Assessment | None:
    return current_app.extensions["hiat_example_assessment"]


# ---------------------------------------------------------------- who is asking
def account() -> store.User:
    return current_user.account


def address() -> str:
    """Where the request came from: the client, once ProxyFix has believed the proxies."""
    return request.remote_addr or "unknown"


def log(action: str, subject: str, organisation_id: int | None, **detail) -> None:
    """Add to the audit log: the signed-in person did `action` to `subject`."""
    me = account() if current_user.is_authenticated else None
    store.audit(
        store.get_db(),
        action=action,
        actor=me.email if me else detail.pop("actor", "someone not signed in"),
        actor_id=me.id if me else None,
        subject=subject,
        address=address(),
        organisation_id=organisation_id,
        detail=detail,
    )


# ---------------------------------------------------------------- what they may do
def load(
    uid: str, edit: bool = False, archived: bool = False, answers: bool = True
) -> store.Assessment:
    """The assessment, if this user may see it (and change it, with edit=True).

    Another organisation's assessment that is not shared is "not found", whatever
    id is tried; a person who may only read it is told so when they try to change it.
    answers=False loads only its row (see store.get_assessment).
    """
    db = store.get_db()
    try:
        assessment = store.get_assessment(db, uid, archived=archived, answers=answers)
    except store.AssessmentNotFound:
        abort(404)
    role = store.access_role(db, assessment, account())
    if role is None:
        abort(404)
    if edit and role != "author":
        abort(403)
    if edit and assessment.status != store.DRAFT:
        abort(423)  # in review or approved: locked until returned to draft or revised
    return assessment


def load_signed(uid: str) -> tuple[store.Assessment, store.Signoff]:
    """The assessment, if this user may see it, and its latest sign-off: what is followed up
    after sign-off. Never signed is "not found": there is nothing to follow up yet."""
    assessment = load(uid)
    signoffs = store.list_signoffs(store.get_db(), uid)
    if not signoffs:
        abort(404)
    return assessment, signoffs[-1]


def load_as(uid: str, roles: tuple[str, ...]) -> store.Assessment:
    """The assessment, if this user's role on it is one of `roles` (else 403).

    Every POST has already passed CSRFProtect, so handlers need no form just for the token.
    """
    assessment = load(uid)
    if role_on(assessment) not in roles:
        abort(403)
    return assessment


def role_on(assessment: store.Assessment) -> str | None:
    return store.access_role(store.get_db(), assessment, account())


def require_author() -> None:
    if account().role != "author":
        abort(403)


def pagination(
    page: store.RegisterPage | store.ChangesPage | store.PublicationsPage, link
) -> dict | None:
    """The GOV.UK pagination component's parameters, or None for a single page."""
    if page.pages <= 1:
        return None
    shown = sorted(
        {1, page.pages, page.page - 1, page.page, page.page + 1} & set(range(1, page.pages + 1))
    )
    items, last = [], 0
    for number in shown:
        if number - last > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": link(number), "current": number == page.page})
        last = number
    result: dict = {"items": items, "landmarkLabel": "Pages of results"}
    if page.page > 1:
        result["previous"] = {"href": link(page.page - 1)}
    if page.page < page.pages:
        result["next"] = {"href": link(page.page + 1)}
    return result


def related(assessment: store.Assessment) -> dict:
    """Other decisions harming the same groups in the same place, and words to name them."""
    the_banks = banks()
    groups = {g.id: g for g in the_banks.groups}
    titles = {p.id: p.title for p in the_banks.principles}
    return {
        "related": store.related_decisions(store.get_db(), assessment.uid, account()),
        "related_groups": lambda ids: join_words(
            [in_sentence(group_label(groups, g)) for g in ids]
        ),
        "related_principles": lambda ids: "; ".join(titles.get(p, p) for p in ids),
    }
