"""The README's promises: two commands, and CI runs the same test command."""

from __future__ import annotations

from tests.conftest import ROOT


def test_readme_gives_a_newcomer_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "\nmake test\n" in ci


def test_makefile_builds_assets_before_run_and_test():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "run: setup" in makefile and "test: setup browser" in makefile
    assert "npm ci" in makefile and "sass" in makefile


def test_build_outputs_are_not_committed():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8")
    for path in (".venv/", "node_modules/", "static/css/", "instance/"):
        assert path in ignored
