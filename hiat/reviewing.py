"""Routes for reviewing a signed revision: authors draft the review, an approver signs it,
and its outcome happens (continue unchanged, continue with changes, or stop the policy)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from hiat import dates, forms, reviews, store, tracking, transfer
from hiat.access import account, banks, load, load_as, log, role_on
from hiat.reviews import Review

bp = Blueprint("reviews", __name__)
REVIEWERS = ("author",)


@bp.app_template_filter("review_item")
def review_item(choice, chosen: str | None, hints: dict[str, str]) -> dict:
    """One radio of a review form (a wtforms SelectChoice), with its hint if it has one."""
    item: dict[str, Any] = {
        "value": choice.value,
        "text": choice.label,
        "checked": choice.value == chosen,
    }
    if hints.get(choice.value):
        item["hint"] = {"text": hints[choice.value]}
    return item


# ---------------------------------------------------------------- what is reviewed
def _signed(uid: str) -> tuple[store.Assessment, store.Signoff]:
    """The assessment and the sign-off of its current revision; 404 if it has none."""
    assessment = load(uid)
    signoffs = [
        s for s in store.list_signoffs(store.get_db(), uid) if s.revision == assessment.revision
    ]
    if not signoffs:
        abort(404)  # nothing signed at this revision, so nothing to review
    return assessment, signoffs[-1]


def _actions(uid: str, signoff: store.Signoff) -> tuple[tracking.Action, ...]:
    signed = transfer.snapshot_assessment(signoff.snapshot, uid)
    updates = store.action_updates(store.get_db(), uid, signoff.revision)
    return tracking.signed_actions(banks(), signed, updates)


def _predictions(uid: str, signoff: store.Signoff) -> tuple[reviews.Prediction, ...]:
    return reviews.predictions(banks(), transfer.snapshot_assessment(signoff.snapshot, uid))


def _choices() -> dict[str, dict[str, str]]:
    scales = banks().scales
    return {
        "direction": {o.value: o.label for o in scales["direction"]},
        "gap": {o.value: o.label for o in scales["gap"]},
        "actions_done": reviews.ACTIONS_DONE,
        "outcome": reviews.OUTCOMES,
    }


def _review(stored: store.StoredReview) -> Review:
    review = reviews.from_record(
        {
            **stored.content,
            "number": stored.number,
            "revision": stored.revision,
            "signed_name": stored.signed_name,
            "signed_job_title": stored.signed_job_title,
            "attestation": stored.attestation,
            "signed_at": stored.signed_at,
        }
    )
    return replace(
        review, drafted_by=stored.drafted_by, drafted_at=stored.drafted_at, editors=stored.editors
    )


def _find(uid: str, number: int) -> Review:
    try:
        return _review(store.get_review(store.get_db(), uid, number))
    except store.AssessmentNotFound:
        abort(404)


def _content(review: Review, by_principle: dict[str, dict[str, int]]) -> dict[str, Any]:
    record = reviews.to_record(review)
    for key in ("number", "revision", "signed_name", "signed_job_title", "attestation"):
        record.pop(key)
    record.pop("signed_at")
    return {**record, "actions_by_principle": by_principle}


# ---------------------------------------------------------------- drafting
@bp.route("/assessments/<uid>/reviews/new", methods=["GET", "POST"])
def draft(uid: str):
    """The review form. Each save keeps the draft, so nothing typed is lost."""
    assessment, signoff = _signed(uid)
    if role_on(assessment) not in REVIEWERS:
        abort(403)
    if assessment.status != store.APPROVED:
        abort(423)  # in a new revision, or stopped: there is no live revision to review
    predicted = _predictions(uid, signoff)
    form_class = forms.review_form(((p.principle, p.title) for p in predicted), _choices())
    stored = store.draft_review(store.get_db(), uid)
    current = _review(stored) if stored else None
    form = form_class()
    if request.method == "GET" and current is not None:
        form.process(data=_form_data(current))
    counts = reviews.action_counts(_actions(uid, signoff), dt.date.today())
    if form.validate_on_submit():
        review = _from_form(form, predicted, counts, signoff.revision)
        number = _save(uid, review, counts, assessment)
        if request.form.get("action") != "finish":
            flash("Your review has been saved. You can come back to it at any time.", "success")
            return redirect(url_for("reviews.show", uid=uid, number=number))
        problems = reviews.problems(review, dt.date.today())
        if not problems:
            flash(
                "Your review is finished and saved. An approver who did not draft it can "
                "now sign it.",
                "success",
            )
            return redirect(url_for("reviews.show", uid=uid, number=number))
        for name, message in problems.items():
            form[name].errors = [message]
    return render_template(
        "reviews/form.html",
        assessment=assessment,
        signoff=signoff,
        form=form,
        predicted=predicted,
        counts=counts,
        statuses=tracking.STATUSES,
        outcome_hints=reviews.OUTCOME_HINTS,
        field_name=reviews.field_name,
        actions_sentence=reviews.actions_sentence,
    )


def _form_data(review: Review) -> dict[str, str]:
    data = {
        "actions_done": review.actions_done,
        "actions_note": review.actions_note,
        "lessons": review.lessons,
        "outcome": review.outcome,
        "next_review_date": review.next_review_date,
    }
    for f in review.findings:
        data[reviews.field_name(f.principle, "direction")] = f.direction
        data[reviews.field_name(f.principle, "gap")] = f.gap
        data[reviews.field_name(f.principle, "evidence")] = f.evidence
    return {k: v for k, v in data.items() if v}


def _from_form(form, predicted, counts: dict[str, dict[str, int]], revision: int) -> Review:
    answers = {
        p.principle: {
            part: form[reviews.field_name(p.principle, part)].data or ""
            for part in ("direction", "gap", "evidence")
        }
        for p in predicted
    }
    return Review(
        number=0,
        revision=revision,
        findings=reviews.findings(banks(), predicted, answers),
        actions=counts[""],
        actions_done=form.actions_done.data or "",
        actions_note=(form.actions_note.data or "").strip(),
        lessons=(form.lessons.data or "").strip(),
        outcome=form.outcome.data or "",
        next_review_date=(form.next_review_date.data or "").strip(),
    )


def _save(uid: str, review: Review, counts, assessment: store.Assessment) -> int:
    try:
        number = store.save_review(
            store.get_db(),
            uid,
            _content(review, counts),
            user=account(),
            revision=review.revision,
        )
    except store.WrongStatus:
        abort(423)
    log("review_saved", uid, assessment.organisation_id, review=number)
    return number


# ---------------------------------------------------------------- reading and signing
@bp.get("/assessments/<uid>/reviews/<int:number>")
def show(uid: str, number: int):
    assessment = load(uid)
    review = _find(uid, number)
    role = role_on(assessment)
    if not review.signed and not _works_on(assessment, role):
        abort(404)  # a draft is the organisation's work in progress, as a draft assessment is
    live = assessment.status == store.APPROVED and assessment.revision == review.revision
    return render_template(
        "reviews/show.html",
        assessment=assessment,
        review=review,
        problems=reviews.problems(review, dt.date.today()) if not review.signed else {},
        can_edit=live and not review.signed and role in REVIEWERS,
        can_sign=live and not review.signed and role == "approver",
        actions_sentence=reviews.actions_sentence(review.actions),
    )


def _works_on(assessment: store.Assessment, role: str | None) -> bool:
    """In the owning organisation, or given a role other than reader by a share.

    Everyone signed in reads a signed-off assessment, but not a review still being drafted.
    """
    return assessment.organisation_id == account().organisation_id or role != "viewer"


@bp.route("/assessments/<uid>/reviews/<int:number>/sign", methods=["GET", "POST"])
def sign(uid: str, number: int):
    """An approver who did not draft the review signs it, and its outcome happens."""
    assessment = load_as(uid, ("approver",))
    review = _find(uid, number)
    if review.signed or assessment.status != store.APPROVED:
        abort(423)
    if assessment.revision != review.revision:
        abort(423)
    form = forms.ReviewSignForm()
    page = {
        "assessment": assessment,
        "review": review,
        "form": form,
        "actions_sentence": reviews.actions_sentence(review.actions),
    }
    if account().id in review.editors:
        # Signed like the original: a second pair of eyes, never the drafter's own.
        return render_template("reviews/sign.html", **page, own_work=True), 403
    problems = reviews.problems(review, dt.date.today())
    if problems:
        return render_template("reviews/sign.html", **page, problems=problems), 409
    if form.validate_on_submit():
        return _signed_now(uid, assessment, review, form.job_title.data)
    return render_template("reviews/sign.html", **page, attestation=forms.REVIEW_ATTESTATION)


def _signed_now(uid: str, assessment: store.Assessment, review: Review, job_title: str):
    _, signoff = _signed(uid)
    today = dt.date.today()
    counts = reviews.action_counts(_actions(uid, signoff), today)
    next_day = dates.parse_date(review.next_review_date)
    final = replace(
        review,
        actions=counts[""],
        next_review_date=next_day.isoformat()
        if next_day and review.outcome == reviews.CONTINUE
        else "",
    )
    try:
        revision = store.sign_review(
            store.get_db(),
            uid,
            review.number,
            user=account(),
            job_title=job_title,
            attestation=forms.REVIEW_ATTESTATION,
            content=_content(final, counts),
            outcome=store.ReviewOutcome(final.outcome, tuple(_outcome_answers(assessment, final))),
        )
    except store.OwnWork:
        abort(403)
    except store.WrongStatus:
        abort(423)
    log("review_signed", uid, assessment.organisation_id, review=review.number)
    flash(_outcome_message(final, revision), "success")
    if final.outcome == reviews.CHANGES:
        return redirect(url_for("assessments.task_list", uid=uid))
    return redirect(url_for("reviews.show", uid=uid, number=review.number))


def _outcome_answers(assessment: store.Assessment, review: Review) -> list[store.NewAnswer]:
    """The answers the outcome writes: a new review date, or the next revision's start."""
    the_banks = banks()
    if review.outcome == reviews.CONTINUE:
        wanted = {"decision_review_date": review.next_review_date}
    elif review.outcome == reviews.CHANGES:
        wanted = reviews.prefill(the_banks, assessment.values(), review)
    else:
        return []
    answers = []
    for qid, value in wanted.items():
        question = the_banks.questions.get(qid)
        if question is not None:
            labels = forms.option_labels(question, the_banks, value)
            answers.append(store.NewAnswer(qid, value, question.label, labels))
    return answers


def _outcome_message(review: Review, revision: int) -> str:
    if review.outcome == reviews.CONTINUE:
        day = dates.uk_date(review.next_review_date)
        return (
            "The review is signed. The assessment stays approved; its next review is due "
            f"on {dates.day_text(day) if day else review.next_review_date}."
        )
    if review.outcome == reviews.CHANGES:
        return (
            f"The review is signed. Revision {revision} has started as a draft, filled in with "
            "what the review found. Check each section and mark it as completed."
        )
    return "The review is signed. The policy is recorded as stopped. Nothing has been deleted."
