"""The national overview at `/` and the ranking embed: every public petition
with its count, local part, progress and last 7 days; sorts in the URL; search
by territory or commune; the list API's new fields; widget.js under 5 KiB."""

import re

import pytest

from petition.dev import widget as widget_build
from petition.services import overview
from petition.services.petitions import PetitionError, parse_territory, save

from helpers import add_signature, post_signature

WIDGET_LIMIT = 5 * 1024


def make(slug, title, territory, goal, state="open", epci="", communes=""):
    return save(
        {
            "slug": slug,
            "title": title,
            "territory": territory,
            "goal": goal,
            "state": state,
            "controller_name": "Équipe",
        },
        parse_territory(communes=communes, epcis=epci),
    )


@pytest.fixture
def race(app):
    """Three open territories and a closed one, with different counts,
    progress and growth (counts: SE 3, CA 2 recent, Lyon 4 old, Brest 9)."""
    se = make(
        "saint-etienne",
        "Saint-Étienne French Tech",
        "Saint-Étienne Métropole",
        10,
        epci="244200770",
    )
    ca = make(
        "cote-d-azur",
        "Côte d'Azur French Tech",
        "French Tech Côte d'Azur",
        4,
        epci="200030195,200039915,200039857,240600585",
    )
    ly = make("lyon", "Lyon French Tech", "Métropole de Lyon", 100, epci="200046977")
    br = make("brest", "Brest French Tech", "Brest métropole", 10, state="closed", communes="29019")
    for _ in range(3):
        add_signature(se, days_ago=1)
    for _ in range(2):
        add_signature(ca, days_ago=2, local=False)
    for _ in range(4):
        add_signature(ly, days_ago=30)
    for _ in range(9):
        add_signature(br, days_ago=40)
    return se, ca, ly, br


def order(html, section="h-open"):
    """Slugs of one section's rows, in page order."""
    part = html.split(f'id="{section}"', 1)[1]
    if section == "h-open":
        part = part.split('id="h-closed"', 1)[0]
    return re.findall(r'data-slug="([^"]+)"', part)


def test_overview_lists_every_open_petition_then_closed_ones_with_numbers(client, race):
    html = client.get("/").get_data(as_text=True)
    assert order(html) == ["lyon", "saint-etienne", "cote-d-azur"]  # by count, the default
    assert order(html, "h-closed") == ["brest"]
    assert "18 soutiens vérifiés au total" in re.sub(r"<[^>]+>", "", html)
    assert "4 territoires candidats" in html
    row = html.split('data-slug="cote-d-azur"', 1)[1].split("</li>", 1)[0]
    text = " ".join(re.sub(r"<[^>]+>", " ", row).split())
    assert "2 soutiens vérifiés, dont 0 du territoire, sur un objectif de 4" in text
    assert "50 % de l’objectif" in text
    assert "2 signatures ces 7 derniers jours" in text
    assert 'max="4" value="2"' in row and "aria-label=" in row
    assert "double confirmation" in html  # how signatures are verified


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("nombre", ["lyon", "saint-etienne", "cote-d-azur"]),
        ("progression", ["cote-d-azur", "saint-etienne", "lyon"]),
        ("croissance", ["saint-etienne", "cote-d-azur", "lyon"]),
        ("nom", ["cote-d-azur", "lyon", "saint-etienne"]),
        ("n'importe-quoi", ["lyon", "saint-etienne", "cote-d-azur"]),
    ],
)
def test_the_visitor_chooses_the_order_in_the_url(client, race, sort, expected):
    html = client.get(f"/?tri={sort}").get_data(as_text=True)
    assert order(html) == expected
    chosen = sort if sort in overview.SORTS else "nombre"
    assert re.search(rf'href="/\?tri={chosen}"[^>]*aria-current="true"', html)


