"""The register and the cumulative impact at 1,000 and at 10,000 assessments.

Run by `make bench`, never by `make test`. For each size, `flask seed-demo` fills a
throwaway database, the real server (gunicorn, deploy/gunicorn.conf.py) serves it, and
one signed-in person asks for each view in turn. Times are reported as ratios to GET
/healthz from the same client in the same run, because these machines are shared and
noisy. Nothing here asserts a time: every timed response is checked first (status and
its own content), so a fast error page can never pass for a result. Aims (issue 13): each
view within 100 health checks at 10,000 assessments, and the register's first page no
dearer at 10,000 than at 1,000.
"""

from __future__ import annotations

import statistics
import subprocess
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from hiat import store
from tests.serving_client import BIN, ROOT, Browser, Reply, Site, shows

SIZES = (1_000, 10_000)
PASSWORD = "a demo password for the bench"
ADMIN = "admin@example.org"
SAMPLES = {"healthz": 200, "page": 30, "heavy": 8}
AIM = 100


def seed(site: Site, n: int) -> None:
    subprocess.run(
        [str(BIN / "flask"), "--app", "app", "seed-demo", "--n", str(n), "--password", PASSWORD],
        cwd=ROOT,
        env=site.env,
        check=True,
        capture_output=True,
        timeout=1800,
    )


def organisation_id(site: Site, name_starts: str) -> int:
    db = store.open_db(str(site.database))
    try:
        row = db.execute(
            "SELECT id FROM organisations WHERE name LIKE ? ORDER BY id", [f"{name_starts}%"]
        ).fetchone()
    finally:
        db.close()
    assert row, name_starts
    return row[0]


def get_file(browser: Browser, path: str) -> Reply:
    """A download: bytes, kept one character a byte so the check can read the zip header."""
    with browser.opener.open(browser.base + path, timeout=browser.timeout) as got:
        return Reply(got.status, "", got.read().decode("latin-1"))


def median_ms(browser: Browser, path: str, right: Callable[[Reply], bool], samples: int):
    """Median milliseconds of `samples` requests after one to warm up; every one checked."""
    wrong = []
    times = []
    fetch = get_file if path.split("?")[0].endswith(".docx") else Browser.get
    for n in range(samples + 1):
        start = time.perf_counter()
        reply = fetch(browser, path)
        elapsed = time.perf_counter() - start
        if not right(reply):
            wrong.append((path, reply.status, reply.text[:300]))
        elif n:
            times.append(elapsed)
    assert not wrong, wrong[:3]
    return statistics.median(times) * 1000


def is_docx(reply: Reply) -> bool:
    return reply.status == 200 and reply.text.startswith("PK")


def views(site: Site) -> list[tuple[str, str, Callable[[Reply], bool], int]]:
    liverpool = organisation_id(site, "Liverpool")
    year = urllib.parse.urlencode(
        {"organisation": liverpool, "from": "1 4 2026", "to": "31 3 2027"}
    )
    filtered = urllib.parse.urlencode(
        {"place": "liverpool", "status": "approved", "direction": "negative"}
    )
    return [
        ("register, first page", "/assessments", lambda r: shows(r, "Showing 1 to 25 of"), 0),
        (
            "register, filtered",
            f"/assessments?{filtered}",
            lambda r: shows(r, "Direction of impact", "Negative", "govuk-table__row"),
            0,
        ),
        (
            "register, search",
            "/assessments?q=library+closure",
            lambda r: shows(r, "<mark>", "best matches first"),
            0,
        ),
        (
            "cumulative impact page",
            f"/assessments/cumulative?{year}",
            lambda r: shows(r, "Cumulative impact", "Hotspots", "Liverpool"),
            1,
        ),
        (
            "cumulative report, Word",
            f"/assessments/cumulative.docx?{year}",
            is_docx,
            1,
        ),
        (
            "cumulative report, markdown",
            f"/assessments/cumulative.md?{year}",
            lambda r: shows(r, "# Cumulative equity impact report"),
            1,
        ),
    ]


def measure(folder: Path, n: int) -> dict[str, float]:
    site = Site(folder)
    site.init_db()
    seed(site, n)
    site.start()
    try:
        browser = Browser(site.base, timeout=300)
        browser.sign_in(ADMIN, PASSWORD)
        results = {
            "healthz": median_ms(
                browser, "/healthz", lambda r: shows(r, '"status":"ok"'), SAMPLES["healthz"]
            )
        }
        for name, path, right, heavy in views(site):
            samples = SAMPLES["heavy" if heavy else "page"]
            results[name] = median_ms(browser, path, right, samples)
    finally:
        site.stop()
    assert "Traceback" not in site.log_text(), site.log_text()[-3000:]
    return results


def test_register_and_cumulative_impact_at_1000_and_10000_assessments(tmp_path, capsys):
    results = {n: measure(tmp_path / str(n), n) for n in SIZES}
    with capsys.disabled():
        print(f"\n{'view':<30}" + "".join(f"{n:>10,} ms{'ratio':>8}" for n in SIZES))
        for name in results[SIZES[0]]:
            row = "".join(
                f"{results[n][name]:13.1f}{results[n][name] / results[n]['healthz']:8.0f}"
                for n in SIZES
            )
            print(f"{name:<30}{row}")
        big = results[SIZES[-1]]
        over = [k for k in big if k != "healthz" and big[k] / big["healthz"] > AIM]
        growth = (big["register, first page"] / big["healthz"]) / (
            results[SIZES[0]]["register, first page"] / results[SIZES[0]]["healthz"]
        )
        print(f"views over {AIM} health checks at {SIZES[-1]:,}: {over or 'none'}")
        print(f"register first page, ratio at {SIZES[-1]:,} / ratio at {SIZES[0]:,}: {growth:.2f}")
