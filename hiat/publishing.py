"""Routes for an organisation's administrators to publish signed revisions, and withdraw them.

Only a revision signed off in this service can be published, and only by an administrator
of the organisation that owns the assessment. What the public then sees is in hiat/public.py.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from hiat import downloads, forms, publications, store
from hiat.access import account, banks, load, log

bp = Blueprint("publishing", __name__)


@bp.app_template_global()
def may_publish(assessment: store.Assessment) -> bool:
    """Whether the signed-in person may publish this assessment's signed revisions."""
    if not current_user.is_authenticated:
        return False
    me = account()
    return me.is_admin and me.organisation_id == assessment.organisation_id


def _publisher(uid: str) -> store.Assessment:
    assessment = load(uid)
    if not may_publish(assessment):
        abort(403)
    return assessment


def _signoff(uid: str, revision: int) -> store.Signoff:
    found = next(
        (s for s in store.list_signoffs(store.get_db(), uid) if s.revision == revision), None
    )
    if found is None:
        abort(404)
    return found


def _log(action: str, assessment: store.Assessment, revision: int, **detail) -> None:
    log(
        action,
        f"{assessment.title} (revision {revision})",
        assessment.organisation_id,
        assessment=assessment.uid,
        revision=revision,
        **detail,
    )


def _public_address(publication: store.Publication) -> str:
    return url_for(
        "public.statement_page",
        org=publication.organisation_slug,
        uid=publication.uid,
        revision=publication.revision,
    )


@bp.get("/assessments/<uid>/publishing")
def publishing(uid: str):
    assessment = _publisher(uid)
    db = store.get_db()
    return render_template(
        "publishing/revisions.html",
        assessment=assessment,
        signoffs=store.list_signoffs(db, uid),
        published=store.publications_of(db, uid),
        public_address=_public_address,
        form=forms.HiatForm(),
        licence_name=publications.LICENCE_NAME,
        licence_url=publications.LICENCE_URL,
    )


@bp.post("/assessments/<uid>/revisions/<int:revision>/publish")
def publish(uid: str, revision: int):
    assessment = _publisher(uid)
    signoff = _signoff(uid, revision)
    details = publications.details(banks(), downloads.signed_assessment(uid, signoff))
    try:
        done = store.publish(
            store.get_db(),
            uid,
            revision,
            by=account().name,
            details=details,
            # may_publish: the administrator's organisation is the one that owns it.
            slug=publications.slug(account().organisation),
        )
    except store.NotSignedOff:
        abort(404)
    _log("published", assessment, revision, address=_public_address(done))
    flash(
        f"Revision {revision} is published in the public register. Anyone can now read it "
        "and download its statement.",
        "success",
    )
    return redirect(url_for("publishing.publishing", uid=uid))


@bp.route("/assessments/<uid>/revisions/<int:revision>/withdraw", methods=["GET", "POST"])
def withdraw(uid: str, revision: int):
    assessment = _publisher(uid)
    publication = store.get_publication(store.get_db(), uid, revision)
    if publication is None or publication.withdrawn:
        abort(404)
    form = forms.WithdrawForm()
    if form.validate_on_submit():
        try:
            store.withdraw(
                store.get_db(), uid, revision, by=account().name, reason=form.reason.data
            )
        except store.NotPublished:
            abort(404)
        _log("withdrawn", assessment, revision, reason=form.reason.data)
        flash(
            f"Revision {revision} has been withdrawn. Its public address now says it was "
            "withdrawn, when, and why.",
            "success",
        )
        return redirect(url_for("publishing.publishing", uid=uid))
    return render_template(
        "publishing/withdraw.html",
        assessment=assessment,
        publication=publication,
        public_address=_public_address(publication),
        form=form,
    )
