"""A city's static page on another origin embeds the iframe and the script; a
signature is confirmed meanwhile; both show the new number without reload."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from petition.extensions import db
from petition.models import Petition
from petition.services import counters

from helpers import post_signature

HOST_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Ville</title>
<style>div {{ color: red; font-size: 40px }}</style></head>
<body>
  <h1>Le site de la ville</h1>
  <iframe id="frame" src="{app}/embed/saint-etienne" title="Compteur"
          width="320" height="190"></iframe>
  <div data-petition="saint-etienne"></div>
  <script src="{app}/widget.js" async></script>
</body></html>
"""


def test_iframe_and_widget_move_live_on_another_origin(
    page, live_server, other_origin, petition, client, confirm_via_email
):
    url = other_origin.page("ville.html", HOST_PAGE.format(app=live_server.url))
    assert not url.startswith(live_server.url), "the host page is on another origin"
    page.goto(url)
    frame_count = page.frame_locator("#frame").locator("[data-live=count]")
    widget_count = page.locator("div[data-petition] [data-live=count]")  # pierces the shadow root
    expect(frame_count).to_have_text("0")
    expect(widget_count).to_have_text("0")
    expect(page.locator("div[data-petition] a")).to_have_attribute(
        "href", f"{live_server.url}/p/saint-etienne"
    )

    post_signature(client)
    confirm_via_email()

    # Polling is every 15 s: within 5 s only the live stream can bring it.
    expect(frame_count).to_have_text("1", timeout=5000)
    expect(widget_count).to_have_text("1", timeout=5000)
    expect(page.frame_locator("#frame").locator("progress")).to_have_attribute("value", "1")
    assert page.evaluate("typeof L === 'undefined' && typeof mount === 'undefined'"), (
        "widget.js leaks no global"
    )
    assert page.context.cookies() == [], "neither the embed nor the widget sets a cookie"
    assert page.console_errors == []


def test_petition_page_counter_moves_live(page, live_server, petition, client, confirm_via_email):
    page.goto(f"{live_server.url}/p/saint-etienne")
    count = page.locator(".counter [data-live=count]")
    expect(count).to_have_text("0")
    post_signature(client)
    confirm_via_email()
    expect(count).to_have_text("1", timeout=5000)


@pytest.mark.parametrize(
    "live_server_overrides",
    [{"SSE_HEARTBEAT": 1.0, "SSE_MAX_AGE": 60.0, "SSE_RETRY_MS": 500, "SSE_MAX_PER_CLIENT": 0}],
)
def test_counters_poll_the_count_when_the_stream_is_refused(
    page, live_server, other_origin, petition, client, confirm_via_email
):
    """Every stream is refused (429, as when an address holds its share):
    the iframe (live.js) and widget.js still show the new number, by
    polling /count every 15 s."""
    refused = []
    page.on("response", lambda r: r.url.endswith("/events") and refused.append(r.status))
    url = other_origin.page("ville.html", HOST_PAGE.format(app=live_server.url))
    page.goto(url)
    frame_count = page.frame_locator("#frame").locator("[data-live=count]")
    widget_count = page.locator("div[data-petition] [data-live=count]")
    expect(frame_count).to_have_text("0")
    expect(widget_count).to_have_text("0")

    post_signature(client)
    confirm_via_email()

    expect(frame_count).to_have_text("1", timeout=25000)
    expect(widget_count).to_have_text("1", timeout=25000)
    assert refused and set(refused) == {429}, refused


def test_the_script_widget_says_the_paper_part(page, live_server, other_origin, petition):
    """The count includes the signatures recorded on paper; the widget says how many."""
    db.session.execute(
        update(Petition).where(Petition.id == petition.id).values(signature_count=3, paper_count=2)
    )
    db.session.commit()
    counters.changed(petition.id)
    page.goto(other_origin.page("ville-papier.html", HOST_PAGE.format(app=live_server.url)))
    widget_line = page.locator("div[data-petition] p").first  # pierces the shadow root
    expect(widget_line).to_contain_text("3 soutiens vérifiés")
    expect(widget_line).to_contain_text("(dont 2 sur papier)")
    assert page.console_errors == []
