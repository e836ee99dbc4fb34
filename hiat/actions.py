"""Routes for what happens after sign-off: each signed action's progress, and the
organisation's list of actions across its signed-off assessments."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from hiat import dates, forms, store, tracking, transfer
from hiat.access import account, banks, load_signed, log, role_on

bp = Blueprint("actions", __name__)
VIEWS = {"open": "Not done yet", "overdue": "Overdue", "at_risk": "At risk", "all": "All"}


@bp.app_template_filter("status_item")
def status_item(pair: tuple[str, str], chosen: str | None) -> dict:
    value, label = pair
    return {"value": value, "text": label, "checked": value == chosen}


@bp.app_template_filter("select_pair")
def select_pair(pair: tuple[str, str], chosen: str) -> dict:
    return {"value": pair[0], "text": pair[1], "selected": pair[0] == chosen}


def _actions(uid: str, signoff: store.Signoff) -> tuple[tracking.Action, ...]:
    signed = transfer.snapshot_assessment(signoff.snapshot, uid)
    updates = store.action_updates(store.get_db(), uid, signoff.revision)
    return tracking.signed_actions(banks(), signed, updates)


@bp.get("/assessments/<uid>/actions")
def assessment_actions(uid: str):
    assessment, signoff = load_signed(uid)
    actions = _actions(uid, signoff)
    today = dt.date.today()
    return render_template(
        "actions/assessment.html",
        assessment=assessment,
        signoff=signoff,
        actions=actions,
        counts=tracking.counts(actions, today),
        statuses=tracking.STATUSES,
        today=today,
        can_update=role_on(assessment) == "author",
    )


@bp.route("/assessments/<uid>/actions/<question_id>/<int:row>", methods=["GET", "POST"])
def update_action(uid: str, question_id: str, row: int):
    assessment, signoff = load_signed(uid)
    action = tracking.find(_actions(uid, signoff), question_id, row)
    if action is None:
        abort(404)
    if role_on(assessment) != "author":
        abort(403)
    form = forms.ActionForm()
    if request.method == "GET":
        form.status.data = action.status
        form.due_date.data = _typed(action.due_date)
    if form.validate_on_submit():
        due = dates.parse_date(form.due_date.data) if form.due_date.data else None
        store.add_action_update(
            store.get_db(),
            uid,
            signoff.revision,
            question_id,
            row,
            status=form.status.data,
            due_date=due.isoformat() if due else "",
            note=form.note.data or "",
            reason=form.reason.data if form.status.data == tracking.DROPPED else "",
            by=account().name,
        )
        log("action_updated", uid, assessment.organisation_id, status=form.status.data)
        flash(
            f"Progress saved: “{_short(action.action)}” is "
            f"{tracking.STATUSES[form.status.data].lower()}.",
            "success",
        )
        return redirect(url_for("actions.assessment_actions", uid=uid))
    return render_template(
        "actions/update.html",
        assessment=assessment,
        signoff=signoff,
        action=action,
        form=form,
        statuses=tracking.STATUSES,
    )


@bp.get("/actions")
def organisation_actions():
    """Every action of the organisation's signed-off assessments, for those who follow them up."""
    user = account()
    today = dt.date.today()
    view = request.args.get("show", "open")
    view = view if view in VIEWS else "open"
    owner = " ".join(request.args.get("owner", "").split())[:200]
    principle = request.args.get("principle", "")
    principles = {p.id: p.title for p in banks().principles}
    principle = principle if principle in principles else ""
    found = []
    for uid, signoff in store.latest_signoffs(store.get_db(), user.organisation_id):
        title = signoff.snapshot.get("assessment", {}).get("title", "")
        for action in _actions(uid, signoff):
            if _shown(action, view, owner, principle, today):
                found.append((uid, title, action))
    found.sort(key=lambda item: (item[2].due_date == "", item[2].due_date, item[1].lower()))
    return render_template(
        "actions/organisation.html",
        found=found,
        views=VIEWS,
        view=view,
        owner=owner,
        principle=principle,
        principles=principles,
        statuses=tracking.STATUSES,
        today=today,
    )


def _shown(action: tracking.Action, view: str, owner: str, principle: str, today) -> bool:
    if principle and action.principle != principle:
        return False
    if owner and owner.casefold() not in action.owner.casefold():
        return False
    if view == "overdue":
        return action.overdue(today)
    if view == "at_risk":
        return action.status == tracking.AT_RISK
    if view == "open":
        return action.status not in tracking.CLOSED
    return True


def _typed(iso: str) -> str:
    day = dates.uk_date(iso) if iso else None
    return f"{day.day} {day.month} {day.year}" if day else ""


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
