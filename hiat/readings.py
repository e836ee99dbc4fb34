"""Routes for monitoring after sign-off: each signed indicator's readings, drawn against its
baseline and target, and when the next reading is due."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from hiat import charts, dates, forms, monitoring, store, transfer
from hiat.access import account, banks, load_signed, log, role_on
from hiat.statement import in_sentence, join_words

bp = Blueprint("monitoring", __name__)
DUE_SOON_DAYS = 30


def _indicators(uid: str, signoff: store.Signoff) -> tuple[monitoring.Indicator, ...]:
    signed = transfer.snapshot_assessment(signoff.snapshot, uid)
    taken = store.readings(store.get_db(), uid, signoff.revision)
    return monitoring.from_signoff(banks(), signed, signoff, taken)


@bp.get("/assessments/<uid>/indicators")
def assessment_indicators(uid: str):
    assessment, signoff = load_signed(uid)
    indicators = _indicators(uid, signoff)
    today = dt.date.today()
    return render_template(
        "monitoring/assessment.html",
        assessment=assessment,
        signoff=signoff,
        indicators=indicators,
        counts=monitoring.counts(indicators, today, DUE_SOON_DAYS),
        today=today,
        can_record=role_on(assessment) == "author",
    )


@bp.route("/assessments/<uid>/indicators/<question_id>/<int:row>", methods=["GET", "POST"])
def indicator(uid: str, question_id: str, row: int):
    assessment, signoff = load_signed(uid)
    found = monitoring.find(_indicators(uid, signoff), question_id, row)
    if found is None:
        abort(404)
    can_record = role_on(assessment) == "author"
    if request.method == "POST" and not can_record:
        abort(403)
    form = forms.ReadingForm()
    if request.method == "GET":
        form.source.data = found.source
    if can_record and form.validate_on_submit():
        day = dates.parse_date(form.date.data)
        store.add_reading(
            store.get_db(),
            uid,
            signoff.revision,
            question_id,
            row,
            date=day.isoformat(),
            value=form.value.data,
            groups=monitoring.parse_groups(form.groups.data or ""),
            note=form.note.data or "",
            source=form.source.data or "",
            by=account().name,
        )
        log("reading_recorded", uid, assessment.organisation_id, indicator=f"{question_id}/{row}")
        flash(f"Reading saved: {form.value.data} on {dates.day_text(day)}.", "success")
        return redirect(url_for("monitoring.indicator", uid=uid, question_id=question_id, row=row))
    return render_template(
        "monitoring/indicator.html",
        assessment=assessment,
        signoff=signoff,
        indicator=found,
        chart=charts.indicator_chart(found),
        form=form,
        today=dt.date.today(),
        can_record=can_record,
        parts=join_words(in_sentence(part) for part in monitoring.breakdown_parts(found.breakdown)),
        number_in=monitoring.number_in,
    )


@bp.route(
    "/assessments/<uid>/indicators/<question_id>/<int:row>/readings/<int:reading_id>/withdraw",
    methods=["GET", "POST"],
)
def withdraw_reading(uid: str, question_id: str, row: int, reading_id: int):
    """A mistaken reading is withdrawn, never deleted: the table keeps it, marked, and why."""
    assessment, signoff = load_signed(uid)
    found = monitoring.find(_indicators(uid, signoff), question_id, row)
    reading = found.reading(reading_id) if found else None
    if reading is None or reading.withdrawn_at:
        abort(404)
    if role_on(assessment) != "author":
        abort(403)
    form = forms.WithdrawReadingForm()
    back = url_for("monitoring.indicator", uid=uid, question_id=question_id, row=row)
    if form.validate_on_submit():
        try:
            store.withdraw_reading(
                store.get_db(),
                uid,
                signoff.revision,
                reading_id,
                reason=form.reason.data,
                by=account().name,
            )
        except store.ReadingNotFound:
            abort(404)  # withdrawn by someone else a moment ago
        log("reading_withdrawn", uid, assessment.organisation_id, reading=reading_id)
        day = dates.day_text(dt.date.fromisoformat(reading.date))
        flash(f"Reading withdrawn: {reading.value} on {day}.", "success")
        return redirect(back)
    return render_template(
        "monitoring/withdraw.html",
        assessment=assessment,
        indicator=found,
        reading=reading,
        form=form,
        back=back,
    )
