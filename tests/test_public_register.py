"""The public register: an organisation's administrator publishes a signed-off revision, and
anyone, signed out, reads it, downloads it, finds it, follows it in a feed and reuses it as
open data. Nothing that was not published can be reached; a withdrawn revision leaves a notice.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from docx import Document

from hiat import store, wizard
from hiat.example import load_example
from hiat.publications import LICENCE_NAME, LICENCE_URL
from tests.conftest import QUESTIONS, check_page, make_user, normalize, sign_in, uid_from
from tests.test_workflow import team  # noqa: F401 (a fixture)

ATOM = "{http://www.w3.org/2005/Atom}"
SIGN_OFF = {"job_title": "Director of Public Health", "confirm": "y"}


def get(client, path: str, status: int = 200):
    reply = client.get(path)
    assert reply.status_code == status, (path, reply.status_code)
    return check_page(reply.get_data(as_text=True))


def retitle(app, uid: str, title: str) -> None:
    """Change the policy's title as its author would, on the details page."""
    with app.app_context():
        store.save_answers(
            store.get_db(),
            uid,
            [store.NewAnswer("details_title", title, "Title of the policy")],
            page="details",
            bank_version=app.extensions["hiat"].version,
            summary={"title": title},
        )


def complete_every_section(app, author, uid: str) -> None:
    banks = app.extensions["hiat"]
    for section in wizard.sections(banks, load_example(QUESTIONS, banks).answers):
        author.post(f"/assessments/{uid}/sections/{section.id}/check", data={"completed": "yes"})


def copy(app, author, title: str) -> str:
    """A new draft copied from the worked example, with its own title."""
    uid = uid_from(author.post("/worked-example/copy").headers["Location"])
    retitle(app, uid, title)
    return uid


def sign(app, author, approver, uid: str) -> None:
    complete_every_section(app, author, uid)
    author.post(
        f"/assessments/{uid}/share",
        data={"email": "dee@cheshireandmerseyside.nhs.uk", "role": "approver"},
    )
    assert author.post(f"/assessments/{uid}/send-for-review").status_code == 302
    assert approver.post(f"/assessments/{uid}/sign-off", data=SIGN_OFF).status_code == 302


@pytest.fixture
def admin(app):
    """Wirral Council's administrator (a viewer of its assessments, not an author)."""
    person = make_user(
        app, email="ada@wirral.gov.uk", name="Ada Admin", role="viewer", is_admin=True
    )
    return sign_in(app.test_client(), person)


@pytest.fixture
def signed(app, team):  # noqa: F811
    uid, author, reviewer, approver = team
    retitle(app, uid, "Wirral libraries opening hours")
    author.post(f"/assessments/{uid}/send-for-review")
    assert approver.post(f"/assessments/{uid}/sign-off", data=SIGN_OFF).status_code == 302
    return uid, author, reviewer, approver


@pytest.fixture
def published(app, signed, admin):
    """Revision 1, published by the administrator; returns its public address too."""
    uid = signed[0]
    reply = admin.post(f"/assessments/{uid}/revisions/1/publish")
    assert reply.status_code == 302
    publishing = get(admin, reply.headers["Location"])
    link = next(a for a in publishing.select("tbody a") if "See its public page" in a.text)
    return (*signed, link["href"])


def public_client(app):
    return app.test_client()  # nobody signed in


# ---------------------------------------------------------------- publishing
def test_an_administrator_publishes_a_signed_revision_from_the_task_list(app, signed, admin):
    uid = signed[0]
    task_list = get(admin, f"/assessments/{uid}")
    link = task_list.find("a", string="Publish in the public register")
    page = get(admin, link["href"])
    assert "Not published" in normalize(page.select_one("tbody").text)
    button = page.select_one("tbody form button")
    assert normalize(button.text) == "Publish revision 1"
    reply = admin.post(page.select_one("tbody form")["action"])
    after = get(admin, reply.headers["Location"])
    assert "Revision 1 is published in the public register" in normalize(after.text)
    cell = normalize(after.select("tbody td")[0].text)
    assert cell.startswith("Published on ") and "by Ada Admin" in cell
    with app.app_context():
        actions = [e.action for e in store.list_audit(store.get_db(), signed_organisation(app))]
    assert "published" in actions


