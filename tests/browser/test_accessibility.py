"""axe-core in Chromium on every page of the app, in every state of
petition/dev/pages.py (the list the URL map is checked against:
tests/test_markup.py), in French and English, on a phone (390×844) and a
desktop (1280×800): WCAG 2.1 A and AA rules, zero violations. On the phone
each page is then narrowed to 320 px: nothing may scroll sideways.

One browser; per language and width, two contexts (a visitor, a signed-in
organizer) whose tabs go from page to page. axe is injected into each page
(add_script_tag) of a context created with bypass_csp=True: our CSP refuses
scripts without our nonce, and only the audit needs to run one.

`make audit` (A11Y_REPORT=docs/accessibility-audit.json) writes what the run
found (date, axe version, browser, pages, rules, violations) to the report
that the accessibility statement (/accessibilite) shows.
"""

import json
import os
from datetime import date
from pathlib import Path

import pytest
from flask_babel import force_locale
from playwright.sync_api import Error as PlaywrightError

from petition.dev import pages

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 800)}
LOCALES = {"fr": "fr-FR", "en": "en-GB"}
NARROW = 320
COMBINATIONS = [(lang, view) for lang in LOCALES for view in VIEWPORTS]


@pytest.fixture
def app_overrides(tmp_path):
    return {"DEV_MAIL_DIR": str(tmp_path / "mail")}


@pytest.fixture
def live_server_setup():
    return pages.add_audit_routes


@pytest.fixture
def world(app):
    return pages.build_world(app.config["DEV_MAIL_DIR"])


@pytest.fixture(scope="session")
def audit_log():
    """What every combination found; written as the report when asked."""
    log = {"combinations": set(), "rules": set(), "violations": [], "pages": {}}
    yield log
    target = os.environ.get("A11Y_REPORT")
    if target and log["combinations"] == set(COMBINATIONS):
        Path(target).write_text(json.dumps(_report(log), ensure_ascii=False, indent=2) + "\n")


def _report(log):
    return {
        "date": date.today().isoformat(),
        "tool": "axe-core",
        "axe_version": log["axe_version"],
        "browser": log["browser"],
        "tags": TAGS,
        "languages": list(LOCALES),
        "viewports": {name: f"{w} × {h}" for name, (w, h) in VIEWPORTS.items()},
        "narrowest": NARROW,
        "pages": list(log["pages"].values()),
        "rules": sorted(log["rules"]),
        "violations": log["violations"],
    }


AXE_RUN = """(tags) => axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
    reporter: "no-passes",
}).then(r => ({
    version: axe.version,
    rules: axe.getRules(tags).map(rule => rule.ruleId),
    violations: r.violations.map(v => ({
        rule: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => n.target.join(" ") + "  "
                               + (n.failureSummary || n.html || "").slice(0, 200)),
    })),
}))"""

OVERFLOW = """() => {
    const root = document.documentElement;
    if (root.scrollWidth <= root.clientWidth) return null;
    const wide = [...document.body.querySelectorAll("*")]
        .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
        .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""));
    return root.scrollWidth + "px wide: " + wide.join(", ");
}"""


@pytest.mark.parametrize("lang,view", COMBINATIONS)
def test_every_page_passes_axe(browser, live_server, world, axe_script, audit_log, app, lang, view):
    width, height = VIEWPORTS[view]
    options = dict(
        viewport={"width": width, "height": height},
        locale=LOCALES[lang],
        bypass_csp=True,
        has_touch=view == "phone",
        is_mobile=view == "phone",
    )
    visitor, organizer = browser.new_context(**options), browser.new_context(**options)
    try:
        for context in (visitor, organizer):
            context.add_init_script(path=str(axe_script))  # in every page, before its scripts
        tabs = {False: visitor.new_page(), True: organizer.new_page()}
        for tab in tabs.values():
            tab.set_default_timeout(10_000)
        pages.sign_in_browser(tabs[True], live_server.url)
        failures, broken = [], False
        for page in pages.PAGES:
            try:
                failures += _audit_page(
                    tabs[page.login], live_server.url, page, world, lang, view, audit_log
                )
            except PlaywrightError as exc:  # a page that broke: say which, go on
                failures.append(f"{page.name}: {exc.message.splitlines()[0]}")
                broken = True
        audit_log["browser"] = f"Chromium {browser.version.split('.')[0]}"
        if not broken:  # the report covers only runs that reached every page
            audit_log["combinations"].add((lang, view))
    finally:
        visitor.close()
        organizer.close()
    assert not failures, f"{lang}, {view} ({width}×{height}):\n" + "\n".join(failures)


def _audit_page(tab, base_url, page, world, lang, view, log):
    failures = []
    status = pages.open_in_browser(tab, base_url, page, world)
    if status != page.status:
        failures.append(f"{page.name}: HTTP {status}, expected {page.status}")
    if tab.evaluate("document.documentElement.lang") != lang:
        failures.append(f"{page.name}: not in {lang}")
    result = tab.evaluate(AXE_RUN, TAGS)
    for v in result["violations"]:
        failures.append(f"{page.name}: {v['rule']} ({v['impact']}) {v['help']}")
        failures += [f"    {node}" for node in v["nodes"][:5]]
        log["violations"].append({"page": page.name, "language": lang, "viewport": view, **v})
    log["rules"].update(result["rules"])
    log["axe_version"] = result["version"]
    if view == "phone":
        width, height = VIEWPORTS[view]
        tab.set_viewport_size({"width": NARROW, "height": height})
        overflow = tab.evaluate(OVERFLOW)
        if overflow:
            failures.append(f"{page.name}: scrolls sideways at {NARROW} px ({overflow})")
        tab.set_viewport_size({"width": width, "height": height})
    _record(log, page)
    return failures


def _record(log, page):
    if page.name not in log["pages"]:
        label = {}
        for lang in LOCALES:
            with force_locale(lang):
                label[lang] = str(page.label)
        log["pages"][page.name] = {"name": page.name, "label": label}
