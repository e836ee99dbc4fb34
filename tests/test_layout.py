"""Code layout: each area of the site is its own blueprint, and no area imports another.

Shared helpers live in modules with no routes (hiat/access.py and the pure modules), so
the blueprint modules never form a circle. Only the factory imports them all.
"""

from __future__ import annotations

import ast
from pathlib import Path

from flask import Flask

from hiat.access import PUBLIC

PACKAGE = Path(__file__).resolve().parent.parent / "hiat"
# Every route belongs to one of these.
AREAS = frozenset(
    {
        "site",
        "assessments",
        "pages",
        "documents",
        "review",
        "accounts",
        "register",
        "actions",
        "notifications",
        "monitoring",
        "public",
        "publishing",
        "reviews",
    }
)
# Public routes outside the site area, each opened by something other than a sign-in.
PUBLIC_ELSEWHERE = frozenset({"notifications.calendar_feed"})  # the secret in its URL


def _tree(module: str) -> ast.Module:
    return ast.parse((PACKAGE / f"{module}.py").read_text(), filename=f"hiat/{module}.py")


def _modules() -> list[str]:
    found = sorted(path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__")
    assert found, f"no modules found in {PACKAGE}"
    return found


def _defines_blueprint(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and getattr(node.value.func, "id", getattr(node.value.func, "attr", "")) == "Blueprint"
        for node in tree.body
    )


def _hiat_imports(tree: ast.Module) -> set[str]:
    """The hiat modules a module imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[1] for a in node.names if a.name.startswith("hiat.")}
        elif isinstance(node, ast.ImportFrom) and node.module == "hiat":
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hiat."):
            names.add(node.module.split(".")[1])
    return names


def _blueprint_modules() -> set[str]:
    found = {module for module in _modules() if _defines_blueprint(_tree(module))}
    assert {"site", "assessments", "pages", "documents", "review", "accounts"} <= found
    return found


def test_no_blueprint_module_imports_another_blueprint_module():
    blueprints = _blueprint_modules()
    crossing = {
        module: sorted(_hiat_imports(_tree(module)) & (blueprints - {module}))
        for module in sorted(blueprints)
    }
    assert {m: found for m, found in crossing.items() if found} == {}


def test_shared_modules_import_no_blueprint_module():
    """Otherwise a helper could carry the old circle back: area, helper, other area."""
    blueprints = _blueprint_modules()
    crossing = {
        module: sorted(_hiat_imports(_tree(module)) & blueprints)
        for module in _modules()
        if module not in blueprints
    }
    assert {m: found for m, found in crossing.items() if found} == {}


def test_every_route_belongs_to_one_of_the_areas(app: Flask):
    endpoints = [rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    assert endpoints
    assert sorted(e for e in endpoints if e.partition(".")[0] not in AREAS) == []
    assert set(app.blueprints) <= AREAS


def test_the_public_pages_are_the_site_pages_the_public_register_and_the_calendar_feeds(
    app: Flask,
):
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.partition(".")[0] in ("site", "public")
    }
    assert public | PUBLIC_ELSEWHERE == PUBLIC
