"""Routes for each assessment's task list, copying, archiving and restoring."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from hiat import forms, reviews, store, wizard
from hiat.access import account, banks, load, related, require_author, role_on, worked_example

bp = Blueprint("assessments", __name__)
COPIED_MESSAGE = (
    "This new assessment starts as a copy of the worked example. "
    "Change each answer so it describes your own policy."
)


@bp.route("/assessments/<uid>/archive", methods=["GET", "POST"])
def archive(uid: str):
    assessment = load(uid, edit=True)
    form = forms.HiatForm()
    if form.validate_on_submit():
        store.set_archived(store.get_db(), uid, True)
        flash(
            f"“{assessment.title or 'Untitled policy'}” has been archived. You can restore it "
            "from the archived assessments.",
            "success",
        )
        return redirect(url_for("register.register"))
    return render_template("archive.html", assessment=assessment, form=form)


@bp.post("/assessments/<uid>/restore")
def unarchive(uid: str):
    load(uid, edit=True, archived=True)
    store.set_archived(store.get_db(), uid, False)
    flash("The assessment has been restored.", "success")
    return redirect(url_for("assessments.task_list", uid=uid))


@bp.post("/worked-example/copy")
def copy_example():
    example = worked_example()
    if example is None:
        abort(404)
    require_author()
    answers = example.new_answers(banks())
    summary = wizard.summary_fields(example.answers, banks())
    uid = store.create_assessment(
        store.get_db(),
        banks().version,
        summary,
        answers,
        page="worked_example",
        organisation_id=account().organisation_id,
        editor=account().id,
    )
    flash(COPIED_MESSAGE, "success")
    return redirect(url_for("assessments.task_list", uid=uid))


# ---------------------------------------------------------------- task list
@bp.get("/assessments/<uid>")
def task_list(uid: str):
    assessment = load(uid)
    values = assessment.values()
    all_sections = wizard.sections(banks(), values)
    statuses = {
        s.id: wizard.section_status(s, values, assessment.completed_sections) for s in all_sections
    }
    retired = [
        (qid, assessment.answers[qid])
        for qid in wizard.retired_answers(banks(), assessment.answers)
    ]
    db = store.get_db()
    return render_template(
        "task_list.html",
        assessment=assessment,
        role=role_on(assessment),
        shares=store.list_shares(db, uid),
        signoffs=store.list_signoffs(db, uid),
        imported_signoffs=store.list_imported_signoffs(db, uid),
        reviews=store.list_reviews(db, uid),
        review_outcomes=reviews.OUTCOMES,
        open_comments=[c for c in store.list_comments(db, uid) if not c.resolved_at],
        status=wizard.status_label(
            assessment.status, assessment.value("decision_review_date"), dt.date.today()
        ),
        form=forms.HiatForm(),
        sections=all_sections,
        statuses=statuses,
        retired=retired,
        finished=wizard.all_completed(all_sections, assessment.completed_sections),
        **related(assessment),
    )
