"""The share kit on the petition page: links built server-side, Open Graph
tags, embed snippets, QR codes (SVG, PNG) and the printable poster."""

import re
import xml.etree.ElementTree as ET
from html import unescape
from urllib.parse import parse_qs, urlparse

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_open_graph_and_twitter_meta(client, petition):
    html = client.get("/p/saint-etienne").get_data(as_text=True)
    assert '<meta property="og:title" content="Saint-Étienne French Tech">' in html
    assert '<meta property="og:url" content="http://localhost/p/saint-etienne">' in html
    assert '<meta property="og:description" content="Soutenez Saint-Étienne.">' in html
    assert '<meta name="twitter:card" content="summary">' in html


def test_share_links_are_plain_links_built_server_side(client, petition):
    html = client.get("/p/saint-etienne").get_data(as_text=True)
    links = [unescape(h) for h in re.findall(r'<li><a href="([^"]+)" rel="noopener', html)]
    hosts = {urlparse(link).netloc or urlparse(link).scheme for link in links}
    assert hosts == {
        "mailto",
        "www.linkedin.com",
        "twitter.com",
        "mastodonshare.com",
        "www.facebook.com",
    }
    linkedin = next(link for link in links if "linkedin" in link)
    assert parse_qs(urlparse(linkedin).query)["url"] == ["http://localhost/p/saint-etienne"]
    tweet = parse_qs(urlparse(next(link for link in links if "twitter" in link)).query)
    assert "Saint-Étienne French Tech" in tweet["text"][0]
    mail = next(link for link in links if link.startswith("mailto:"))
    assert "http%3A%2F%2Flocalhost%2Fp%2Fsaint-etienne" in mail
    assert '<script src="http' not in html, "no third-party script"


def test_share_kit_in_english(client, petition):
    html = client.get("/p/saint-etienne?lang=en").get_data(as_text=True)
    assert "Spread the word" in html and "By email" in html
    kit = client.get("/p/saint-etienne/share?lang=en").get_data(as_text=True)
    assert "Show the counter on your website" in kit


def test_the_petition_page_links_to_the_kit_instead_of_holding_it(client, petition):
    html = client.get("/p/saint-etienne").get_data(as_text=True)
    assert 'href="/p/saint-etienne/partager"' in html
    assert "<textarea" not in html, "the snippets live on the kit page now"


def test_three_embed_snippets_with_absolute_urls(client, petition):
    for path in ("/p/saint-etienne/partager", "/p/saint-etienne/share"):
        html = unescape(client.get(path).get_data(as_text=True))
        assert '<iframe src="http://localhost/embed/saint-etienne"' in html
        assert 'height="230"' in html and '<script src="http://localhost/frame.js" async>' in html
        assert '<div data-petition="saint-etienne"></div>' in html
        assert '<script src="http://localhost/widget.js" async></script>' in html
        assert '<img src="http://localhost/badge/saint-etienne.svg"' in html
    assert client.get("/p/nope/partager").status_code == 404


def test_kit_options_rewrite_the_snippets_without_javascript(client, petition):
    html = unescape(
        client.get(
            "/p/saint-etienne/partager?theme=dark&counter_lang=en&compact=1&width=480"
        ).get_data(as_text=True)
    )
    assert '<iframe src="http://localhost/embed/saint-etienne?theme=dark&lang=en&compact=1"' in html
    assert 'width="480" height="130"' in html
    assert '<div data-petition="saint-etienne" data-lang="en" data-theme="dark"></div>' in html
    assert '<img src="http://localhost/badge/saint-etienne.svg?lang=en"' in html
    # Nonsense options fall back to the defaults, never a 500.
    for query in ("theme=pink&counter_lang=xx&width=abc", "width=99999", "width=-5", "compact=yes"):
        response = client.get(f"/p/saint-etienne/partager?{query}")
        assert response.status_code == 200, query
        text = unescape(response.get_data(as_text=True))
        assert '<iframe src="http://localhost/embed/saint-etienne"' in text
    assert 'width="600"' in unescape(
        client.get("/p/saint-etienne/partager?width=99999").get_data(as_text=True)
    )


def test_kit_helps_the_webmaster_with_the_csp(client, petition):
    html = client.get("/p/saint-etienne/partager").get_data(as_text=True)
    assert "frame-src http://localhost" in html
    assert "connect-src http://localhost" in html
    assert "img-src http://localhost" in html
    assert "HTML personnalisé" in html


def test_dashboard_links_to_the_kit(client, petition):
    from helpers import login, make_organizer

    make_organizer("alice@ville.example", [petition])
    login(client, "alice@ville.example")
    html = client.get("/organizer/petitions/saint-etienne/").get_data(as_text=True)
    assert 'href="/p/saint-etienne/partager"' in html


def test_frame_js_is_served_without_cookies(client, petition):
    response = client.get("/frame.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert "Set-Cookie" not in response.headers
    assert len(response.data) < 1024


def test_live_script_is_on_the_petition_page(client, petition):
    html = client.get("/p/saint-etienne").get_data(as_text=True)
    assert "/static/js/live.js" in html
    assert 'data-live-count="saint-etienne"' in html


def test_qr_code_svg_and_png(client, petition):
    svg = client.get("/p/saint-etienne/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert ET.fromstring(svg.get_data()).tag.endswith("svg")
    png = client.get("/p/saint-etienne/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.get_data().startswith(PNG_MAGIC)
    assert client.get("/p/nope/qr.png").status_code == 404


def test_qr_code_points_at_the_petition(client, petition):
    import segno

    expected = segno.make("http://localhost/p/saint-etienne", error="m")
    import io

    out = io.BytesIO()
    expected.save(out, kind="png", scale=10, border=2)
    assert client.get("/p/saint-etienne/qr.png").get_data() == out.getvalue()


def test_printable_poster(client, petition):
    for path in ("/p/saint-etienne/affiche", "/p/saint-etienne/poster"):
        html = client.get(path).get_data(as_text=True)
        assert "<h1>Saint-Étienne French Tech</h1>" in html
        assert 'src="/p/saint-etienne/qr.svg"' in html
        assert "http://localhost/p/saint-etienne" in html
        assert "css/share.css" in html
        assert 'data-live-count="saint-etienne"' in html, "the count, live until printed"
        assert "dossier de candidature de Saint-Étienne Métropole" in html, "why to sign"
    assert "Scan to sign the petition" in client.get("/p/saint-etienne/affiche?lang=en").get_data(
        as_text=True
    )
    assert client.get("/p/nope/affiche").status_code == 404
