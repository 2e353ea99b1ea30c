"""The share kit page in Chromium: options rewrite the snippets and the
previews as they change, the previews show the live counter, copy works."""

import pytest
from playwright.sync_api import expect


@pytest.fixture
def live_server_overrides():
    # The page holds up to four streams while previews are replaced.
    return {"SSE_HEARTBEAT": 1.0, "SSE_MAX_AGE": 60.0, "SSE_RETRY_MS": 500, "SSE_MAX_STREAMS": 20}


def test_options_rewrite_snippets_and_previews(page, live_server, petition):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}/p/saint-etienne/partager")
    iframe_code = page.locator("#snippet-iframe")
    assert iframe_code.input_value().startswith(
        f'<iframe src="{live_server.url}/embed/saint-etienne"'
    )
    preview = page.frame_locator("[data-preview=iframe] iframe")
    expect(preview.locator("[data-live=count]")).to_have_text("0")
    expect(page.locator("[data-preview=script] [data-petition] [data-live=count]")).to_have_text(
        "0"
    )
    expect(page.locator("[data-kit-submit]")).to_be_hidden()

    page.select_option("#opt-theme", "dark")
    page.select_option("#opt-lang", "en")
    page.check("#opt-compact")
    page.fill("#opt-width", "400")
    page.locator("#opt-width").dispatch_event("change")

    code = iframe_code.input_value()
    assert "/embed/saint-etienne?theme=dark&lang=en&compact=1" in code
    assert 'width="400" height="130"' in code
    assert 'data-lang="en" data-theme="dark"' in page.locator("#snippet-script").input_value()
    assert "badge/saint-etienne.svg?lang=en" in page.locator("#snippet-badge").input_value()
    expect(page.locator("[data-preview=iframe] iframe")).to_have_attribute(
        "src", "/embed/saint-etienne?theme=dark&lang=en&compact=1"
    )
    expect(preview.locator("body.theme-dark.compact")).to_have_count(1)
    expect(page.locator("[data-preview=script] [data-petition] .d")).to_have_count(1)
    assert "counter_lang=en" in page.url, "the choice is in the URL"

    page.click("[data-copy=snippet-badge]")
    expect(page.locator("#snippet-badge-status")).to_have_text("Copié.")
    assert "badge/saint-etienne.svg?lang=en" in page.evaluate("navigator.clipboard.readText()")
    errors = [e for e in page.console_errors if "404" not in e]  # the app has no favicon.ico
    assert errors == []
