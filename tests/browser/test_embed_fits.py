"""The iframe fits: the kit's snippet on a page of another origin shows the
whole counter, "Signer la pétition" included, for a four-line title and on a
320 px wide host; the default height alone fits the default content in French
and in English; a height posted from another origin is ignored."""

from html import unescape
from urllib.request import urlopen

import pytest
from playwright.sync_api import expect

from petition.demo import DEMO
from petition.extensions import db
from petition.views.kit import DEFAULT_HEIGHT

HOST = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Ville</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="margin:0">
  <h1>Le site de la ville</h1>
  {snippet}
</body></html>
"""

LONG_TITLE = (
    "Saint-Étienne French Tech : les acteurs du numérique, les écoles, les laboratoires, "
    "les associations et les élus soutiennent ensemble la candidature du territoire"
)


def snippet(server, query=""):
    """The iframe snippet exactly as the live server's kit page gives it to copy."""
    with urlopen(f"{server.url}/p/saint-etienne/partager{query}") as response:
        html = response.read().decode()
    start = html.index('<textarea id="snippet-iframe"')
    code = html[html.index(">", start) + 1 : html.index("</textarea>", start)]
    return unescape(code)


def sign_link_visible(page):
    """Are the frame's links (sign the petition, its results) inside the
    frame's visible box, whole?"""
    links = page.frame_locator("iframe").first.locator(".sign a")
    expect(links.first).to_be_visible()
    for n in range(links.count()):
        bottom, right, height, width = links.nth(n).evaluate(
            "a => { const r = a.getBoundingClientRect();"
            " return [r.bottom, r.right, innerHeight, innerWidth]; }"
        )
        if bottom > height or right > width:
            return False
    return True


def set_title(petition, title):
    petition.title = title
    db.session.commit()
    from petition.services import counters

    counters.changed(petition.id)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_default_height_fits_the_default_content(
    page, live_server, other_origin, petition, client, lang
):
    """Without the helper (a site whose CSP blocks it), the snippet's own height
    shows the demo title (the longest default content), count, bar and link."""
    set_title(petition, DEMO[0]["title"])
    code = snippet(live_server, f"?counter_lang={lang}")
    assert f'height="{DEFAULT_HEIGHT}"' in code
    without_helper = code.split("<script")[0]
    page.set_viewport_size({"width": 1024, "height": 800})
    page.goto(other_origin.page("plain.html", HOST.format(snippet=without_helper)))
    assert sign_link_visible(page), f"the sign link is cut at {DEFAULT_HEIGHT}px ({lang})"


@pytest.mark.parametrize(
    ("width", "helper"), [(320, "frame.js"), (1024, "frame.js"), (320, "widget.js")]
)
def test_a_four_line_title_fits_on_another_origin(
    page, live_server, other_origin, petition, client, width, helper
):
    """The snippet's helper (frame.js) fits the frame; so does widget.js when
    the host page already has the script counter."""
    set_title(petition, LONG_TITLE)
    page.set_viewport_size({"width": width, "height": 800})
    code = snippet(live_server)
    if helper == "widget.js":
        code = (
            code.split("<script")[0]
            + '<div data-petition="saint-etienne"></div>'
            + f'<script src="{live_server.url}/widget.js" async></script>'
        )
    url = other_origin.page("ville.html", HOST.format(snippet=code))
    assert not url.startswith(live_server.url)
    page.goto(url)
    # Measured once the frame's stylesheet applies: before, the line height
    # is "normal" (NaN), as a loaded machine showed once.
    lines = (
        page.frame_locator("iframe")
        .first.locator(".title")
        .evaluate(
            "t => new Promise(done => { const measure = () => {"
            " const line = parseFloat(getComputedStyle(t).lineHeight);"
            " if (Number.isNaN(line)) return setTimeout(measure, 50);"
            " done(Math.round(t.getBoundingClientRect().height / line)); }; measure(); })"
        )
    )
    assert lines >= 4, f"the title takes {lines} lines: not the case under test"
    expect(page.locator("iframe")).not_to_have_attribute("style", "")
    page.wait_for_function(
        "() => { const f = document.querySelector('iframe');"
        " return f.style.height && parseInt(f.style.height) > "
        f"{DEFAULT_HEIGHT}; }}"
    )
    assert sign_link_visible(page)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), (
        "nothing scrolls sideways"
    )
    assert page.console_errors == []


def test_a_height_from_another_origin_is_ignored(page, live_server, other_origin, petition, client):
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(other_origin.page("ville.html", HOST.format(snippet=snippet(live_server))))
    page.wait_for_function("() => document.querySelector('iframe').style.height !== ''")
    fitted = page.evaluate("document.querySelector('iframe').style.height")
    # The host page (another origin than the app) posts a forged height.
    page.evaluate("window.postMessage({petitionFrame: true, height: 20}, '*')")
    page.wait_for_timeout(300)
    assert page.evaluate("document.querySelector('iframe').style.height") == fitted
