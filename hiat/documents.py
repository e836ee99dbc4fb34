"""Routes for the statement and the files made from it, and for moving assessments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from markupsafe import Markup

from hiat import exports, forms, statement, store, transfer, wizard
from hiat.access import account, banks, load, log, require_author
from hiat.downloads import BUILDERS, FILE_PREFIX, MIMETYPES, RENDERERS, download, download_name

bp = Blueprint("documents", __name__)
T = TypeVar("T")
PLANS = {"action-plan": "action_table", "monitoring-plan": "indicator_table"}
IMPORTED_MESSAGE = (
    "The assessment has been imported as a new assessment. The file itself was not changed."
)


# ---------------------------------------------------------------- statement and downloads
def _signoff(assessment: store.Assessment) -> store.Signoff | None:
    signoffs = [
        s
        for s in store.list_signoffs(store.get_db(), assessment.uid)
        if s.revision == assessment.revision
    ]
    return signoffs[-1] if signoffs else None


def _built(uid: str, kind: str) -> statement.Statement:
    assessment = load(uid)
    return BUILDERS[kind](assessment, banks(), dt.date.today(), _signoff(assessment))


def cached(uid: str, kind: str, fmt: str, make: Callable[[], T]) -> tuple[store.Assessment, T]:
    """The document in `fmt`, made once for each state of the assessment (and each day).

    Only the assessment's row is read to check access and find the state; the answers
    are loaded, and the document made, only when the cache does not have it.
    """
    header = load(uid, answers=False)
    key = (kind, fmt, uid, header.updated_at, header.status, header.revision, dt.date.today())
    return header, current_app.extensions["hiat_documents"].get_or_make(key, make)


def _document(uid: str, kind: str, fmt: str):
    header, data = cached(uid, kind, fmt, lambda: RENDERERS[fmt](_built(uid, kind)))
    if fmt == "print":
        return data
    return download(data, MIMETYPES[fmt], f"{download_name(header, FILE_PREFIX[kind])}.{fmt}")


@bp.get("/assessments/<uid>/statement")
def statement_page(uid: str):
    def make() -> tuple[Markup, str, str]:
        assessment = load(uid)
        built = statement.build_statement(
            assessment, banks(), dt.date.today(), _signoff(assessment)
        )
        summary = next(b for b in built.blocks[1:] if isinstance(b, statement.Paragraph))
        implications = statement.implications(assessment, banks(), _signoff(assessment))
        return statement.render_html(built), implications, summary.text

    header, (html, implications, status) = cached(uid, "statement", "page", make)
    return render_template(
        "statement.html",
        assessment=header,
        statement_html=html,
        implications=implications,
        status=status,
    )


@bp.get("/assessments/<uid>/<any(statement, summary):kind>/print")
def print_view(uid: str, kind: str):
    return _document(uid, kind, "print")


@bp.get("/assessments/<uid>/<any(statement, summary):kind>.<any(md, docx, pdf):fmt>")
def document(uid: str, kind: str, fmt: str):
    """The statement or the board summary as markdown, Word or tagged PDF."""
    return _document(uid, kind, fmt)


@bp.get("/assessments/<uid>/<plan>.csv")
def plan_csv(uid: str, plan: str):
    if plan not in PLANS:
        abort(404)
    assessment = load(uid)
    table = statement.plan_table(assessment.answers, banks(), _principles(assessment), PLANS[plan])
    return download(
        exports.to_csv(table),
        "text/csv; charset=utf-8",
        f"{plan}-{download_name(assessment).removeprefix('equity-impact-statement-')}.csv",
    )


@bp.get("/assessments/<uid>/export.json")
def export_json(uid: str):
    assessment = load(uid)
    record = store.assessment_record(store.get_db(), uid)
    data = transfer.to_json(assessment, dt.datetime.now(dt.UTC), record)
    return download(data, "application/json", f"{download_name(assessment)}.json")


@bp.route("/assessments/import", methods=["GET", "POST"])
def import_assessment():
    require_author()
    form = forms.ImportForm()
    if form.validate_on_submit():
        try:
            document = transfer.read_document(form.file.data.read(transfer.MAX_BYTES + 1), banks())
        except transfer.TransferError as err:
            form.file.errors = [str(err)]
        else:
            uid = _create_from_document(document)
            flash(IMPORTED_MESSAGE, "success")
            if "record" in document:
                _import_record(uid, document["record"])
            return redirect(url_for("assessments.task_list", uid=uid))
    return render_template("import.html", form=form)


def _create_from_document(document: dict) -> str:
    answers = transfer.new_answers(document)
    values = {a.question_id: a.value for a in answers}
    return store.create_assessment(
        store.get_db(),
        document["assessment"]["bank_version"],
        wizard.summary_fields(values, banks()),
        answers,
        page="import",
        completed=document["completed_sections"],
        revision=document["assessment"]["revision"],
        organisation_id=account().organisation_id,
        editor=account().id,
    )


def _import_record(uid: str, record: dict) -> None:
    """History, comments, sign-offs and shares from a full export, with the new assessment."""
    store.add_record(store.get_db(), uid, record, account())
    log(
        "assessment imported",
        store.get_assessment(store.get_db(), uid).title,
        account().organisation_id,
        assessment=uid,
        shares=record["shares"],
    )
    if record["signoffs"]:
        flash(
            "Its sign-offs are kept as a record of the service it came from. It has not been "
            "signed off here: it is a draft until someone signs it off in this service."
        )


def _principles(assessment: store.Assessment):
    return wizard.selected_principles(banks(), assessment.values())
