"""Public responses a shared cache can keep (petition/sessions.py, i18n.py):
the API, /embed/, /badge/ and /widget.js never read or write the session, so
they carry no `Set-Cookie` and no `Vary: Cookie`, 404s included; the embed and
the badge, worded in the reader's language, say `Vary: Accept-Language`, and
a cache keyed as the headers say never serves one language for the other.
tests/test_nginx.py checks the same with the real nginx configuration."""

import itertools

import pytest

from petition.services import counters

from helpers import PASSWORD, login, make_organizer

PUBLIC_PATHS = [
    "/api/v1/petitions/saint-etienne/count",
    "/api/v1/petitions/saint-etienne",
    "/api/v1/petitions",
    "/api/v1/openapi.json",
    "/api/v1/petitions/nope/count",
    "/api/v1/nothing",
    "/embed/saint-etienne",
    "/embed/saint-etienne?lang=en",
    "/embed/nope",
    "/badge/saint-etienne.svg",
    "/badge/saint-etienne.svg?lang=fr",
    "/badge/nope.svg",
    "/widget.js",
]
LANGUAGES = [None, "fr", "en", "en-GB,en;q=0.9", "de-DE,de;q=0.9,en;q=0.5", "fr-FR,fr;q=0.9"]


@pytest.fixture
def organizer_client(app, petition, client):
    """A client with a live organizer session, a remember cookie and a language cookie."""
    make_organizer("orga@example.org", [petition])
    client.get("/organizer/login")
    page = client.get("/organizer/login")
    assert page.status_code == 200
    response = login(client, "orga@example.org", PASSWORD)
    assert response.status_code == 302
    client.set_cookie("remember_token", "1:forged", domain="localhost")
    client.set_cookie("lang", "en", domain="localhost")
    assert client.get("/organizer/").status_code == 200, "logged in"
    return client


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_responses_never_touch_the_session(organizer_client, path):
    response = organizer_client.get(path)
    assert response.status_code in (200, 404)
    assert "Set-Cookie" not in response.headers, response.headers.getlist("Set-Cookie")
    assert "cookie" not in response.vary, response.headers.get("Vary")


def test_our_own_pages_still_use_the_session(organizer_client, petition):
    response = organizer_client.get("/organizer/")
    assert response.status_code == 200 and "cookie" in response.vary


def test_the_language_cookie_does_not_word_public_responses(client, petition):
    client.set_cookie("lang", "en", domain="localhost")
    embed = client.get("/embed/saint-etienne")
    assert '<html lang="fr">' in embed.get_data(as_text=True)
    assert "accept-language" in embed.vary
    english = client.get("/badge/saint-etienne.svg", headers={"Accept-Language": "en"})
    assert "verified supporters" in english.get_data(as_text=True)
    assert client.get("/p/saint-etienne").get_data(as_text=True).count('<html lang="en"') == 1, (
        "our own pages still follow the cookie"
    )


def stored_key(path, headers, response):
    """What a shared cache (RFC 9111, section 4.1) matches a later request on:
    the URL and the value of each request header the response's Vary names."""
    assert "*" not in response.vary
    return path, tuple(sorted((h, headers.get(h.title())) for h in response.vary))


@pytest.mark.parametrize("path", [p for p in PUBLIC_PATHS if "/api/" not in p or "nope" in p])
def test_a_shared_cache_keyed_as_the_headers_say_never_mixes_languages(client, petition, path):
    """Every pair of requests a shared cache would answer with one stored
    response gets the same answer from the app: French is never served for
    English, nor the reverse, whichever came first."""
    counters.read("saint-etienne")
    answers = {}
    for lang, cookie in itertools.product(LANGUAGES, [None, "lang=en", "lang=fr"]):
        headers = {k: v for k, v in {"Accept-Language": lang, "Cookie": cookie}.items() if v}
        response = client.get(path, headers=headers)
        assert "Set-Cookie" not in response.headers
        body = response.get_data()
        key = stored_key(path, {**headers, "Accept-Encoding": None}, response)
        first = answers.setdefault(key, (headers, body))
        assert first[1] == body, f"a cache would serve {path} for {first[0]} to {headers}"
    worded = {b'lang="en"' in body or b"supporters" in body for _h, body in answers.values()}
    if path.startswith(("/embed/saint-etienne", "/badge/saint-etienne.svg")) and "?" not in path:
        assert worded == {True, False}, "both languages were served, under different keys"