@pytest.mark.parametrize(
    ("query", "slug", "commune"),
    [
        ("saint etienne", "saint-etienne", None),  # the territory's own name
        ("Valbonne", "cote-d-azur", "Valbonne"),  # a commune of CA Sophia Antipolis
        ("VALBONNE", "cote-d-azur", "Valbonne"),
        ("firminy", "saint-etienne", "Firminy"),
        ("villeurbanne", "lyon", "Villeurbanne"),
        ("grasse", "cote-d-azur", None),  # CA du Pays de Grasse: an area's name
    ],
)
def test_search_by_territory_or_commune_finds_the_right_petition(
    client, race, query, slug, commune
):
    html = client.get("/", query_string={"q": query}).get_data(as_text=True)
    assert order(html) == [slug]
    if commune:
        assert f"La commune {commune} fait partie de ce territoire." in html
    assert f'value="{query}"' in html  # the search stays in the field


def test_search_that_finds_nothing_says_so(client, race):
    html = client.get("/?q=Quimperl%C3%A9").get_data(as_text=True)
    assert order(html) == [] and "Aucune pétition ouverte ne correspond" in html
    long = client.get("/", query_string={"q": "x" * 5000, "tri": "nom"})
    assert long.status_code == 200


def test_home_shows_a_new_count_at_once_though_it_is_cached(client, race, confirm_via_email):
    """The rows are kept until any count changes (a generation in Redis), not
    for OVERVIEW_TTL seconds after a confirmation."""
    assert '<strong data-live="count">4</strong>' in client.get("/").get_data(as_text=True)
    post_signature(client, slug="lyon", postal_code="69001")
    confirm_via_email()
    html = client.get("/").get_data(as_text=True)
    row = html.split('data-slug="lyon"', 1)[1].split("</li>", 1)[0]
    assert '<strong data-live="count">5</strong>' in row


def test_list_api_gains_local_part_progress_and_week(client, race):
    listing = client.get("/api/v1/petitions").get_json()["petitions"]
    by_slug = {p["slug"]: p for p in listing}
    assert set(by_slug) == {"saint-etienne", "cote-d-azur", "lyon"}  # open only
    assert by_slug["saint-etienne"] | {"url": None, "updated_at": None} == {
        "slug": "saint-etienne",
        "title": "Saint-Étienne French Tech",
        "territory": "Saint-Étienne Métropole",
        "goal": 10,
        "signature_count": 3,
        "paper_count": 0,
        "local_count": 3,
        "goal_scope": "total",
        "state": "open",
        "week_count": 3,
        "progress": 0.3,
        "url": None,
        "updated_at": None,
    }


def test_ranking_embed_is_framable_and_cookieless(client, race):
    for path in ("/embed/classement", "/embed/ranking?lang=en&theme=dark"):
        response = client.get(path, headers={"Cookie": "lang=en; session=x"})
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")
        assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
        assert "X-Frame-Options" not in response.headers
        html = response.get_data(as_text=True)
        assert order(html) == ["lyon", "saint-etienne", "cote-d-azur"]
        assert 'target="_blank"' in html and "embed-height.js" in html
    english = client.get("/embed/ranking?lang=en&theme=dark").get_data(as_text=True)
    assert "theme-dark" in english and "verified supporters in total" in english
    assert "/embed/classement?tri=progression&amp;theme=dark&amp;lang=en" in english


def test_widget_js_served_is_under_5_kib_with_the_ranking_option(client):
    response = client.get("/widget.js")
    body = response.get_data()
    assert b"classement" in body, "the ranking option is in the served script"
    assert len(body) < WIDGET_LIMIT, f"widget.js is {len(body)} bytes"


def test_served_widget_is_built_from_the_current_sources():
    """widget.min.js names the SHA-256 of widget.js and count.js it was built from."""
    assert widget_build.built_digest() == widget_build.digest(), "run `make widget` and commit"


def test_no_petition_may_take_the_ranking_address(app):
    for slug in ("classement", "ranking"):
        with pytest.raises(PetitionError, match="réservée"):
            make(slug, "Titre", "Territoire", 10, communes="42218")