def signed_organisation(app) -> int:
    with app.app_context():
        return store.find_user(store.get_db(), "alex@wirral.gov.uk").organisation_id


def test_anyone_signed_out_reads_the_published_statement_exactly_as_signed(app, published):
    uid, author, _, _, address = published
    assert address.startswith(f"/register/wirral-council/{uid}/1")
    visitor = public_client(app)
    page = get(visitor, address)
    assert normalize(page.h1.text) == "Wirral libraries opening hours"
    statement = normalize(page.select_one(".hiat-statement").text)
    assert "Dee Director" in statement  # the signatory, as the statement prints it
    assert "Director of Public Health" in statement
    links = {normalize(a.text): a["href"] for a in page.select("main a")}
    signed_md = author.get(f"/assessments/{uid}/revisions/1/statement.md").data
    markdown = visitor.get(links["Download the statement as signed (markdown)"])
    assert markdown.status_code == 200 and markdown.data == signed_md
    word = visitor.get(links["Download the statement as signed (Word)"])
    assert word.mimetype.startswith("application/vnd.openxmlformats")
    text = "\n".join(p.text for p in Document(io.BytesIO(word.data)).paragraphs)
    assert "Wirral libraries opening hours" in text
    assert (
        'filename="equity-impact-statement-wirral-libraries-opening-hours-'
        in (word.headers["Content-Disposition"])
    )
    pdf = visitor.get(links["Download the statement as signed (PDF)"])
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_the_public_pages_show_no_comments_drafts_or_other_peoples_names(app, published):
    uid, author, reviewer, _, address = published
    reviewer.post(
        f"/assessments/{uid}/sections/details/comments", data={"text": "Private remark XYZZY"}
    )
    author.post(f"/assessments/{uid}/start-revision")
    retitle(app, uid, "Secret draft title PLUGH")
    visitor = public_client(app)
    shown = [
        shown_text(visitor.get(path), "PLUGH" if "PLUGH" in path else "")
        for path in (
            address,
            address + ".md",
            "/register",
            "/register?q=PLUGH",
            "/register/feed.atom",
            "/register/published.csv",
            "/register/published.json",
        )
    ]
    for text in shown:
        for secret in ("XYZZY", "PLUGH", "Alex Author", "Rey Reviewer", "Ada Admin"):
            assert secret not in text
    assert "Wirral libraries opening hours" in shown[0]
    assert "<tbody" not in shown[3]


def test_only_the_organisations_administrator_can_publish(app, signed, admin):
    uid, author, reviewer, approver = signed
    task_list = get(author, f"/assessments/{uid}")
    assert task_list.find("a", string="Publish in the public register") is None
    other_admin = sign_in(
        app.test_client(),
        make_user(
            app,
            email="ola@cheshireandmerseyside.nhs.uk",
            name="Ola Other",
            organisation="NHS Cheshire and Merseyside",
            role="approver",
            is_admin=True,
        ),
    )
    for person in (author, reviewer, approver, other_admin):
        assert person.get(f"/assessments/{uid}/publishing").status_code == 403
        assert person.post(f"/assessments/{uid}/revisions/1/publish").status_code == 403
    nobody = public_client(app).post(f"/assessments/{uid}/revisions/1/publish")
    assert "/sign-in" in nobody.headers["Location"]
    assert public_client(app).get("/register").status_code == 200
    assert "No statements have been published yet" in normalize(
        get(public_client(app), "/register").text
    )


def test_only_a_signed_off_revision_can_be_published(app, team, admin):  # noqa: F811
    uid, author, _, _ = team
    assert admin.post(f"/assessments/{uid}/revisions/1/publish").status_code == 404
    page = get(admin, f"/assessments/{uid}/publishing")
    assert "No revision of this assessment has been signed off yet" in normalize(page.text)
    with app.app_context():
        assert store.publications_of(store.get_db(), uid) == {}


