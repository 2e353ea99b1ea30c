"""The language switch links to the page being shown, built from its route,
and never off-site: on a 404 it links to the home page. Before, it echoed the
raw path, so `/%5Cevil.example/x` gave `/\\evil.example/x?lang=en`, which
browsers open on evil.example (tests/browser/test_language_switch.py follows
the link in Chromium)."""

import re
from html.parser import HTMLParser
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

import pytest

ORIGIN = "http://localhost"

#: Paths that tried to turn the switch link into a protocol-relative URL:
#: backslashes (browsers read `\` as `/`), tabs and line breaks (browsers
#: drop them), doubled and encoded slashes, on a 404 and inside matched routes.
NASTY_PATHS = [
    "/%5Cevil.example/x",
    "/%5C%5Cevil.example",
    "/%5C/evil.example",
    "/%5C%09evil.example",
    "/%09/evil.example",
    "/%0A/evil.example",
    "/%0D%0A/evil.example",
    "/%09%09/evil.example",
    "/%20/evil.example",
    "//evil.example/x",
    "///evil.example",
    "/%2F/evil.example",
    "/%2F%2Fevil.example",
    "/%252F%252Fevil.example",
    "/%5C%5Cevil.example%2Fx?lang=en",
    "/\\evil.example/x",
    "/\\\\evil.example",
    "/\t/evil.example",
    "/p/%5C%5Cevil.example",
    "/p/%5Cevil.example",
    "/p/%2F%2Fevil.example",
    "/p/saint-etienne/%5Cevil.example",
    "/p/saint-etienne/%09/evil.example",
    "/organizer/%5Cevil.example",
    "/organizer//evil.example",
    "/static/%5C%5Cevil.example",
    "/confirm/%5C%5Cevil.example",
    "/withdraw/%09%2F%2Fevil.example",
    "/p/saint-etienne/soutiens?page=%5C%5Cevil.example&next=//evil.example",
]


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction") and value is not None:
                self.urls.append(value)


def resolve_like_a_browser(base, url):
    """The WHATWG URL parser's moves that urljoin lacks: leading and trailing
    spaces and controls stripped, tabs and line breaks removed, `\\` read as `/`,
    and any run of slashes before a host read as two."""
    url = url.strip("".join(chr(c) for c in range(0x21)))
    url = re.sub(r"[\t\n\r]", "", url).replace("\\", "/")
    url = re.sub(r"^((?:https?:)?)/{2,}", r"\1//", url, flags=re.I)
    return urljoin(base, url)


def get_raw(client, target):
    """GET a request target as a server hands it to the app (PATH_INFO
    percent-decoded, WSGI's latin-1), not parsed as a URL by the test client,
    which would read `//evil.example` as a host."""
    path, _sep, query = target.partition("?")
    return client.get(
        "/",
        environ_overrides={
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "REQUEST_URI": target,
            "RAW_URI": target,
        },
    )


def off_site(response, path):
    links = Links()
    links.feed(response.get_data(as_text=True))
    if "Location" in response.headers:
        links.urls.append(response.headers["Location"])
    base = ORIGIN + "/"
    found = []
    for url in links.urls:
        target = urlsplit(resolve_like_a_browser(base, url))
        if (target.scheme, target.netloc) != ("http", "localhost"):
            found.append(url)
    return found


@pytest.mark.parametrize("path", NASTY_PATHS)
def test_every_link_of_a_nasty_path_stays_on_site(client, petition, path):
    for lang in ("fr", "en"):
        client.set_cookie("lang", lang)
        response = get_raw(client, path)
        assert response.status_code < 500, (path, response.status_code)
        assert off_site(response, path) == [], (path, lang)


@pytest.mark.parametrize("path", ["/%5Cevil.example/x", "/%09/evil.example", "/nowhere"])
def test_a_404_switches_to_the_home_page_in_the_other_language(client, path):
    french = get_raw(client, path).get_data(as_text=True)
    assert re.search(r'<a href="/\?lang=en" lang="en" hreflang="en">', french), french
    client.set_cookie("lang", "en")
    english = get_raw(client, path).get_data(as_text=True)
    assert re.search(r'<a href="/\?lang=fr" lang="fr" hreflang="fr">', english)


def test_the_switch_keeps_the_page_and_its_query(client, petition):
    page = client.get("/p/saint-etienne/soutiens?page=2").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" lang="en" hreflang="en">', page).group(1)
    assert urlsplit(link).path in ("/p/saint-etienne/soutiens", "/p/saint-etienne/supporters")
    assert sorted(urlsplit(link.replace("&amp;", "&")).query.split("&")) == ["lang=en", "page=2"]
    missing = get_raw(client, "/p/%5Cevil.example").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" lang="en" hreflang="en">', missing).group(1)
    assert link == "/p/%5Cevil.example?lang=en", "a matched route keeps its (quoted) path"
