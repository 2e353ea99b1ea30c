"""In Chromium: on pages whose path tried to smuggle another host into the
language switch (`/%5Cevil.example/x`, `/%09/evil.example`…), following the
switch link stays on the app's origin. Before the fix the link was the raw
path, `/\\evil.example/x?lang=en`, which Chromium opens on evil.example.
Every request leaving the origin is recorded and aborted (no network here)."""

import pytest
from playwright.sync_api import Error as PlaywrightError

PATHS = [
    "/%5Cevil.example/x",
    "/%09/evil.example",
    "/%5C%5Cevil.example",
    "/%5C%09evil.example",
    "/p/%5Cevil.example",
    "/p/saint-etienne/%5Cevil.example",
]


@pytest.mark.parametrize("path", PATHS)
def test_following_the_language_switch_stays_on_the_site(live_server, page, petition, path):
    origin = live_server.url
    left = []

    def guard(route):
        if route.request.url.startswith(origin + "/"):
            route.continue_()
        else:
            left.append(route.request.url)
            route.abort()

    page.context.route("**/*", guard)
    page.goto(origin + path)
    link = page.locator('nav.lang-switch a[hreflang="en"]')
    try:
        with page.expect_navigation(timeout=10_000):
            link.click()
    except PlaywrightError:  # an aborted off-site navigation
        pass
    assert left == [], f"the switch on {path} led off-site"
    assert page.url.startswith(origin + "/"), page.url
    assert page.locator("html").get_attribute("lang") == "en"
