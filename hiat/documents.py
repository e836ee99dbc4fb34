"""Routes for the statement and the files made from it, and for moving assessments.

They hang on the main blueprint, so their endpoints are main.*; views.init_app imports
this module before the blueprint is registered.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, render_template, url_for

from hiat import exports, forms, pdf, statement, store, transfer, wizard
from hiat.accounts import account
from hiat.views import banks, bp, load, require_author

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NAME_WORDS_LENGTH = 60  # characters of the title in a file name, in whole words
PLANS = {"action-plan": "action_table", "monitoring-plan": "indicator_table"}
IMPORTED_MESSAGE = (
    "The assessment has been imported as a new assessment. The file itself was not changed."
)


# ---------------------------------------------------------------- statement and downloads
def _statement(assessment: store.Assessment) -> statement.Statement:
    signoffs = [
        s
        for s in store.list_signoffs(store.get_db(), assessment.uid)
        if s.revision == assessment.revision
    ]
    return statement.build_statement(
        assessment, banks(), dt.date.today(), signoffs[-1] if signoffs else None
    )


@bp.get("/assessments/<uid>/statement")
def statement_page(uid: str):
    assessment = load(uid)
    return render_template(
        "statement.html",
        assessment=assessment,
        statement_html=statement.render_html(_statement(assessment)),
    )


@bp.get("/assessments/<uid>/statement/print")
def statement_print(uid: str):
    built = _statement(load(uid))
    return render_template(
        "print.html", statement=built, statement_html=statement.render_html(built, baselevel=1)
    )


@bp.get("/assessments/<uid>/statement.md")
def statement_download(uid: str):
    assessment = load(uid)
    text = statement.render_markdown(_statement(assessment))
    return download(
        text.encode("utf-8"), "text/markdown; charset=utf-8", f"{download_name(assessment)}.md"
    )


@bp.get("/assessments/<uid>/statement.docx")
def statement_docx(uid: str):
    assessment = load(uid)
    return download(
        exports.to_docx(_statement(assessment)), DOCX_TYPE, f"{download_name(assessment)}.docx"
    )


@bp.get("/assessments/<uid>/statement.pdf")
def statement_pdf(uid: str):
    """The print view as a tagged PDF; its stylesheet is read from the static folder."""
    assessment = load(uid)
    built = _statement(assessment)
    html = render_template(
        "print.html",
        statement=built,
        statement_html=statement.render_html(built, baselevel=1),
        pdf=True,
    )
    data = pdf.to_pdf(html, base_url=Path(current_app.static_folder).as_uri() + "/")
    return download(data, "application/pdf", f"{download_name(assessment)}.pdf")


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
    data = transfer.to_json(assessment, dt.datetime.now(dt.UTC))
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
            return redirect(url_for("main.task_list", uid=uid))
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
    )


def _principles(assessment: store.Assessment):
    return wizard.selected_principles(banks(), assessment.values())


def download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def download_name(assessment: store.Assessment) -> str:
    """A file name of whole words of the title (never cut mid-word) and the id's first 8.

    e.g. equity-impact-statement-green-plan-net-zero-1a2b3c4d: two downloads of
    assessments with the same title never share a name.
    """
    # Accents go (Ŵ to W), apostrophes join ("council's" to "councils"), anything else splits.
    joined = re.sub(r"['\u2019]", "", assessment.title.lower())
    plain = unicodedata.normalize("NFKD", joined).encode("ascii", "ignore").decode()
    slug = ""
    for word in re.findall(r"[a-z0-9]+", plain):
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > NAME_WORDS_LENGTH:
            break
        slug = longer
    return "-".join(part for part in ("equity-impact-statement", slug, assessment.uid[:8]) if part)
