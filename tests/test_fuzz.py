"""No input makes a 500: random text, bytes and ids sent to every route, and to the import.

Every route is found from the app's URL map, so a new route is fuzzed without being listed
here. Each example starts from the same database (a copy of one made once for the module),
so one request's changes (signing out, locking the assessment) cannot hide the next one's
problem, and a failure replays exactly (derandomize=True).
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path
from urllib.parse import quote_from_bytes

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hiat import create_app, store, wizard
from tests.conftest import POPULATIONS, make_user, screening_data, sign_in, uid_from
from tests.test_no_server_errors import database_content

FUZZ = settings(
    max_examples=3000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
IMPORT_FUZZ = settings(FUZZ, max_examples=300)
FORM = "application/x-www-form-urlencoded"
# The keys the app's own buttons and hidden fields send, on top of each page's fields.
CONTROL_KEYS = ("add", "remove", "save", "lock_version", "csrf_token", "completed", "next")
PARAMETER = re.compile(r"<(?:[^<>]*:)?(\w+)>")
ROW = re.compile(r"-[0-9]+-")


class Target:
    """A signed-in administrator (an author) with a real assessment, and a pristine database."""

    def __init__(self, folder: Path):
        self.database = folder / "hiat.db"
        self.pristine = folder / "pristine.db"
        self.app = create_app(
            {
                "TESTING": True,
                "DATABASE": str(self.database),
                "SECRET_KEY": "test",
                # A random POST must reach its handler, not stop at the token (test_csrf.py
                # covers the token itself).
                "WTF_CSRF_ENABLED": False,
            }
        )
        admin = make_user(self.app, is_admin=True)
        make_user(self.app, email="sam@wirral.gov.uk", name="Sam Viewer", role="viewer")
        client = sign_in(self.app.test_client(), admin)
        with client.session_transaction() as session:
            self.session = dict(session)
        self.uid = self._assessment(client)
        values = self._values()
        all_sections = wizard.sections(self.app.extensions["hiat"], values)
        self.pages = [page.id for section in all_sections for page in section.pages]
        self.sections = [section.id for section in all_sections]
        self.routes = sorted(
            (rule.rule, method)
            for rule in self.app.url_map.iter_rules()
            if rule.endpoint != "static"
            for method in sorted(rule.methods & {"GET", "POST"})
        )
        self.names = self._field_names(client)
        self.export = client.get(f"/assessments/{self.uid}/export.json").data
        shutil.copy(self.database, self.pristine)
        self.content = database_content(self.app)

    def _assessment(self, client) -> str:
        details = {
            "details_title": "Fuzzed policy",
            "details_organisation": "Wirral Council",
            "details_place": "wirral",
            "details_summary": "A policy to send odd input to.",
            "details_decision_body": "Cabinet",
            "details_kind": "strategy_plan",
            "save": "continue",
        }
        uid = uid_from(client.post("/assessments/new", data=details).headers["Location"])
        client.post(f"/assessments/{uid}/pages/screening", data=screening_data(("early_years",)))
        client.post(f"/assessments/{uid}/pages/populations", data=POPULATIONS)
        client.post(f"/assessments/{uid}/sections/details/comments", data={"text": "A comment"})
        return uid

    def _values(self) -> dict:
        with self.app.app_context():
            return store.get_assessment(store.get_db(), self.uid).values()

    def _field_names(self, client) -> dict[str, list[str]]:
        """The field names each of the app's own forms posts, by the form's page."""
        urls = [f"/assessments/{self.uid}/pages/{page}" for page in self.pages]
        urls += [f"/assessments/{self.uid}/share", "/admin/users", "/account/password"]
        names = {}
        for url in urls:
            page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
            found = {tag["name"] for tag in page.select("form [name]")}
            names[url] = sorted(found | set(CONTROL_KEYS))
        names[""] = sorted({name for found in names.values() for name in found})
        return names

    def client(self):
        """A client signed in as the administrator, on a fresh copy of the database."""
        for suffix in ("-wal", "-shm"):
            Path(f"{self.database}{suffix}").unlink(missing_ok=True)
        shutil.copy(self.pristine, self.database)
        client = self.app.test_client()
        with client.session_transaction() as session:
            session.update(self.session)
        return client


@pytest.fixture(scope="module")
def target(tmp_path_factory) -> Target:
    return Target(tmp_path_factory.mktemp("fuzz"))


# ---------------------------------------------------------------- what is sent
# Text of every kind, lone surrogates included: they go on the wire as the (invalid)
# UTF-8 bytes a broken client would send. EDGES are the values most likely to break
# something, drawn often rather than left to chance.
EDGES = (
    "",
    " ",
    "0",
    "-1",
    "²",
    "٣",
    "1e3",
    "\x00",
    "\ud800",
    "\u202e",
    "%ff",
    str(2**63 - 1),
    str(2**63),
    "9" * 20,
    "9" * 5000,
)
TEXT = st.sampled_from(EDGES) | st.sampled_from(EDGES) | st.text(max_size=40)
BIG_NUMBERS = st.integers(min_value=-(2**70), max_value=2**70).map(str)
DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=5000)


def _wire(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


@st.composite
def path_value(draw, name: str, target: Target) -> str:
    """Mostly a real value, so the request reaches its handler; else something odd."""
    real = {
        "uid": [target.uid],
        "page_id": target.pages,
        "section_id": target.sections,
        "kind": ["statement", "summary"],
        "fmt": ["md", "pdf"],
        "plan": ["action-plan", "monitoring-plan"],
    }.get(name, ["1", "2", "3"])
    kind = draw(st.sampled_from(["real", "real", "real", "real", "edge", "number", "text"]))
    if kind == "real":
        return draw(st.sampled_from(real))
    if kind == "edge":
        return draw(st.sampled_from(EDGES).filter(bool))
    if kind == "number":
        return draw(BIG_NUMBERS | DIGITS)
    return draw(TEXT.filter(lambda t: t and "/" not in t))


@st.composite
def form_body(draw, names: list[str]) -> bytes:
    """Pairs of a field name (mostly one the page has) and any value, URL-encoded."""
    # A table cell's name with an odd row number ("p1_actions-²-action"), and a name with
    # an odd suffix, as a Remove button sends ("p1_actions-9999...").
    rows = [name for name in names if ROW.search(name)] or names
    odd_row = st.tuples(st.sampled_from(rows), TEXT).map(
        lambda p: ROW.sub(lambda _: f"-{p[1]}-", p[0], count=1)
    )
    suffixed = st.tuples(st.sampled_from(names), TEXT).map(lambda p: f"{p[0]}-{p[1]}")
    keys = st.one_of(st.sampled_from(names), odd_row, TEXT).map(_wire)
    values = st.one_of(
        TEXT.map(_wire),
        BIG_NUMBERS.map(_wire),
        st.binary(max_size=40),
        st.sampled_from(names).map(_wire),
        suffixed.map(_wire),
    )
    pairs = draw(st.lists(st.tuples(keys, values), max_size=12))
    return b"&".join(
        quote_from_bytes(key, safe="").encode() + b"=" + quote_from_bytes(value, safe="").encode()
        for key, value in pairs
    )


@st.composite
def request_for(draw, target: Target) -> tuple[str, str, bytes]:
    # Half the time a question page, the form with the most fields; else any route.
    question_page = ("/assessments/<uid>/pages/<page_id>", "POST")
    rule, method = draw(st.just(question_page) | st.sampled_from(target.routes))
    path = PARAMETER.sub(
        lambda m: quote_from_bytes(_wire(draw(path_value(m.group(1), target))), safe=""), rule
    )
    names = target.names.get(path, target.names[""])
    query = draw(form_body(names))
    return method, f"{path}?{query.decode()}" if query else path, draw(form_body(names))


def test_no_route_answers_random_input_with_a_server_error(target):
    @FUZZ
    @given(request_for(target))
    def check(sent: tuple[str, str, bytes]) -> None:
        method, url, body = sent
        response = target.client().open(url, method=method, data=body, content_type=FORM)
        assert response.status_code < 500, (method, url, body, response.status_code)
        if response.status_code >= 400:
            # Refused means refused: nothing of anyone's work or access has changed.
            assert database_content(target.app) == target.content, (method, url, body)

    check()


# ---------------------------------------------------------------- the import
JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)


def _paths(value, path=()):
    """Every place in a JSON document, as a path of keys and indexes."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _replaced(document, path, new):
    if not path:
        return new
    copy = json.loads(json.dumps(document))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return copy


@st.composite
def import_file(draw, target: Target) -> bytes:
    """A damaged copy of a real export: one place changed, nested deep, or random bytes."""
    document = json.loads(target.export)
    kind = draw(st.sampled_from(["replace", "nest", "bytes", "escape"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "nest":
        depth = draw(st.integers(min_value=1, max_value=200_000))
        return b"[" * depth + b"]" * depth
    path = draw(st.sampled_from(list(_paths(document))))
    if kind == "escape":
        # A \\u escape JSON allows but UTF-8 cannot hold: a lone surrogate.
        new = chr(draw(st.integers(min_value=0xD800, max_value=0xDFFF)))
        return json.dumps(_replaced(document, path, new), ensure_ascii=True).encode()
    new = draw(JSON_VALUES)
    return json.dumps(_replaced(document, path, new), ensure_ascii=False).encode(
        "utf-8", "surrogatepass"
    )


def test_no_import_file_makes_a_server_error(target):
    @IMPORT_FUZZ
    @given(import_file(target))
    def check(raw: bytes) -> None:
        response = target.client().post(
            "/assessments/import", data={"file": (io.BytesIO(raw), "x.json")}
        )
        assert response.status_code < 500, (raw[:300], response.status_code)

    check()
