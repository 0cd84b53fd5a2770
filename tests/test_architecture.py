"""The architecture, enforced: one package per area, a kit that imports no area, use cases free of the web.

The import graph is read from the source (module-level and function-level imports alike) and the view modules
from the running application's URL map, so a new area, view or import is checked without listing it here.
docs/architecture.md describes the same rules.
"""
from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from app import AREAS

# Nothing here reads the suite's database: run once, in the SQLite run (tests/conftest.py).
pytestmark = pytest.mark.database_independent

APP = Path(__file__).resolve().parent.parent / "app"
# The kit and the central modules every area may use; they are not areas.
CENTRAL = {"kit", "models"}
# Web helpers that views of their own area call (parsing a request, signing in): not use cases, not views.
VIEW_HELPERS = {"app.accounts.signin", "app.eservices.filing", "app.accountability.params"}
# What a use case must not reach for: the request being served, the session, the signed-in user.
# (``flask.g`` is allowed: the calendar keeps its per-request cache there, which is no input from the client.)
REQUEST_OBJECTS = {("flask", "request"), ("flask", "session"), ("flask_login", "current_user")}
# Kit modules that are the web's own (forms, error pages, downloads, redirects, middleware, languages).
KIT_WEB = {"app.kit.forms", "app.kit.errorpages", "app.kit.steps", "app.kit.files", "app.kit.redirects",
           "app.kit.middleware", "app.kit.i18n", "app.kit.pagecache", "app.kit.templating", "app.kit.assets"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {_module_name(p): p for p in APP.rglob("*.py")}


@cache
def imports_of(name: str, top_level_only: bool = False) -> frozenset[tuple[str, str | None]]:
    """(module, imported name or None) for every import in ``name``."""
    tree = ast.parse(modules()[name].read_text())
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update((node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update((alias.name, None) for alias in node.names)
    return frozenset(found)


def app_targets(name: str, top_level_only: bool = False) -> set[str]:
    """The app modules ``name`` imports (``from app.x import y`` names app.x.y when that is a module)."""
    known = modules()
    targets = set()
    for module, imported in imports_of(name, top_level_only):
        if not module.startswith("app"):
            continue
        full = f"{module}.{imported}" if imported else module
        targets.add(full if full in known else module)
    return targets


def area_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in AREAS else None


@pytest.fixture(scope="module")
def view_modules(app) -> set[str]:
    return {fn.__module__ for fn in app.view_functions.values() if fn.__module__.startswith("app.")}


def test_every_package_of_app_is_an_area_or_central():
    packages = {p.parent.name for p in APP.glob("*/__init__.py")}
    assert packages <= set(AREAS) | CENTRAL, packages - set(AREAS) - CENTRAL


def test_every_view_lives_in_the_area_that_owns_its_blueprint(app, view_modules):
    for endpoint, fn in app.view_functions.items():
        if "." not in endpoint:
            continue  # the application's own (static files; a test's extra page)
        if fn.__module__.startswith("app.kit."):
            continue  # made by the kit for the area (a moved address's redirect, app/kit/moved.py)
        blueprint = app.blueprints[endpoint.rsplit(".", 1)[0]]
        assert area_of(fn.__module__) == area_of(blueprint.import_name), (
            f"{endpoint} ({fn.__module__}) registers on a blueprint of another area ({blueprint.import_name})")


def test_no_area_imports_another_areas_views(view_modules):
    wrong = [(name, target) for name in modules() for target in app_targets(name)
             if target in view_modules and area_of(name) and area_of(target) and area_of(target) != area_of(name)]
    assert not wrong, wrong


def test_the_kit_imports_no_area():
    wrong = [(name, target) for name in modules() if name.startswith("app.kit")
             for target in app_targets(name) if area_of(target)]
    assert not wrong, wrong


def test_use_cases_import_no_request_objects(view_modules):
    use_cases = [name for name in modules()
                 if (area_of(name) or name.startswith("app.kit."))
                 and name not in view_modules and name not in VIEW_HELPERS and name not in KIT_WEB
                 and not name.endswith("forms") and name.split(".")[-1] != area_of(name)]
    assert len(use_cases) > 40  # the services, queries, demos and the kit's non-web parts
    wrong = [(name, f"{module}.{imported}") for name in use_cases
             for module, imported in imports_of(name) if (module, imported) in REQUEST_OBJECTS]
    assert not wrong, wrong


def test_no_module_level_import_cycle():
    graph = {name: app_targets(name, top_level_only=True) & modules().keys() for name in modules()}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt]
            if nxt not in state and (cycle := visit(nxt, path + [nxt])):
                return cycle
        state[node] = 2
        return None

    for name in sorted(graph):
        if name not in state:
            assert (cycle := visit(name, [name])) is None, " -> ".join(cycle)


def test_views_do_not_turn_not_found_into_404_themselves(view_modules):
    """The kit's error handler maps NotFound to the 404 page; a view catches only what it shows otherwise."""
    catching = []
    for name in view_modules:
        for node in ast.walk(ast.parse(modules()[name].read_text())):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                caught = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
                if any(isinstance(c, ast.Name) and c.id == "NotFound" for c in caught):
                    catching.append(f"{name}:{node.lineno}")
    assert not catching, catching


def test_one_pagination_and_one_translated_column_rule():
    """Lists page through ``kit.paging.paginate`` (the sitemap splits its file in chunks, which is no list page);
    a language column's fallback is written once, in ``models.base.Translated``."""
    defining_page, offsetting, fallbacks = [], [], []
    for name, path in modules().items():
        source = path.read_text()
        tree = ast.parse(source)
        if any(isinstance(node, ast.ClassDef) and node.name == "Page" for node in tree.body):
            defining_page.append(name)
        if ".offset(" in source and name not in ("app.kit.paging", "app.news.feeds"):
            offsetting.append(name)
        if name != "app.models.base" and ('_{locale}"' in source or "_{lang}\", None) or" in source):
            fallbacks.append(name)
    assert defining_page == ["app.kit.paging"] and not offsetting and not fallbacks, (defining_page, offsetting,
                                                                                       fallbacks)
