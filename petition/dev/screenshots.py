"""`make screenshots` (`python -m petition.dev.screenshots`): every page of
petition/dev/pages.py, in every state the audits check, on a phone
(390×844) and a desktop (1280×800), in French and English, as PNG files in
instance/screenshots/, with an index.html that shows them side by side.

It starts what it needs on its own: a private Redis, a throwaway SQLite
database migrated and filled with the demo petitions and the audits' world,
the app on a free port, and headless Chromium through Playwright (from
requirements-dev.txt). Nothing of `make run` is touched.
"""

import argparse
import logging
import sys
import tempfile
import threading
from html import escape
from pathlib import Path

from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from .. import create_app
from ..config import ROOT
from . import pages
from .servers import RedisServer, free_port

VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 800)}
LOCALES = {"fr": "fr-FR", "en": "en-GB"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "instance" / "screenshots"))
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="the browser to drive")
    parser.add_argument("--only", nargs="*", help="page names (default: every page)")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request is noise here
    chosen = [p for p in pages.PAGES if not args.only or p.name in args.only]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    redis = RedisServer().start()
    try:
        with tempfile.TemporaryDirectory(prefix="petition-screens-") as tmp:
            shots = _render(Path(tmp), redis, chosen, out, args.chromium)
    finally:
        redis.stop()
    (out / "index.html").write_text(_index(chosen, shots), encoding="utf-8")
    print(f"{len(shots)} screenshots in {out}/ (open index.html)")
    return 0


def _render(tmp, redis, chosen, out, chromium):
    port = free_port()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'screens.db'}",
            "REDIS_URL": redis.url,
            "SECRET_KEY": "screenshots-only-secret-key",
            "BASE_URL": f"http://127.0.0.1:{port}",
            "DEV_MAIL_DIR": str(tmp / "mail"),
            "MAIL_SUPPRESS_SEND": True,
            "RATELIMIT_ENABLED": False,
        }
    )
    pages.add_audit_routes(app)
    shots = {}
    with app.app_context():
        upgrade()
        world = pages.build_world(app.config["DEV_MAIL_DIR"])
        server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                for lang, locale in LOCALES.items():
                    for view in VIEWPORTS:
                        shots.update(
                            _combination(browser, base, world, chosen, out, lang, locale, view)
                        )
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return shots


def _combination(browser, base, world, chosen, out, lang, locale, view):
    width, height = VIEWPORTS[view]
    options = dict(
        viewport={"width": width, "height": height},
        locale=locale,
        is_mobile=view == "phone",
        has_touch=view == "phone",
        reduced_motion="reduce",
    )
    contexts = [browser.new_context(**options), browser.new_context(**options)]
    tabs = {False: contexts[0].new_page(), True: contexts[1].new_page()}
    pages.sign_in_browser(tabs[True], base)
    shots = {}
    for page in chosen:
        tab = tabs[page.login]
        pages.open_in_browser(tab, base, page, world)
        name = f"{page.name}-{view}-{lang}.png"
        tab.screenshot(path=str(out / name), full_page=True)
        shots[(page.name, view, lang)] = name
        print(name, flush=True)
    for context in contexts:
        context.close()
    return shots


def _index(chosen, shots):
    columns = [(view, lang) for view in VIEWPORTS for lang in LOCALES]
    head = "".join(f"<th scope='col'>{view} · {lang}</th>" for view, lang in columns)
    rows = []
    for page in chosen:
        cells = []
        for view, lang in columns:
            name = shots.get((page.name, view, lang))
            cells.append(
                f"<td><a href='{name}'><img src='{name}' alt='{escape(page.name)}, {view}, {lang}'"
                f" loading='lazy'></a></td>"
                if name
                else "<td>—</td>"
            )
        rows.append(f"<tr><th scope='row'>{escape(page.name)}</th>{''.join(cells)}</tr>")
    return (
        "<!doctype html><html lang='en'><meta charset='utf-8'><title>Screenshots</title>"
        "<style>body{font:14px system-ui;margin:1rem}td{vertical-align:top}"
        "img{width:220px;border:1px solid #999}th{text-align:left}</style>"
        f"<h1>Every page, phone and desktop, French and English</h1><table><tr><th></th>{head}</tr>"
        + "".join(rows)
        + "</table></html>\n"
    )


if __name__ == "__main__":
    sys.exit(main())
