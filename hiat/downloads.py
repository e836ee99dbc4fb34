"""The documents made from an assessment, and how a file is sent: no routes.

The documents blueprint serves the current state; the review blueprint serves each
revision exactly as signed, and the public register the revisions published. They all
build, render and name files with these.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from flask import Response, current_app, render_template

from hiat import board, dates, exports, pdf, statement, store, transfer

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NAME_WORDS_LENGTH = 60  # characters of the title in a file name, in whole words

# The two documents made from an assessment: the full statement and the board summary.
BUILDERS = {"statement": statement.build_statement, "summary": board.build_summary}
FILE_PREFIX = {"statement": "equity-impact-statement", "summary": "board-summary"}


def _print_html(built: statement.Statement, pdf_file: bool = False) -> str:
    return render_template(
        "print.html",
        statement=built,
        statement_html=statement.render_html(built, baselevel=1),
        pdf=pdf_file,
    )


def _to_pdf(built: statement.Statement) -> bytes:
    static = Path(current_app.static_folder).as_uri() + "/"
    return pdf.to_pdf(_print_html(built, pdf_file=True), base_url=static)


RENDERERS = {
    "md": lambda built: statement.render_markdown(built).encode("utf-8"),
    "docx": exports.to_docx,
    "pdf": _to_pdf,
    "print": _print_html,
}
MIMETYPES = {"md": "text/markdown; charset=utf-8", "docx": DOCX_TYPE, "pdf": "application/pdf"}


def signed_assessment(uid: str, signoff: store.Signoff) -> store.Assessment:
    return transfer.snapshot_assessment(signoff.snapshot, uid)


def signed_document(uid: str, signoff: store.Signoff, kind: str, fmt: str) -> bytes | str:
    """A document of a revision exactly as signed: made once, it never changes.

    `fmt` is a RENDERERS key, or "html" for the statement shown inside a page.
    """

    def make() -> bytes | str:
        built = BUILDERS[kind](
            signed_assessment(uid, signoff),
            current_app.extensions["hiat"],
            dates.uk_date(signoff.signed_at),
            signoff,
        )
        return statement.render_html(built) if fmt == "html" else RENDERERS[fmt](built)

    key = ("signed", kind, fmt, uid, signoff.revision, signoff.id)
    return current_app.extensions["hiat_documents"].get_or_make(key, make)


def download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def download_name(assessment: store.Assessment, prefix: str = "equity-impact-statement") -> str:
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
    return "-".join(part for part in (prefix, slug, assessment.uid[:8]) if part)