# ---------------------------------------------------------------- the list and search
def test_the_public_list_shows_each_assessments_latest_published_revision(app, published, admin):
    uid, author, _, approver, address = published
    visitor = public_client(app)
    listing = get(visitor, "/register")
    assert normalize(listing.select_one("#results").text) == "1 statement"
    assert listing.select_one("tbody th a")["href"] == address
    # Revision 2 is signed and published: the list shows it, revision 1 keeps its address.
    author.post(f"/assessments/{uid}/start-revision")
    retitle(app, uid, "Wirral libraries opening hours, second year")
    sign(app, author, approver, uid)
    assert admin.post(f"/assessments/{uid}/revisions/2/publish").status_code == 302
    listing = get(visitor, "/register")
    rows = listing.select("tbody tr")
    assert len(rows) == 1
    assert normalize(rows[0].th.a.text) == "Wirral libraries opening hours, second year"
    second = rows[0].th.a["href"]
    assert second == f"/register/wirral-council/{uid}/2"
    first = get(visitor, address)
    assert normalize(first.h1.text) == "Wirral libraries opening hours"
    assert "A later revision of this assessment has been published" in normalize(first.text)
    assert first.find("a", string="read revision 2")["href"] == second


def test_search_finds_published_statements_by_title_organisation_and_place(app, published, admin):
    uid, author, _, approver, address = published
    other = copy(app, author, "Leisure centre prices")
    sign(app, author, approver, other)
    visitor = public_client(app)
    # Signed off but not published: not found.
    assert "No published statements match" in normalize(
        get(visitor, "/register?q=leisure").select_one("#results").text
    )
    admin.post(f"/assessments/{other}/revisions/1/publish")
    found = get(visitor, "/register?q=leisure")
    assert [normalize(a.text) for a in found.select("tbody th a")] == ["Leisure centre prices"]
    assert found.select_one("#q")["value"] == "leisure"
    both = get(visitor, "/register?q=" + "Cheshire")  # the place, as the statement names it
    assert normalize(both.select_one("#results").text) == "2 statements match “Cheshire”"
    assert "No published statements match" in normalize(
        get(visitor, '/register?q=""').select_one("#results").text
    )


def test_the_public_list_is_paged(app, published, admin, monkeypatch):
    from hiat import public

    uid, author, _, approver, _ = published
    other = copy(app, author, "Leisure centre prices")
    sign(app, author, approver, other)
    admin.post(f"/assessments/{other}/revisions/1/publish")
    monkeypatch.setattr(public, "PER_PAGE", 1)
    visitor = public_client(app)
    first = get(visitor, "/register")
    assert normalize(first.select_one("#results").text) == "Showing 1 to 1 of 2 statements"
    assert [normalize(a.text) for a in first.select("tbody th a")] == ["Leisure centre prices"]
    second = get(visitor, first.select_one(".govuk-pagination__next a")["href"])
    titles = [normalize(a.text) for a in second.select("tbody th a")]
    assert titles == ["Wirral libraries opening hours"]


# ---------------------------------------------------------------- withdrawing
def test_withdrawing_asks_why_and_leaves_a_dated_notice_at_the_same_address(app, published, admin):
    uid, _, _, _, address = published
    publishing = get(admin, f"/assessments/{uid}/publishing")
    withdraw = next(a for a in publishing.select("tbody a") if a.text.startswith("Withdraw"))
    confirm = get(admin, withdraw["href"])
    assert normalize(confirm.h1.text) == "Are you sure you want to withdraw revision 1?"
    action = confirm.select_one("main form")["action"]
    empty = admin.post(action, data={"reason": "   "})
    page = check_page(empty.get_data(as_text=True))
    summary = page.select_one(".govuk-error-summary a")
    assert summary["href"] == "#reason"
    assert normalize(summary.text).startswith("Say why the statement is being withdrawn")
    assert get(public_client(app), address).h1  # still published
    done = admin.post(action, data={"reason": "The policy was stopped in March 2027."})
    assert done.status_code == 302
    visitor = public_client(app)
    for path in (address, address + ".md", address + ".docx", address + ".pdf"):
        reply = visitor.get(path)
        assert reply.status_code == 410, path
        notice = check_page(reply.get_data(as_text=True))
        assert normalize(notice.h1.text) == "This statement has been withdrawn"
        text = normalize(notice.text)
        assert text.count("Withdrawn on ") == 1
        assert "The policy was stopped in March 2027." in text
        assert notice.select_one(".hiat-statement") is None
        assert "Dee Director" not in text
    assert "No statements have been published yet" in normalize(get(visitor, "/register").text)
    with app.app_context():
        actions = [e.action for e in store.list_audit(store.get_db(), signed_organisation(app))]
    assert actions[:2] == ["withdrawn", "published"]
    # It can be published again, at the same address.
    republish = get(admin, f"/assessments/{uid}/publishing").select_one("tbody form button")
    assert normalize(republish.text) == "Publish again revision 1"
    admin.post(f"/assessments/{uid}/revisions/1/publish")
    assert visitor.get(address).status_code == 200


