"""Routes for working together: review, sign-off, revisions, comments, sharing, history."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from hiat import downloads, forms, mail, reminders, store, transfer, wizard
from hiat.access import account, banks, load, load_as, log, pagination, role_on
from hiat.downloads import download, download_name
from hiat.links import link_maker
from hiat.statement import join_words
from hiat.text import with_article

bp = Blueprint("review", __name__)
HISTORY_PER_PAGE = 50


# ---------------------------------------------------------------- workflow
def _log(action: str, assessment: store.Assessment, **detail) -> None:
    """Into the audit log of the organisation that owns the assessment."""
    log(
        action,
        f"{assessment.title} (revision {assessment.revision})",
        assessment.organisation_id,
        assessment=assessment.uid,
        **detail,
    )


# Who is told by email when an assessment moves on: those who act next.
NOTIFY = {
    store.IN_REVIEW: (reminders.SENT, ("reviewer", "approver"), "assessments.task_list"),
    store.DRAFT: (reminders.RETURNED, ("author",), "assessments.task_list"),
    store.APPROVED: (reminders.SIGNED, ("author",), "review.approved"),
}


def _notify(status: str, assessment: store.Assessment) -> None:
    """Email the people who act next. Called after the change is saved: a mail server that
    fails is said on the page and in the log, and never undoes the step."""
    event, roles, page = NOTIFY[status]
    me = account()
    people = [p for p in store.people_on(store.get_db(), assessment.uid, roles) if p.id != me.id]
    smtp = mail.smtp_settings(current_app.config)
    if not people or smtp is None:
        return
    link = link_maker(current_app)(page, uid=assessment.uid)
    emails = [
        reminders.notice(
            event, p.email, p.name, assessment.title, assessment.revision, me.name, link
        )
        for p in people
    ]
    try:
        refused = mail.send(smtp, emails)
    except mail.MailError as err:
        refused = [(email, str(err)) for email in emails[err.sent :]]
    if refused:
        current_app.logger.warning(
            "Could not email %d people that %s was %s: %s",
            len(refused),
            assessment.uid,
            event,
            refused[0][1],
        )
        flash(
            f"We could not email {join_words([e.to for e, _ in refused])} to tell them: "
            f"{refused[0][1]}. Tell them yourself.",
            "important",
        )


def _move(uid: str, expected: str, status: str, message: str, roles: tuple[str, ...]):
    assessment = load_as(uid, roles)
    try:
        store.set_status(store.get_db(), uid, expected, status, account().name)
    except store.WrongStatus:
        flash(
            "Someone else has already moved this assessment on. Check its status below.",
            "important",
        )
    else:
        _log(f"status changed from {expected} to {status}", assessment)
        flash(message, "success")
        _notify(status, assessment)
    return redirect(url_for("assessments.task_list", uid=uid))


@bp.post("/assessments/<uid>/send-for-review")
def send_for_review(uid: str):
    assessment = load(uid)
    all_sections = wizard.sections(banks(), assessment.values())
    if not wizard.all_completed(all_sections, assessment.completed_sections):
        flash(
            "Mark every section as completed before you send the assessment for review.",
            "important",
        )
        return redirect(url_for("assessments.task_list", uid=uid))
    return _move(
        uid,
        store.DRAFT,
        store.IN_REVIEW,
        "The assessment has been sent for review. "
        "Its answers are locked until it is approved or returned to draft.",
        ("author",),
    )


@bp.post("/assessments/<uid>/return-to-draft")
def return_to_draft(uid: str):
    return _move(
        uid,
        store.IN_REVIEW,
        store.DRAFT,
        "The assessment is back in draft and can be changed.",
        ("author", "reviewer", "approver"),
    )


@bp.route("/assessments/<uid>/sign-off", methods=["GET", "POST"])
def sign_off(uid: str):
    assessment = load_as(uid, ("approver",))
    if assessment.status != store.IN_REVIEW:
        abort(423)
    form = forms.SignOffForm()
    if store.edited_this_revision(store.get_db(), uid, account().id):
        # Approval is a second pair of eyes: not for work the approver changed themselves.
        return render_template(
            "sign_off.html", assessment=assessment, form=form, own_work=True
        ), 403
    if form.validate_on_submit():
        snapshot = transfer.signed_snapshot(assessment, dt.datetime.now(dt.UTC))
        try:
            store.sign_off(
                store.get_db(),
                uid,
                user=account(),
                job_title=form.job_title.data,
                attestation=forms.ATTESTATION,
                snapshot=snapshot,
            )
        except store.WrongStatus:
            abort(423)
        except store.OwnWork:
            return render_template(
                "sign_off.html", assessment=assessment, form=form, own_work=True
            ), 403
        _log("signed off", assessment, job_title=form.job_title.data)
        _notify(store.APPROVED, assessment)
        return redirect(url_for("review.approved", uid=uid))
    return render_template(
        "sign_off.html", assessment=assessment, form=form, attestation=forms.ATTESTATION
    )


@bp.get("/assessments/<uid>/approved")
def approved(uid: str):
    assessment = load(uid)
    signoffs = store.list_signoffs(store.get_db(), uid)
    if assessment.status != store.APPROVED or not signoffs:
        abort(404)
    return render_template("approved.html", assessment=assessment, signoff=signoffs[-1])


@bp.post("/assessments/<uid>/start-revision")
def start_revision(uid: str):
    assessment = load_as(uid, ("author",))
    try:
        revision = store.start_revision(store.get_db(), uid, account().name)
    except store.WrongStatus:
        abort(423)
    _log("revision started", assessment, new_revision=revision)
    flash(
        f"Revision {revision} has started as a draft. The approved revision stays "
        "downloadable as it was signed.",
        "success",
    )
    return redirect(url_for("assessments.task_list", uid=uid))


def _signed(uid: str, revision: int) -> tuple[store.Assessment, store.Signoff]:
    load(uid)
    for signoff in store.list_signoffs(store.get_db(), uid):
        if signoff.revision == revision:
            return downloads.signed_assessment(uid, signoff), signoff
    abort(404)


@bp.get("/assessments/<uid>/revisions/<int:revision>/<kind>.<fmt>")
def signed_statement(uid: str, revision: int, kind: str, fmt: str):
    """The statement or board summary exactly as signed: made once, it never changes."""
    if kind not in downloads.BUILDERS or fmt not in downloads.MIMETYPES:
        abort(404)
    assessment, signoff = _signed(uid, revision)
    data = downloads.signed_document(uid, signoff, kind, fmt)
    name = download_name(assessment, downloads.FILE_PREFIX[kind])
    return download(data, downloads.MIMETYPES[fmt], f"{name}-revision-{revision}-approved.{fmt}")


@bp.get("/assessments/<uid>/revisions/<int:revision>/compare")
def compare(uid: str, revision: int):
    """What changed between a signed revision and now, or another signed revision (?with=)."""
    current = load(uid)
    before, signoff = _signed(uid, revision)
    other = forms.number(request.args.get("with", ""))
    after, later = _signed(uid, other) if other is not None else (current, None)
    ids = sorted(set(before.answers) | set(after.answers))
    differences = [
        (qid, before.answers.get(qid), after.answers.get(qid))
        for qid in ids
        if before.value(qid) != after.value(qid)
    ]
    return render_template(
        "compare.html", assessment=current, signoff=signoff, later=later, differences=differences
    )


# ---------------------------------------------------------------- comments
COMMENTERS = ("author", "reviewer", "approver")


@bp.post("/assessments/<uid>/sections/<section_id>/comments")
def add_comment(uid: str, section_id: str):
    # Viewers only read: a comment asks for a change, which is not theirs to ask.
    assessment = load_as(uid, COMMENTERS)
    if wizard.find_section(wizard.sections(banks(), assessment.values()), section_id) is None:
        abort(404)
    form = forms.CommentForm()
    if form.validate_on_submit():
        store.add_comment(store.get_db(), uid, section_id, account(), form.text.data)
        flash("Your comment has been added.", "success")
    else:
        flash(form.text.errors[0] if form.text.errors else "Enter a comment", "important")
    return redirect(url_for("pages.check_answers", uid=uid, section_id=section_id) + "#comments")


@bp.post("/assessments/<uid>/comments/<int:comment_id>/resolve")
def resolve_comment(uid: str, comment_id: int):
    load_as(uid, ("author",))
    try:
        store.resolve_comment(store.get_db(), uid, comment_id, account().name)
    except store.AssessmentNotFound:
        abort(404)
    flash("The comment has been marked as resolved.", "success")
    return redirect(request.referrer or url_for("assessments.task_list", uid=uid))


# ---------------------------------------------------------------- sharing
@bp.route("/assessments/<uid>/share", methods=["GET", "POST"])
def share(uid: str):
    # Sharing changes who can see the assessment, not its answers: allowed in any status.
    assessment = load_as(uid, ("author",))
    form = forms.ShareForm()
    if form.validate_on_submit() and _may_share(assessment, form):
        email = form.email.data.strip().lower()
        store.share_with_email(store.get_db(), uid, email, form.role.data)
        _log("shared", assessment, with_person=email, role=form.role.data)
        # The same words whether or not the address has an account, so the form cannot be
        # used to find out who has one.
        flash(
            f"The assessment is now shared with {email} as {with_article(form.role.data)}. "
            "If they do not have an account yet, they will see it once your administrator "
            "adds them with this email address.",
            "success",
        )
        return redirect(url_for("assessments.task_list", uid=uid))
    return render_template(
        "share.html",
        assessment=assessment,
        form=form,
        shares=store.list_share_emails(store.get_db(), uid),
    )


def _may_share(assessment: store.Assessment, form: forms.ShareForm) -> bool:
    """Nobody changes their own access; only the owning organisation grants approver."""
    me = account()
    if form.email.data.strip().casefold() == me.email.casefold():
        form.email.errors = ["You cannot change your own access. Ask another author to do it"]
        return False
    owner = assessment.organisation_id == me.organisation_id
    if form.role.data == "approver" and not (owner and (me.role == "author" or me.is_admin)):
        form.role.errors = [
            "Only an author or administrator of the organisation that owns this assessment "
            "can make someone an approver. Choose another role"
        ]
        return False
    return True


# ---------------------------------------------------------------- history
@bp.get("/assessments/<uid>/history")
def history(uid: str):
    assessment = load(uid)
    try:
        number = max(1, min(int(request.args.get("page", "1")), 10**6))
    except ValueError:
        number = 1
    found = store.changes_page(store.get_db(), uid, number, HISTORY_PER_PAGE)
    changes = found.changes
    can_edit = role_on(assessment) == "author" and assessment.status == store.DRAFT
    # Only a change with an earlier answer can be undone: restoring a first save blanks it.
    restorable = {c.id for c in changes if wizard.is_answered(c.old_value)} if can_edit else set()
    return render_template(
        "history.html",
        assessment=assessment,
        changes=changes,
        found=found,
        pages=pagination(found, lambda n: url_for("review.history", uid=uid, page=n)),
        restorable=restorable,
        form=forms.HiatForm(),
    )


@bp.post("/assessments/<uid>/history/<int:change_id>/restore")
def restore_change(uid: str, change_id: int):
    assessment = load(uid, edit=True)
    try:
        change = store.get_change(store.get_db(), uid, change_id)
    except store.AssessmentNotFound:
        abort(404)
    if not wizard.is_answered(change.old_value):
        abort(404)  # a first save has no earlier answer to restore
    page = wizard.page_of(wizard.sections(banks(), assessment.values()), change.question_id)
    answer = store.NewAnswer(
        change.question_id, change.old_value, change.label, change.option_labels
    )
    # Saving bumps the page's version, so anyone editing that page sees a conflict.
    store.save_answers(
        store.get_db(),
        uid,
        [answer],
        page=page.id if page else "history",
        bank_version=banks().version,
        by=account().name,
        editor=account().id,
    )
    flash(f"The earlier answer to “{change.label}” has been restored.", "success")
    return redirect(url_for("review.history", uid=uid))
