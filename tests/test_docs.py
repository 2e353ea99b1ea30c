"""The documentation stays true: what README.md and docs/*.md name exists.

- every repository path written in backquotes (`petition/…`, `templates/…`,
  `tests/…`, `bench/…`, `docs/…`, `migrations/…`, a top-level file, a bare
  `name.py`) exists, and so does every test they name (`test_x.py::test_y`);
- every relative link resolves, anchors included, and every page of docs/ is
  linked from the README;
- the environment variables of docs/configuration.md are exactly the ones the
  code reads (petition/, gunicorn.conf.py, worker.py, scheduler.py, wsgi.py).
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
ARCHITECTURE = DOCS / "architecture.md"
CONFIGURATION = DOCS / "configuration.md"
PAGES = [README, *sorted(DOCS.glob("*.md"))]

PREFIXES = ("petition/", "templates/", "tests/", "bench/", "docs/", "migrations/", ".ci/")
ROOT_FILES = {"Procfile", "Makefile"}
EXTENSIONS = (
    "py",
    "md",
    "html",
    "txt",
    "conf",
    "json",
    "toml",
    "js",
    "css",
    "svg",
    "cfg",
    "po",
    "pot",
    "sh",
    "ini",
    "lua",
)
#: `views/public.py`, `browser/test_xss.py`: a relative path with an extension.
RELATIVE_PATH = re.compile(r"[\w.-]+(?:/[\w.-]+)+\.(?:{})".format("|".join(EXTENSIONS)))
#: `worker.py`, `signing.py`: a bare module name (other bare names, such as
#: nginx's own `nginx.conf`, may name files outside the repository).
MODULE_NAME = re.compile(r"[\w.-]+\.py")
TEST_NAME = re.compile(r"test_\w+")
PLACEHOLDERS = ("<", "…", "*", "{")
SKIPPED_DIRS = {
    ".git",
    ".venv",
    "instance",
    "node_modules",
    "__pycache__",
    ".hypothesis",
    ".pytest_cache",
    ".cache",
}


def _prose(path):
    """The page without its fenced code blocks (commands, not claims about files)."""
    return re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)


def _spans(path):
    return re.findall(r"`([^`\n]+)`", _prose(path))


def _repository_files():
    found = set()
    stack = [ROOT]
    while stack:
        folder = stack.pop()
        for entry in folder.iterdir():
            if entry.is_dir():
                if entry.name not in SKIPPED_DIRS:
                    stack.append(entry)
            else:
                found.add(entry.relative_to(ROOT).as_posix())
    return found


FILES = _repository_files()
NAMES = {Path(f).name for f in FILES}


def _cut_placeholder(span):
    """`templates/email/<name>.txt` -> `templates/email/`: the fixed part."""
    cut = min((span.index(c) for c in PLACEHOLDERS if c in span), default=None)
    if cut is None:
        return span
    return span[:cut].rpartition("/")[0] + "/" if "/" in span[:cut] else ""


def _path_of(span):
    """The repository path a backquoted span names, or None when it names none."""
    if any(c.isspace() for c in span) or span.startswith(("/", "http", "~", ".venv")):
        return None
    span = _cut_placeholder(span.split("::")[0])
    if not span:
        return None
    if (
        span.startswith(PREFIXES)
        or span in ROOT_FILES
        or RELATIVE_PATH.fullmatch(span)
        or MODULE_NAME.fullmatch(span)
    ):
        return span
    return None


def _exists(path):
    """A repository path; a relative one (`views/public.py`, `test_x.py`) is
    looked for under petition/ and tests/; a bare file name anywhere."""
    if path.endswith("/"):
        return any((base / path).is_dir() for base in (ROOT, ROOT / "petition", ROOT / "tests"))
    if path in FILES or any(f"{base}/{path}" in FILES for base in ("petition", "tests")):
        return True
    return "/" not in path and path in NAMES


def _named_paths(page):
    return sorted({p for p in map(_path_of, _spans(page)) if p})


def _params(pages):
    return [
        pytest.param(page.relative_to(ROOT).as_posix(), path, id=f"{page.name}:{path}")
        for page in pages
        for path in _named_paths(page)
    ]


def test_the_architecture_page_names_paths():
    """Guards the path tests against a regex that silently finds nothing."""
    named = _named_paths(ARCHITECTURE)
    assert {"petition/services/signing.py", "petition/services/counters.py", "worker.py"} <= set(
        named
    ), named


@pytest.mark.parametrize("page, path", _params([ARCHITECTURE]))
def test_every_path_of_the_architecture_page_exists(page, path):
    assert _exists(path), f"{page} names `{path}`, which is not in the repository"


@pytest.mark.parametrize("page, path", _params([p for p in PAGES if p != ARCHITECTURE]))
def test_every_repository_path_of_the_docs_exists(page, path):
    assert _exists(path), f"{page} names `{path}`, which is not in the repository"


def _test_file(name):
    name = name if name.startswith("tests/") else f"tests/{name}"
    return ROOT / name


def _defined_in(source, name):
    return re.search(rf"^\s*(?:async\s+)?(?:def|class)\s+{re.escape(name)}\b", source, re.M)


def _all_test_sources():
    return "\n".join(
        (ROOT / f).read_text(encoding="utf-8")
        for f in sorted(FILES)
        if f.startswith("tests/") and f.endswith(".py")
    )


def test_every_test_the_docs_name_exists():
    """A claim "— `test_x.py::test_y`" must point at a test that exists."""
    sources = _all_test_sources()
    missing = []
    for page in PAGES:
        for span in _spans(page):
            file, _, inner = span.partition("::")
            if file.endswith(".py") and Path(file).name.startswith("test_"):
                target = _test_file(file)
                if not target.is_file():
                    missing.append(f"{page.name}: {span}")
                elif inner and not all(
                    _defined_in(target.read_text(encoding="utf-8"), part)
                    for part in inner.split("::")
                ):
                    missing.append(f"{page.name}: {span}")
            elif TEST_NAME.fullmatch(span) and not _defined_in(sources, span):
                missing.append(f"{page.name}: {span}")
    assert not missing, "tests named in the docs but not found:\n" + "\n".join(missing)


def _slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to -."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page):
    seen, anchors = {}, set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", _prose(page), re.M):
        slug = _slug(heading)
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.add(slug if n == 0 else f"{slug}-{n}")
    return anchors


def _links(page):
    return re.findall(r"\[[^\]]*\]\(([^)\s]+)\)", _prose(page))


def test_every_relative_link_resolves():
    broken = []
    for page in PAGES:
        for link in _links(page):
            if re.match(r"[a-z]+:", link):  # http:, https:, mailto:
                continue
            target, _, anchor = link.partition("#")
            path = (page.parent / target).resolve() if target else page
            if ROOT not in path.parents and path != ROOT or not path.exists():
                broken.append(f"{page.name}: ({link}) -> no such file")
            elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
                broken.append(f"{page.name}: ({link}) -> no heading #{anchor} in {path.name}")
    assert not broken, "\n".join(broken)


def test_every_page_of_docs_is_linked_from_the_readme():
    linked = {(README.parent / link.partition("#")[0]).resolve() for link in _links(README)}
    orphans = [p.name for p in DOCS.glob("*.md") if p.resolve() not in linked]
    assert not orphans, f"docs pages the README does not link to: {orphans}"


# -- docs/configuration.md against the code ---------------------------------------

ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
#: Calls that read a variable from the environment: `get` is config.py's alias of
#: os.environ.get; `_int` (gunicorn.conf.py) and `_env_port` (make run) take a name.
#: (A bare `environ` elsewhere is a WSGI environ, not the process environment.)
ENV_READERS = {"get", "_int", "_env_port"}
SOURCES = ["gunicorn.conf.py", "worker.py", "scheduler.py", "wsgi.py"]


def _tables(page):
    """{header's first cell: [first cell of each row]} for every table of the page."""
    tables, header, rows = [], None, None
    for line in _prose(page).splitlines() + [""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if header is None:
                header, rows = cells[0], []
            elif not set(cells[0]) <= set("-: "):
                rows.append(cells[0])
        elif header is not None:
            tables.append((header, rows))
            header = None
    return tables


def _documented(kind):
    names = set()
    for header, rows in _tables(CONFIGURATION):
        if header.startswith(kind):
            for cell in rows:
                names |= {n for n in re.findall(r"`([^`]+)`", cell) if ENV_NAME.fullmatch(n)}
    return names


def _is_os(node, attr):
    """`os.<attr>`."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == attr
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _env_reads(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            first, func = node.args[0], node.func
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            if isinstance(func, ast.Name) and func.id in ENV_READERS:
                yield first.value
            elif _is_os(func, "getenv") or (
                isinstance(func, ast.Attribute)
                and func.attr == "get"
                and _is_os(func.value, "environ")
            ):
                yield first.value
        elif (
            isinstance(node, ast.Subscript)
            and _is_os(node.value, "environ")
            and isinstance(node.slice, ast.Constant)
        ):
            yield node.slice.value


def _code_files():
    return [ROOT / f for f in sorted(FILES) if f.startswith("petition/") and f.endswith(".py")] + [
        ROOT / f for f in SOURCES
    ]


def _read_from_environment():
    names = set()
    for path in _code_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names |= {n for n in _env_reads(tree) if ENV_NAME.fullmatch(n)}
    return names


def test_the_configuration_tables_are_found():
    documented = _documented("variable")
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "WEB_CONCURRENCY"} <= documented


def test_every_documented_variable_is_read_by_the_code():
    unread = _documented("variable") - _read_from_environment()
    assert not unread, (
        f"docs/configuration.md documents variables the code never reads: {sorted(unread)}"
    )


def test_every_variable_the_code_reads_is_documented():
    undocumented = _read_from_environment() - _documented("variable")
    assert not undocumented, (
        f"variables read by the code but missing from docs/configuration.md: {sorted(undocumented)}"
    )
