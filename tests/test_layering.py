"""Layering: the apps import each other in one direction only (issue 12).

Every import statement of every app module is read (also imports inside functions: they are
dependencies all the same). Apps, lowest first::

    planning_hub (kernel) ← audit ← jobs (planning_hub.jobs) ← input_sets ← runs ← plans

An app may import only apps to its left, so no app imports an app that imports it back. The
composition root (settings, URL confs, the home page view, template tags) wires the apps
together and may import any of them; no app imports it. Migrations are history and are not
read. See docs/architecture.md.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["planning_hub", "audit", "jobs", "input_sets", "runs", "plans"]
PACKAGES = {"jobs": "planning_hub.jobs"}
COMPOSITION_ROOT = (
    "planning_hub.settings",
    "planning_hub.urls",
    "planning_hub.api.urls",
    "planning_hub.views",
    "planning_hub.asgi",
    "planning_hub.wsgi",
    "planning_hub.templatetags",
)


def _package(app: str) -> str:
    return PACKAGES.get(app, app)


def _app_of(module: str) -> str | None:
    """The app a dotted module belongs to (``None``: not one of ours, or the root)."""
    if any(module == root or module.startswith(root + ".") for root in COMPOSITION_ROOT):
        return None
    for app in sorted(LAYERS, key=lambda a: -len(_package(a))):
        package = _package(app)
        if module == package or module.startswith(package + "."):
            return app
    return None


def _is_root(module: str) -> bool:
    return any(module == root or module.startswith(root + ".") for root in COMPOSITION_ROOT)


def _modules():
    for app in LAYERS:
        base = ROOT / _package(app).replace(".", "/")
        for path in base.rglob("*.py"):
            rel = path.relative_to(ROOT).with_suffix("")
            if "migrations" in rel.parts:
                continue
            module = ".".join(rel.parts).removesuffix(".__init__")
            if _app_of(module) == app:
                yield app, module, path


def _imports(module: str, path: Path):
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target
            yield from (f"{target}.{alias.name}" for alias in node.names)


def _edges():
    edges = {}
    for app, module, path in _modules():
        for target in _imports(module, path):
            if _is_root(target):
                edges.setdefault((app, "composition root"), set()).add(f"{module} → {target}")
                continue
            other = _app_of(target)
            if other and other != app:
                edges.setdefault((app, other), set()).add(f"{module} → {target}")
    return edges


def test_every_app_module_is_read():
    seen = {app for app, _, _ in _modules()}
    assert seen == set(LAYERS)


def test_no_app_imports_an_app_that_imports_it_back():
    edges = _edges()
    both_ways = [
        (a, b, sorted(edges[(a, b)])[:3], sorted(edges[(b, a)])[:3])
        for (a, b) in edges
        if (b, a) in edges and a < b
    ]
    assert not both_ways, both_ways


def test_imports_point_one_way_down_the_layers():
    wrong = {
        (a, b): sorted(mods)[:5]
        for (a, b), mods in _edges().items()
        if b == "composition root" or LAYERS.index(b) > LAYERS.index(a)
    }
    assert not wrong, wrong
