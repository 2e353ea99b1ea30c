"""The counter for other sites: the iframe page (the only framable page), the
SVG badge and widget.js; none of them sets a cookie."""

import json
import re
import xml.etree.ElementTree as ET

import pytest

from petition.services import counters

from helpers import post_signature

EMBED_PATHS = [
    "/embed/saint-etienne",
    "/embed/saint-etienne?lang=en&theme=dark&compact=1",
    "/badge/saint-etienne.svg?lang=en",
    "/widget.js?lang=en",
]


def test_embed_page_may_be_framed_by_any_site(client, petition):
    response = client.get("/embed/saint-etienne")
    assert response.status_code == 200
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers
    html = response.get_data(as_text=True)
    assert 'data-live-count="saint-etienne"' in html
    assert "<progress" in html and 'max="1000"' in html
    assert 'href="http://localhost/p/saint-etienne"' in html
    assert 'target="_blank"' in html


@pytest.mark.parametrize(
    "path",
    [
        "/p/saint-etienne",
        "/",
        "/badge/saint-etienne.svg",
        "/api/v1/petitions/saint-etienne/count",
        "/p/saint-etienne/supporters",
        "/p/saint-etienne/affiche",
    ],
)
def test_every_other_page_forbids_framing(client, petition, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", EMBED_PATHS)
def test_no_cookie_is_set(client, petition, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_the_petition_page_still_remembers_the_language(client, petition):
    """The no-cookie rule is scoped: ?lang= on our own pages still sets it."""
    assert "lang=en" in client.get("/p/saint-etienne?lang=en").headers.get("Set-Cookie", "")


def test_embed_options_theme_language_compact(client, petition):
    html = client.get("/embed/saint-etienne?theme=dark&lang=en&compact=1").get_data(as_text=True)
    assert 'class="embed theme-dark compact"' in html
    assert '<html lang="en">' in html
    assert "Sign the petition" in html
    assert "Saint-Étienne French Tech</p>" not in html, "compact hides the title"
    odd = client.get("/embed/saint-etienne?theme=<script>&compact=yes").get_data(as_text=True)
    assert 'class="embed theme-light"' in odd


def test_embed_unknown_petition_is_404(client, petition):
    assert client.get("/embed/nope").status_code == 404
    assert client.get("/badge/nope.svg").status_code == 404


def test_badge_is_valid_svg_with_count_and_goal(client, petition, confirm_via_email):
    post_signature(client)
    confirm_via_email()
    response = client.get("/badge/saint-etienne.svg")
    assert response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["soutien vérifié", "1, dont 1 du territoire / 1\u202f000"], "grouped as French"
    english = ET.fromstring(client.get("/badge/saint-etienne.svg?lang=en").get_data())
    assert [t.text for t in english.iter("{http://www.w3.org/2000/svg}text")] == [
        "verified supporter",
        "1, 1 from the territory / 1,000",
    ]


def test_badge_escapes_the_title(client, app, petition):
    from petition.extensions import db

    petition.title = 'A <b>&"bold"</b> title'
    db.session.commit()
    counters.clear_local()
    app.extensions["redis"].flushall()
    root = ET.fromstring(client.get("/badge/saint-etienne.svg").get_data())  # parses: escaped
    assert root.find("{http://www.w3.org/2000/svg}title").text.startswith('A <b>&"bold"</b>')


def test_widget_js_is_served_as_javascript_with_labels(client, petition):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "public" in response.headers["Cache-Control"]
    body = response.get_data(as_text=True)
    assert "__LABELS__" not in body
    labels = json.JSONDecoder().raw_decode(body, body.index('{"fr":'))[0]
    assert labels["en"]["sign"] == "Sign the petition"
    assert 'credentials:"omit"' in body  # minified (petition/dev/widget.py)
    assert "attachShadow" in body
    again = client.get("/widget.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_badge_follows_the_count_within_seconds(client, petition, confirm_via_email):
    """Validated like the API's count: a short max-age, an ETag that changes with
    the count and the language, a 304 while nothing changed."""
    first = client.get("/badge/saint-etienne.svg")
    cache = first.headers["Cache-Control"]
    max_age = int(re.search(r"max-age=(\d+)", cache).group(1))
    assert max_age <= 5, cache
    vary = {v.strip() for v in first.headers["Vary"].split(",")}
    assert "Accept-Language" in vary
    etag = first.headers["ETag"]
    assert (
        client.get("/badge/saint-etienne.svg", headers={"If-None-Match": etag}).status_code == 304
    )
    english = client.get("/badge/saint-etienne.svg", headers={"Accept-Language": "en"})
    assert english.headers["ETag"] != etag and b"verified supporters" in english.data

    post_signature(client)
    confirm_via_email()
    fresh = client.get("/badge/saint-etienne.svg", headers={"If-None-Match": etag})
    assert fresh.status_code == 200, "the count moved: a new badge at once"
    assert "1, dont 1 du territoire / 1\u202f000" in fresh.get_data(as_text=True)
    assert fresh.headers["ETag"] != etag


def test_badge_body_depends_only_on_what_vary_names(client, petition):
    """The `lang` cookie (set by the site's language switch) must not change a
    body that shared caches keep by URL and Accept-Language."""
    plain = client.get("/badge/saint-etienne.svg", headers={"Accept-Language": "fr"})
    client.set_cookie("lang", "en")
    with_cookie = client.get("/badge/saint-etienne.svg", headers={"Accept-Language": "fr"})
    assert with_cookie.data == plain.data
    assert with_cookie.headers["ETag"] == plain.headers["ETag"]
