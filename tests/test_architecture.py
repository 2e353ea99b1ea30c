"""The tree shows the architecture, and the imports keep to it.

- Every module of petition/ imports, and the graph of their top-level imports
  has no cycle. (A package's __init__ running before its modules is how Python
  works and no edge here; a module naming its own package, `from . import bp`,
  is one.)
- No petition module imports another inside a function, except where listed
  in FUNCTION_IMPORTS with the reason: an import hidden in a function to dodge
  a cycle means the code is in the wrong module.
- Production never imports petition/dev/: no top-level import of it outside
  it, no dev blueprint in a production app, and not in sys.modules of a
  production process.
- The packages of the layout exist: one per role (views, services, models,
  forms, jobs, mail, cli, dev), and the modules they replaced are gone.
"""

import ast
import importlib
import os
import subprocess
import sys

import pytest

from petition import create_app
from petition.config import ROOT

PACKAGE = ROOT / "petition"

#: (importing module, imported module) -> why the import is inside a function.
FUNCTION_IMPORTS = {
    (
        "petition",
        "petition.factory",
    ): "the package imports nothing, so the offline verifier (petition.verify) needs no Flask",
    (
        "petition.views",
        "petition.dev.mail",
    ): "development only: a production app never imports petition.dev",
}

#: The layout: one package per role.
PACKAGES = ("views", "views.organizer", "services", "models", "forms", "jobs", "mail", "cli", "dev")
MODULES = (
    "jobs.signatures",
    "jobs.organizers",
    "jobs.counts",
    "jobs.schedule",
    "jobs.sweeper",
    "jobs.retention",
    "jobs.recovery",
    "mail.messages",
    "mail.smtp",
    "cli.petitions",
    "cli.organizers",
    "cli.privacy",
    "cli.mail",
    "forms.base",
    "forms.public",
    "forms.organizer",
    "forms.abuse",
    "ratelimits",
    "views.organizer.protection",
    "addresses",
    "links",
    "dev.stack",
    "dev.servers",
    "dev.mail",
)
#: Old module paths gone for good (petition/tasks*.py stay one release as aliases).
GONE = (
    "jobs.py",
    "mail.py",
    "mailer.py",
    "chores.py",
    "recovery.py",
    "cli.py",
    "cli_organizer.py",
    "cli_protection.py",
    "forms.py",
    "forms_organizer.py",
    "forms_abuse.py",
    "protection.py",
    "devstack.py",
    "devservices.py",
    "views/abuse.py",
    "views/devmail.py",
)


def module_names():
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


MODULES_BY_NAME = module_names()


def _resolve(module, node):
    """The petition modules an import statement of `module` names."""
    if isinstance(node, ast.Import):
        return [_existing(alias.name) for alias in node.names]
    is_package = MODULES_BY_NAME[module].name == "__init__.py"
    base = module.split(".") if is_package else module.split(".")[:-1]
    if node.level:
        base = base[: len(base) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module
    found = []
    for alias in node.names:
        submodule = f"{target}.{alias.name}"
        found.append(submodule if submodule in MODULES_BY_NAME else _existing(target))
    return found


def _existing(name):
    while name and name not in MODULES_BY_NAME:
        name = name.rpartition(".")[0]
    return name or None


def imports(module):
    """(top-level imports, imports inside functions) of `module`, as module names."""
    tree = ast.parse(MODULES_BY_NAME[module].read_text(encoding="utf-8"))
    top, inner = set(), set()

    def walk(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                names = {n for n in _resolve(module, child) if n and n != module}
                (inner if in_function else top).update(names)
            walk(
                child,
                in_function
                or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)),
            )

    walk(tree, False)
    return top, inner


GRAPH = {module: imports(module) for module in MODULES_BY_NAME}


@pytest.mark.parametrize("module", sorted(MODULES_BY_NAME))
def test_every_module_imports(module):
    importlib.import_module(module)


def find_cycle(edges):
    """One cycle of the directed graph, as a list of modules, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target) :] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_import_graph_has_no_cycle():
    cycle = find_cycle({module: top for module, (top, _inner) in GRAPH.items()})
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_petition_module_imports_another_inside_a_function():
    found = {(module, target) for module, (_top, inner) in GRAPH.items() for target in inner}
    unexplained = sorted(found - set(FUNCTION_IMPORTS))
    assert not unexplained, (
        "imports inside functions (move the code where it belongs, or list the import "
        f"in FUNCTION_IMPORTS with its reason): {unexplained}"
    )
    assert set(FUNCTION_IMPORTS) <= found, "FUNCTION_IMPORTS lists an import that is gone"


def test_production_code_never_imports_petition_dev_at_top_level():
    offenders = sorted(
        (module, target)
        for module, (top, _inner) in GRAPH.items()
        if not module.startswith("petition.dev")
        for target in top
        if target.startswith("petition.dev")
    )
    assert offenders == []


def test_a_production_app_has_no_dev_blueprint(tmp_path):
    production = create_app(
        {
            "APP_ENV": "production",
            "SECRET_KEY": "p" * 32,
            "DEV_MAIL_DIR": str(tmp_path),
            "ATTESTATIONS_ENABLED": False,
        }
    )
    assert "devmail" not in production.blueprints
    development = create_app({"APP_ENV": "development", "DEV_MAIL_DIR": str(tmp_path)})
    assert "devmail" in development.blueprints, "the check above must be able to fail"


def test_a_production_process_never_loads_petition_dev(tmp_path):
    """What a production web process imports: wsgi.py, then the requests it serves."""
    script = (
        "import sys, wsgi; wsgi.app.test_client().get('/');"
        "print(sorted(m for m in sys.modules if m.startswith('petition.dev')))"
    )
    env = dict(
        os.environ,
        APP_ENV="production",
        ATTESTATIONS_ENABLED="0",
        SECRET_KEY="p" * 32,
        DEV_MAIL_DIR=str(tmp_path),
        INSTANCE_PATH=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_packages_of_the_layout_exist():
    for package in PACKAGES:
        assert (PACKAGE / package.replace(".", "/") / "__init__.py").is_file(), package
    for module in MODULES:
        assert f"petition.{module}" in MODULES_BY_NAME, module
    left = [old for old in GONE if (PACKAGE / old).exists()]
    assert left == [], f"moved modules came back: {left}"