def test_the_withdraw_page_is_for_published_revisions_and_administrators(app, published, admin):
    uid, author, _, _, _ = published
    assert author.get(f"/assessments/{uid}/revisions/1/withdraw").status_code == 403
    assert (
        author.post(f"/assessments/{uid}/revisions/1/withdraw", data={"reason": "x"}).status_code
        == 403
    )
    assert admin.get(f"/assessments/{uid}/revisions/2/withdraw").status_code == 404
    admin.post(f"/assessments/{uid}/revisions/1/withdraw", data={"reason": "Replaced."})
    assert admin.get(f"/assessments/{uid}/revisions/1/withdraw").status_code == 404


# ---------------------------------------------------------------- feed and open data
def atom_entries(client) -> tuple[ET.Element, list[ET.Element]]:
    reply = client.get("/register/feed.atom")
    assert reply.status_code == 200
    assert reply.mimetype == "application/atom+xml"
    feed = ET.fromstring(reply.data)
    assert feed.tag == f"{ATOM}feed"
    return feed, feed.findall(f"{ATOM}entry")


def test_the_atom_feed_has_what_rfc_4287_requires_and_marks_withdrawals(app, published, admin):
    uid, _, _, _, address = published
    visitor = public_client(app)
    feed, entries = atom_entries(visitor)
    for name in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None, name
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["self"] == "http://localhost/register/feed.atom"
    assert len(entries) == 1
    entry = entries[0]
    for name in ("id", "title", "updated", "link", "summary"):
        assert entry.find(f"{ATOM}{name}") is not None, name
    entry_id = entry.findtext(f"{ATOM}id")
    assert entry_id == f"http://localhost{address}"
    assert entry.find(f"{ATOM}link").get("href") == entry_id
    assert entry.findtext(f"{ATOM}title") == "Wirral libraries opening hours (revision 1)"
    first_updated = entry.findtext(f"{ATOM}updated")
    assert feed.findtext(f"{ATOM}updated") == first_updated

    admin.post(f"/assessments/{uid}/revisions/1/withdraw", data={"reason": "Replaced."})
    feed, entries = atom_entries(visitor)
    assert len(entries) == 1
    entry = entries[0]
    assert entry.findtext(f"{ATOM}id") == entry_id  # the same entry, updated
    assert entry.findtext(f"{ATOM}title").startswith("Withdrawn: Wirral libraries")
    assert entry.findtext(f"{ATOM}updated") > first_updated
    assert entry.findtext(f"{ATOM}summary").startswith("Withdrawn on ")
    assert "Replaced." in entry.findtext(f"{ATOM}summary")


def test_the_open_data_has_stable_ids_and_states_the_licence(app, published, admin):
    uid, _, _, _, address = published
    visitor = public_client(app)
    reply = visitor.get("/register/published.json")
    assert reply.headers["Link"] == f'<{LICENCE_URL}>; rel="license"'
    data = reply.get_json()
    assert data["licence"]["name"] == LICENCE_NAME == "Open Government Licence v3.0"
    assert data["licence"]["url"] == LICENCE_URL
    assert data["count"] == 1
    record = data["records"][0]
    assert record["id"] == f"http://localhost{address}"
    assert record["assessment_id"] == uid
    assert record["revision"] == 1
    assert record["status"] == "published"
    assert record["title"] == "Wirral libraries opening hours"
    assert record["pdf"] == f"http://localhost{address}.pdf"
    sheet = visitor.get("/register/published.csv")
    assert sheet.mimetype == "text/csv"
    assert sheet.headers["Link"] == f'<{LICENCE_URL}>; rel="license"'
    rows = list(csv.DictReader(io.StringIO(sheet.data.decode("utf-8-sig"))))
    assert [r["Id"] for r in rows] == [record["id"]]
    assert rows[0]["Licence"] == f"{LICENCE_NAME} {LICENCE_URL}"
    assert rows[0]["Status"] == "published"

    admin.post(f"/assessments/{uid}/revisions/1/withdraw", data={"reason": "Replaced."})
    record = visitor.get("/register/published.json").get_json()["records"][0]
    assert record["id"] == f"http://localhost{address}"  # the same id
    assert record["status"] == "withdrawn"
    assert record["withdrawn_reason"] == "Replaced."
    assert record["markdown"] == record["word"] == record["pdf"] == ""
    rows = list(
        csv.DictReader(io.StringIO(visitor.get("/register/published.csv").data.decode("utf-8-sig")))
    )
    assert rows[0]["Status"] == "withdrawn"


