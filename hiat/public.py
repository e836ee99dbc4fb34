"""The public register: signed revisions an organisation has published, for anyone to read.

Every route here is in access.PUBLIC and works signed out. Each shows only a revision an
administrator published, exactly as it was signed; anything else is "not found". A
withdrawn revision keeps its address, which then says when and why it was withdrawn.
"""

from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, Response, abort, render_template, request, url_for

from hiat import downloads, exports, publications, store
from hiat.access import pagination

bp = Blueprint("public", __name__)
PER_PAGE = 25
# A withdrawn revision's address answers 410 Gone with the notice: people read why it was
# withdrawn, and search engines and archives learn it was taken down on purpose.
GONE = 410
FEED_TITLE = "Published equity impact statements"


def _published(org: str, uid: str, revision: int) -> store.Publication:
    """The publication at this address, withdrawn or not; 404 if it was never published."""
    found = store.get_publication(store.get_db(), uid, revision)
    if found is None or found.organisation_slug != org:
        abort(404)
    return found


def _signoff(publication: store.Publication) -> store.Signoff:
    signoffs = store.list_signoffs(store.get_db(), publication.uid)
    found = next((s for s in signoffs if s.revision == publication.revision), None)
    if found is None:
        abort(404)  # only a signed revision is ever published: this is a damaged record
    return found


def _address(publication: store.Publication, fmt: str | None = None, **extra) -> str:
    values = {
        "org": publication.organisation_slug,
        "uid": publication.uid,
        "revision": publication.revision,
    }
    if fmt is None:
        return url_for("public.statement_page", **values, **extra)
    return url_for("public.statement_file", **values, fmt=fmt, **extra)


def _links(publication: store.Publication) -> publications.Links:
    return publications.Links(
        page=_address(publication, _external=True),
        **{fmt: _address(publication, fmt, _external=True) for fmt in publications.FORMATS},
    )


def _withdrawn(publication: store.Publication, others: dict[int, store.Publication]):
    return render_template(
        "public/withdrawn.html",
        publication=publication,
        others=_other_revisions(publication, others),
    ), GONE


def _other_revisions(publication: store.Publication, others: dict[int, store.Publication]):
    return [p for number, p in others.items() if number != publication.revision]


# ---------------------------------------------------------------- the list
@bp.get("/register")
def register():
    words = " ".join(request.args.get("q", "").split())[:200]
    try:
        number = max(1, min(int(request.args.get("page", "1")), 10**6))
    except ValueError:
        number = 1
    page = store.published_page(store.get_db(), words, number, PER_PAGE)
    return render_template(
        "public/register.html",
        words=words,
        page=page,
        address=_address,
        pages=pagination(
            page, lambda n: url_for("public.register", q=words or None, page=n) + "#results"
        ),
        licence_name=publications.LICENCE_NAME,
        licence_url=publications.LICENCE_URL,
    )


# ---------------------------------------------------------------- one revision
@bp.get("/register/<org>/<uid>/<int:revision>")
def statement_page(org: str, uid: str, revision: int):
    publication = _published(org, uid, revision)
    others = store.publications_of(store.get_db(), uid)
    if publication.withdrawn:
        return _withdrawn(publication, others)
    html = downloads.signed_document(uid, _signoff(publication), "statement", "html")
    return render_template(
        "public/statement.html",
        publication=publication,
        others=_other_revisions(publication, others),
        address=_address,
        formats=publications.FORMATS,
        statement_html=html,
        licence_name=publications.LICENCE_NAME,
        licence_url=publications.LICENCE_URL,
    )


@bp.get("/register/<org>/<uid>/<int:revision>.<any(md, docx, pdf):fmt>")
def statement_file(org: str, uid: str, revision: int, fmt: str):
    publication = _published(org, uid, revision)
    if publication.withdrawn:
        return _withdrawn(publication, store.publications_of(store.get_db(), uid))
    data = downloads.signed_document(uid, _signoff(publication), "statement", fmt)
    name = downloads.download_name(_named(publication), downloads.FILE_PREFIX["statement"])
    return downloads.download(data, downloads.MIMETYPES[fmt], f"{name}-revision-{revision}.{fmt}")


def _named(publication: store.Publication) -> store.Assessment:
    """Enough of an assessment for download_name: its title (as signed) and id."""
    return store.Assessment(
        id=0,
        uid=publication.uid,
        title=publication.title,
        organisation="",
        place="",
        status=store.APPROVED,
        bank_version="",
        created_at="",
        updated_at="",
        answers={},
        completed_sections=frozenset(),
    )


# ---------------------------------------------------------------- feed and open data
@bp.get("/register/feed.atom")
def feed():
    found = store.all_publications(store.get_db(), limit=publications.FEED_ENTRIES)
    body = publications.atom(
        publications.Feed(
            id=url_for("public.register", _external=True),
            title=FEED_TITLE,
            self_url=url_for("public.feed", _external=True),
            page_url=url_for("public.register", _external=True),
            author="Equity impact statements, Cheshire and Merseyside",
        ),
        found,
        lambda p: _address(p, _external=True),
        empty_since=dt.datetime.now(dt.UTC),
    )
    return Response(body, mimetype="application/atom+xml")


def _records() -> list[publications.Record]:
    return [publications.record(p, _links(p)) for p in store.all_publications(store.get_db())]


def _licensed(response: Response) -> Response:
    """The licence in a header too, for tools that read the file without its contents."""
    response.headers["Link"] = f'<{publications.LICENCE_URL}>; rel="license"'
    return response


@bp.get("/register/published.csv")
def open_data_csv():
    body = exports.to_csv(publications.csv_table(_records()))
    return _licensed(
        Response(
            body,
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="published-statements.csv"'},
        )
    )


@bp.get("/register/published.json")
def open_data_json():
    document = publications.json_document(
        _records(), dt.datetime.now(dt.UTC), url_for("public.register", _external=True)
    )
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return _licensed(Response(body, mimetype="application/json"))
