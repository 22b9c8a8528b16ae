"""The house as docs/architecture.md draws it, checked from the code's own imports.

Apps depend downward only: each app may import the apps on the floors below it
(LAYERS), so no import circle can join two apps; `core` imports no app; no app imports
another app's private name. Tests and migrations are left out: a test may set up
records of any app.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "rathausmobil"

# Floor by floor, bottom first: an app may import every app on a lower floor and none
# on its own floor or above. Keep in step with docs/architecture.md.
LAYERS = [
    {"core"},
    {"organisation"},
    {"eligibility", "equipment"},
    {"agreements"},
    {"access", "presence"},
    {"usage"},
    {"reports"},
    {"privacy", "home", "demo"},
]
FLOOR = {app: floor for floor, apps in enumerate(LAYERS) for app in apps}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield parts[0], path


def _imports():
    """(importing app, file, imported app, imported module, names) for every import of
    another project app, wherever it stands in the file (functions included)."""
    found = []
    for app, path in _modules():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [(node.module, [alias.name for alias in node.names])]
            elif isinstance(node, ast.Import):
                targets = [(alias.name, []) for alias in node.names]
            else:
                continue
            for module, names in targets:
                parts = module.split(".")
                if parts[0] != "rathausmobil" or len(parts) < 2 or parts[1] == app:
                    continue
                found.append((app, path.relative_to(ROOT.parent), parts[1], module, names))
    return found


def test_it_knows_every_app():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps == set(FLOOR), "Neue App: in LAYERS und docs/architecture.md eintragen."


def test_it_keeps_core_free_of_apps():
    offending = [(str(f), target) for app, f, target, _m, _n in _imports() if app == "core"]
    assert offending == []


def test_it_lets_apps_depend_downward_only():
    upward = [
        f"{f} imports {module} ({app} on floor {FLOOR[app]}, {target} on floor {FLOOR[target]})"
        for app, f, target, module, _names in _imports()
        if FLOOR[target] >= FLOOR[app]
    ]
    assert upward == []


def test_it_imports_no_private_name_of_another_app():
    private = [
        f"{f}: {module} {names}"
        for _app, f, _target, module, names in _imports()
        if any(part.startswith("_") for part in module.split(".")[2:])
        or any(name.startswith("_") for name in names)
    ]
    assert private == []