HOSTILE = '=HYPERLINK("http://evil.example","x") <script>alert(1)</script> ]]> &amp; \x01\x0b'


def test_hostile_text_is_escaped_in_the_page_csv_json_and_feed(app, team, admin):  # noqa: F811
    uid, author, _, approver = team
    retitle(app, uid, HOSTILE)
    author.post(f"/assessments/{uid}/send-for-review")
    approver.post(f"/assessments/{uid}/sign-off", data=SIGN_OFF)
    admin.post(f"/assessments/{uid}/revisions/1/publish")
    visitor = public_client(app)
    shown = '=HYPERLINK("http://evil.example","x") <script>alert(1)</script> ]]> &amp;'
    listing = visitor.get("/register").get_data(as_text=True)
    assert "<script>alert" not in listing
    page = check_page(listing)
    assert normalize(page.select_one("tbody th a").text) == shown
    statement = visitor.get(page.select_one("tbody th a")["href"]).get_data(as_text=True)
    assert "<script>alert" not in statement
    cell = next(
        csv.reader(io.StringIO(visitor.get("/register/published.csv").data.decode("utf-8-sig")))
    )
    row = list(
        csv.reader(io.StringIO(visitor.get("/register/published.csv").data.decode("utf-8-sig")))
    )[1]
    assert cell[3] == "Policy"
    assert row[3] == "'" + shown  # a spreadsheet shows it as text, never runs it
    assert visitor.get("/register/published.json").get_json()["records"][0]["title"] == shown
    _, entries = atom_entries(visitor)  # parses: no control characters, ]]> escaped
    assert entries[0].findtext(f"{ATOM}title") == f"{shown} (revision 1)"
    # The reason for withdrawing is the administrator's own text, shown to the public.
    reason = "=cmd|' /C calc'!A0 <script>alert(2)</script> ]]>"
    admin.post(f"/assessments/{uid}/revisions/1/withdraw", data={"reason": reason})
    notice = visitor.get(page.select_one("tbody th a")["href"])
    assert notice.status_code == 410
    assert "<script>alert(2)" not in notice.get_data(as_text=True)
    assert reason in normalize(check_page(notice.get_data(as_text=True)).text)
    _, entries = atom_entries(visitor)
    assert entries[0].findtext(f"{ATOM}summary").endswith(reason)
    sheet = visitor.get("/register/published.csv").data.decode("utf-8-sig")
    assert list(csv.DictReader(io.StringIO(sheet)))[0]["Why it was withdrawn"] == "'" + reason


# ---------------------------------------------------------------- nothing else is reachable
def public_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("public.")]
    assert len(rules) >= 6
    return rules


def shown_text(reply, searched: str) -> str:
    """What a reply shows, less the search words it repeats back to the person who typed them."""
    text = reply.get_data(as_text=True)
    if reply.mimetype != "text/html" or not searched:
        return text
    page = check_page(text)
    for echo in page.select("main form") + page.select("#results") + page.select("title"):
        echo.decompose()
    return str(page)


