"""The overview at `/` and the ranking widget in Chromium: every open petition
with its live count, moved by ONE event stream within 2 s of a confirmation;
the ranking on a host page of another origin; its preview on the share kit."""

import pytest
from playwright.sync_api import expect

from helpers import make_lyon, post_signature

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Journal</title></head>
<body>
  <h1>Regional newspaper</h1>
  <div data-petition="classement" data-theme="dark"></div>
  <script src="{app}/widget.js" async></script>
</body></html>
"""


def _row(scope, slug):
    return scope.locator(f"[data-slug={slug}]")


def test_overview_moves_live_on_one_stream(page, live_server, petition, client, confirm_via_email):
    make_lyon()
    streams = []
    page.on("request", lambda r: "/events" in r.url and streams.append(r.url))
    page.goto(f"{live_server.url}/")
    rows = page.locator("[data-slug]")
    expect(rows).to_have_count(2)
    se_count = _row(page, "saint-etienne").locator(".count [data-live=count]")
    expect(se_count).to_have_text("0")
    expect(_row(page, "lyon").locator(".count [data-live=count]")).to_have_text("0")
    total = page.locator(".total-line [data-live=count]")
    expect(total).to_have_text("0")

    post_signature(client)
    confirm_via_email()

    # Polling is every 15 s: within 2 s only the live stream can bring it.
    expect(se_count).to_have_text("1", timeout=2000)
    expect(total).to_have_text("1", timeout=2000)
    row = _row(page, "saint-etienne")
    expect(row.locator("[data-live=progress]")).to_have_attribute("value", "1")
    expect(row.locator(".rank-week [data-live=count]")).to_have_text("1")
    expect(row.locator(".rank-week")).to_have_text("1 signature ces 7 derniers jours")
    expect(_row(page, "lyon").locator(".count [data-live=count]")).to_have_text("0")
    assert [u.split(live_server.url, 1)[1] for u in streams] == ["/api/v1/events"], streams
    assert [e for e in page.console_errors if "404" not in e] == []  # no favicon.ico


@pytest.mark.parametrize(
    "live_server_overrides",
    [{"SSE_HEARTBEAT": 1.0, "SSE_MAX_AGE": 60.0, "SSE_RETRY_MS": 500, "SSE_MAX_PER_CLIENT": 0}],
)
def test_overview_polls_the_list_when_the_stream_is_refused(
    page, live_server, petition, client, confirm_via_email
):
    refused = []
    page.on("response", lambda r: r.url.endswith("/events") and refused.append(r.status))
    page.goto(f"{live_server.url}/")
    count = _row(page, "saint-etienne").locator(".count [data-live=count]")
    expect(count).to_have_text("0")
    post_signature(client)
    confirm_via_email()
    expect(count).to_have_text("1", timeout=25000)
    expect(page.locator(".total-line [data-live=count]")).to_have_text("1")
    assert refused and set(refused) == {429}, refused


def test_overview_sorts_and_searches_without_javascript(browser, live_server, petition):
    make_lyon()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.fill("#overview-q", "villeurbanne")
    page.click("form[role=search] button")
    expect(page.locator("[data-slug]")).to_have_count(1)
    expect(page.locator("[data-slug=lyon]")).to_be_visible()
    page.click(".sorts a[href*='tri=nom']")
    assert "tri=nom" in page.url and "q=villeurbanne" in page.url
    context.close()


def test_ranking_widget_works_on_another_origin(
    page, live_server, other_origin, petition, client, confirm_via_email
):
    url = other_origin.page("journal.html", HOST_PAGE.format(app=live_server.url))
    assert not url.startswith(live_server.url), "the host page is on another origin"
    page.goto(url)
    frame_element = page.locator("div[data-petition=classement] iframe")
    expect(frame_element).to_have_attribute(
        "src", f"{live_server.url}/embed/classement?lang=en&theme=dark"
    )
    frame = page.frame_locator("div[data-petition=classement] iframe")
    count = frame.locator("[data-slug=saint-etienne] .count [data-live=count]")
    expect(count).to_have_text("0")
    expect(frame.locator("body.theme-dark")).to_have_count(1)
    expect(frame.locator("html[lang=en]")).to_have_count(1)

    post_signature(client)
    confirm_via_email()
    expect(count).to_have_text("1", timeout=5000)

    # The frame told its height (postMessage, origin checked by widget.js):
    # the whole ranking shows, its last link too.
    link = frame.locator("p.sign a")
    expect(link).to_be_visible()
    box, inner = frame_element.bounding_box(), link.bounding_box()
    assert inner["y"] + inner["height"] <= box["y"] + box["height"], (box, inner)
    assert page.context.cookies() == [], "neither the ranking nor the widget sets a cookie"
    assert page.console_errors == []


def test_share_kit_previews_the_ranking(page, live_server, petition):
    page.goto(f"{live_server.url}/p/saint-etienne/partager")
    code = page.locator("#snippet-ranking")
    assert code.input_value().startswith('<div data-petition="classement"></div>')
    preview = page.frame_locator("[data-preview=ranking] iframe")
    expect(preview.locator("[data-slug=saint-etienne]")).to_have_count(1)
    page.select_option("#opt-lang", "en")
    assert 'data-petition="classement" data-lang="en"' in code.input_value()
    expect(page.locator("[data-preview=ranking] iframe")).to_have_attribute(
        "src", f"{live_server.url}/embed/classement?lang=en"
    )
