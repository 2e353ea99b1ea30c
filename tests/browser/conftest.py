"""Browser fixtures: headless Chromium (Debian's /usr/bin/chromium) driven by
Playwright, the app in a real threaded HTTP server, a second origin for host
pages, and axe-core. Reusable by every browser test (live widget, XSS,
accessibility…).

Without /usr/bin/chromium (or, for the accessibility audit, without npm) the
tests skip with a clear reason, unless REQUIRE_BROWSER=1 (CI), where they
fail instead.

axe-core comes from the npm registry, pinned by tests/browser/axe/package-lock.json
(version and integrity hash), installed once into .cache/axe (git-ignored) by
`npm ci`; nothing is fetched from a CDN when the tests run.
"""

import fcntl
import functools
import os
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from petition import create_app
from petition.config import ROOT
from petition.dev.servers import free_port
from petition.extensions import db

from helpers import app_settings

AXE_PACKAGE = Path(__file__).parent / "axe"
AXE_DIR = ROOT / ".cache" / "axe"
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _need_browser(reason):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} and REQUIRE_BROWSER=1: browser tests may not skip")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not os.path.exists(CHROMIUM):
        _need_browser(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need_browser("playwright is not installed (pip install -r requirements-dev.txt)")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()
    playwright.stop()


def _axe_installed():
    """Whether .cache/axe holds what the lock file pins (the lock is copied in)."""
    lock = AXE_DIR / "package-lock.json"
    wanted = (AXE_PACKAGE / "package-lock.json").read_bytes()
    return AXE_SCRIPT.exists() and lock.exists() and lock.read_bytes() == wanted


@pytest.fixture(scope="session")
def axe_script():
    """The path of axe.min.js, installed from the npm registry on first use."""
    if _axe_installed():
        return AXE_SCRIPT
    npm = shutil.which("npm")
    if npm is None:
        _need_browser("npm is not installed (apt-get install npm): no axe-core")
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    with open(AXE_DIR.parent / "axe.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # two suites starting at once install once
        if not _axe_installed():
            for name in ("package.json", "package-lock.json"):
                shutil.copyfile(AXE_PACKAGE / name, AXE_DIR / name)
            done = subprocess.run(
                [
                    npm,
                    "ci",
                    "--no-audit",
                    "--no-fund",
                    "--ignore-scripts",
                    "--prefix",
                    str(AXE_DIR),
                ],
                capture_output=True,
                text=True,
                timeout=300,
            )
            if done.returncode != 0 or not AXE_SCRIPT.exists():
                (AXE_DIR / "package-lock.json").unlink(missing_ok=True)
                _need_browser(f"npm could not install axe-core:\n{done.stdout}\n{done.stderr}")
    return AXE_SCRIPT


@pytest.fixture
def browser_context(browser):
    context = browser.new_context(locale="fr-FR")
    yield context
    context.close()


@pytest.fixture
def page(browser_context):
    """A fresh page; console errors are kept in `page.console_errors`."""
    page = browser_context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    return page


class LiveServer:
    """The app served by werkzeug's threaded server on a free port."""

    def __init__(self, app, port):
        self.app = app
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        with self.app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_server_overrides():
    """Override to change the live app's settings (short SSE heartbeat by default)."""
    return {"SSE_HEARTBEAT": 1.0, "SSE_MAX_AGE": 60.0, "SSE_RETRY_MS": 500}


@pytest.fixture
def live_server_setup():
    """Override to change the live app before it serves (add routes…): a callable."""
    return lambda app: None


@pytest.fixture
def live_server(
    app,
    database_url,
    redis_server,
    smtp_sink,
    app_overrides,
    live_server_overrides,
    live_server_setup,
):
    """A real HTTP server on the test's database and Redis; `.url` is its base URL.

    It is a second app over the same storage, like a second web process: the
    test's `client` signs and confirms, the browser watches this server.
    """
    port = free_port()
    settings = app_settings(database_url, redis_server, smtp_sink, **app_overrides)
    settings.update(BASE_URL=f"http://127.0.0.1:{port}", **live_server_overrides)
    live_app = create_app(settings)
    live_server_setup(live_app)
    server = LiveServer(live_app, port).start()
    yield server
    server.stop()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class OtherOrigin:
    """Static pages served from another origin (another port), as a city's site."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        handler = functools.partial(_QuietHandler, directory=str(self.directory))
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def page(self, name, html):
        """Write a page; returns its URL."""
        (self.directory / name).write_text(html, encoding="utf-8")
        return f"{self.url}/{name}"


@pytest.fixture
def other_origin(tmp_path):
    site = OtherOrigin(tmp_path / "site")
    site.directory.mkdir()
    (site.directory / "favicon.ico").write_bytes(b"")  # no 404 in the console
    site.thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()