def test_nothing_unpublished_is_reachable_on_any_public_route(app, published, admin):
    """Draft, in review, signed but not published, a revision never published, a wrong
    organisation: every public route with an address part says "not found"; the lists,
    feed and open data leave them out; a withdrawn revision gives its notice, not content."""
    uid, author, reviewer, approver, address = published
    draft = copy(app, author, "Draft policy QUUX")
    in_review = copy(app, author, "In review policy GARPLY")
    complete_every_section(app, author, in_review)
    assert author.post(f"/assessments/{in_review}/send-for-review").status_code == 302
    unpublished = copy(app, author, "Signed unpublished policy WALDO")
    sign(app, author, approver, unpublished)
    withdrawn = copy(app, author, "Withdrawn policy FRED")
    sign(app, author, approver, withdrawn)
    admin.post(f"/assessments/{withdrawn}/revisions/1/publish")
    admin.post(f"/assessments/{withdrawn}/revisions/1/withdraw", data={"reason": "Stopped."})
    secrets = ("QUUX", "GARPLY", "WALDO")
    hidden = [
        {"org": "wirral-council", "uid": draft, "revision": 1},
        {"org": "wirral-council", "uid": in_review, "revision": 1},
        {"org": "wirral-council", "uid": unpublished, "revision": 1},
        {"org": "wirral-council", "uid": uid, "revision": 2},  # never signed or published
        {"org": "another-council", "uid": uid, "revision": 1},  # the wrong organisation
        {"org": "wirral-council", "uid": "0" * 32, "revision": 1},
    ]
    visitor = public_client(app)
    with app.test_request_context():
        from flask import url_for

        for rule in public_rules(app):
            if not rule.arguments:
                for word in ("", *secrets, "policy"):
                    path = url_for(rule.endpoint, **({"q": word} if word else {}))
                    text = shown_text(visitor.get(path), word)
                    assert not any(s in text for s in secrets), path
                continue
            assert rule.arguments <= {"org", "uid", "revision", "fmt"}, (
                f"{rule.rule}: a new kind of public address; add it to this test"
            )
            for fmt in sorted(rule._converters["fmt"].items if "fmt" in rule.arguments else [""]):
                extra = {"fmt": fmt} if fmt else {}
                for values in hidden:
                    path = url_for(rule.endpoint, **values, **extra)
                    reply = visitor.get(path)
                    assert reply.status_code == 404, (path, reply.status_code)
                    assert not any(s in reply.get_data(as_text=True) for s in secrets)
                path = url_for(
                    rule.endpoint, org="wirral-council", uid=withdrawn, revision=1, **extra
                )
                reply = visitor.get(path)
                assert reply.status_code == 410, path
                notice = check_page(reply.get_data(as_text=True))
                assert notice.select_one(".hiat-statement") is None
                assert "Withdrawn on " in normalize(notice.text)
                assert visitor.get(address if not fmt else f"{address}.{fmt}").status_code == 200


def test_the_publishing_pages_are_not_public(app, published):
    uid = published[0]
    visitor = public_client(app)
    with app.test_request_context():
        from flask import url_for

        rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("publishing.")]
        assert rules
        for rule in rules:
            path = url_for(
                rule.endpoint, uid=uid, **({"revision": 1} if "revision" in rule.arguments else {})
            )
            for method in rule.methods & {"GET", "POST"}:
                reply = visitor.open(path, method=method)
                assert reply.status_code == 302, (method, path)
                assert "/sign-in" in reply.headers["Location"]


def test_every_public_route_carries_the_security_headers(app, published):
    address = published[-1]
    visitor = public_client(app)
    for path in (
        "/register",
        address,
        address + ".md",
        "/register/feed.atom",
        "/register/published.csv",
        "/register/published.json",
    ):
        reply = visitor.get(path)
        assert "default-src 'self'" in reply.headers["Content-Security-Policy"], path
        assert reply.headers["X-Content-Type-Options"] == "nosniff"


def test_the_organisations_address_part_is_fixed_at_its_first_publication(app, published, admin):
    uid, author, _, approver, address = published
    with app.app_context():
        db = store.get_db()
        db.execute(
            "UPDATE organisations SET name = 'Wirral Metropolitan Borough Council' "
            "WHERE name = 'Wirral Council'"
        )
        db.conn.commit()
    other = copy(app, author, "Leisure centre prices")
    sign(app, author, approver, other)
    admin.post(f"/assessments/{other}/revisions/1/publish")
    with app.app_context():
        found = store.get_publication(store.get_db(), other, 1)
    assert found.organisation_slug == "wirral-council"
    assert public_client(app).get(address).status_code == 200


def test_an_organisations_address_part_is_plain_whole_words():
    from hiat.publications import slug

    assert slug("Wirral Council") == "wirral-council"
    assert slug("Cyngor Sir Ynys Môn / Isle of Anglesey") == "cyngor-sir-ynys-mon-isle-of-anglesey"
    assert slug("St Helens Council's Public Health") == "st-helens-councils-public-health"
    assert slug("NHS " + "Cheshire and Merseyside " * 5) == (
        "nhs-cheshire-and-merseyside-cheshire-and-merseyside-cheshire"
    )
    assert slug("???") == "organisation"
