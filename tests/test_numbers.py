"""Plural forms through Babel's catalogs and numbers in the page's language,
the same on every surface: the petition page, the home page, the embed, the
badge, the widget's words and the organizer pages. "0 soutien", "1 soutien
vérifié", "2 soutiens" (French says the singular for 0); "1 000" in French,
"1,000" in English, never both on one page (tests/test_markup.py checks
every page for the other language's grouping)."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from flask_babel import force_locale
from sqlalchemy import update

from petition import numbers
from petition.extensions import db
from petition.models import Petition
from petition.services import counters

from helpers import login, make_organizer

SVG = "{http://www.w3.org/2000/svg}"


def _count(petition, n, goal=1000):
    db.session.execute(
        update(Petition).where(Petition.id == petition.id).values(signature_count=n, goal=goal)
    )
    db.session.commit()
    counters.changed(petition.id)
    counters.clear_local()


def _text(html):
    """The count sentence as a reader sees it (tags dropped)."""
    line = re.search(r'<p class="count">(.*?)</p>', html, re.S).group(1)
    return re.sub(r"<[^>]+>", "", line)


@pytest.mark.parametrize(
    "n,french,english",
    [
        (
            0,
            "0 soutien vérifié, dont 0 du territoire, sur un objectif de 1\u202f000",
            "0 verified supporters, 0 of them from the territory, out of a goal of 1,000",
        ),
        (
            1,
            "1 soutien vérifié, dont 0 du territoire, sur un objectif de 1\u202f000",
            "1 verified supporter, 0 of them from the territory, out of a goal of 1,000",
        ),
        (
            2,
            "2 soutiens vérifiés, dont 0 du territoire, sur un objectif de 1\u202f000",
            "2 verified supporters, 0 of them from the territory, out of a goal of 1,000",
        ),
        (
            1234,
            "1\u202f234 soutiens vérifiés, dont 0 du territoire, sur un objectif de 1\u202f000",
            "1,234 verified supporters, 0 of them from the territory, out of a goal of 1,000",
        ),
        (
            1_000_000,
            "1\u202f000\u202f000 soutiens vérifiés, dont 0 du territoire, "
            "sur un objectif de 1\u202f000",
            "1,000,000 verified supporters, 0 of them from the territory, out of a goal of 1,000",
        ),
    ],
)
def test_the_count_is_worded_and_grouped_per_language(client, petition, n, french, english):
    _count(petition, n)
    for path in ("/p/saint-etienne", "/embed/saint-etienne", "/"):
        assert _text(client.get(path + "?lang=fr").get_data(as_text=True)) == french, path
        assert _text(client.get(path + "?lang=en").get_data(as_text=True)) == english, path


def test_the_badge_says_the_same(client, petition):
    _count(petition, 1)
    root = ET.fromstring(client.get("/badge/saint-etienne.svg?lang=fr").get_data())
    assert [t.text for t in root.iter(f"{SVG}text")] == [
        "soutien vérifié",
        "1, dont 0 du territoire / 1\u202f000",
    ]
    assert root.find(f"{SVG}title").text == (
        "Saint-Étienne French Tech : 1 soutien vérifié, dont 0 du territoire, "
        "sur un objectif de 1\u202f000"
    )
    _count(petition, 1500, goal=2000)
    root = ET.fromstring(client.get("/badge/saint-etienne.svg?lang=en").get_data())
    assert [t.text for t in root.iter(f"{SVG}text")] == [
        "verified supporters",
        "1,500, 0 from the territory / 2,000",
    ]
    assert root.find(f"{SVG}title").text == (
        "Saint-Étienne French Tech: 1,500 verified supporters, 0 of them from the territory, "
        "out of a goal of 2,000"
    )


def test_the_live_scripts_get_the_forms_of_each_language(app, client, petition):
    body = client.get("/widget.js").get_data(as_text=True)
    labels = json.JSONDecoder().raw_decode(body, body.index('{"fr":'))[0]
    assert (
        labels["fr"]["forms"]["one"]
        == "%(count)s soutien vérifié, dont %(local)s du territoire, sur un objectif de %(goal)s"
    )
    assert labels["fr"]["forms"]["other"].startswith("%(count)s soutiens vérifiés")
    assert labels["en"]["forms"] == {
        "one": "%(count)s verified supporter, %(local)s of them from the territory, "
        "out of a goal of %(goal)s",
        "other": "%(count)s verified supporters, %(local)s of them from the territory, "
        "out of a goal of %(goal)s",
    }
    assert "Intl.PluralRules" in body, "count.js is inside the widget"
    page = client.get("/p/saint-etienne?lang=en").get_data(as_text=True)
    forms = json.loads(re.search(r"data-live-forms='([^']+)'", page).group(1))
    assert forms == labels["en"]["forms"], "the page and the widget word it alike"


def test_french_plural_categories_match_the_catalog(app):
    """Each CLDR category the browser may pick maps to the catalog's form for it."""
    with app.test_request_context("/"), force_locale("fr"):
        forms = numbers.count_forms()
        assert set(forms) == {"one", "many", "other"}
        assert (
            numbers.count_sentence(0, 10)
            == "0 soutien vérifié, dont 0 du territoire, sur un objectif de 10"
        )
        assert numbers.count_sentence(1_000_000, 10).startswith("1\u202f000\u202f000 soutiens")


def test_organizer_pages_use_plurals_and_grouping(app, client, petition):
    make_organizer("orga@example.org", [petition])
    login(client, "orga@example.org")
    _count(petition, 1)
    assert "1 signature vérifiée" in client.get("/organizer/").get_data(as_text=True)
    _count(petition, 1200)
    html = client.get("/organizer/?lang=en").get_data(as_text=True)
    assert "1,200 verified signatures" in html


def _count_local(petition, n, local, goal=1000, scope="total"):
    db.session.execute(
        update(Petition)
        .where(Petition.id == petition.id)
        .values(signature_count=n, local_count=local, goal=goal, goal_scope=scope)
    )
    db.session.commit()
    counters.changed(petition.id)
    counters.clear_local()


def test_every_surface_says_the_local_part(client, petition):
    _count_local(petition, 12, 5)
    french = "12 soutiens vérifiés, dont 5 du territoire, sur un objectif de 1\u202f000"
    english = "12 verified supporters, 5 of them from the territory, out of a goal of 1,000"
    for path in ("/p/saint-etienne", "/embed/saint-etienne", "/"):
        assert _text(client.get(path + "?lang=fr").get_data(as_text=True)) == french, path
        assert _text(client.get(path + "?lang=en").get_data(as_text=True)) == english, path
    root = ET.fromstring(client.get("/badge/saint-etienne.svg?lang=fr").get_data())
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["soutiens vérifiés", "12, dont 5 du territoire / 1\u202f000"]
    assert root.find(f"{SVG}title").text.endswith(french)
    count = client.get("/api/v1/petitions/saint-etienne/count").get_json()
    assert (count["signature_count"], count["local_count"], count["goal_scope"]) == (12, 5, "total")
    detail = client.get("/api/v1/petitions/saint-etienne").get_json()
    assert (detail["signature_count"], detail["local_count"]) == (12, 5)


def test_a_goal_of_local_support_is_read_against_the_local_part(client, petition):
    _count_local(petition, 12, 5, goal=10, scope="local")
    html = client.get("/p/saint-etienne").get_data(as_text=True)
    assert _text(html) == (
        "12 soutiens vérifiés, dont 5 du territoire, sur un objectif de 10 du territoire"
    )
    assert 'max="10" value="5"' in html  # the bar: 5 of 10, not 12
    forms = json.loads(re.search(r"data-live-forms='([^']+)'", html).group(1))
    assert forms["other"].endswith("sur un objectif de %(goal)s du territoire")
    _count_local(petition, 12, 5, goal=10)
    assert 'max="10" value="10"' in client.get("/p/saint-etienne").get_data(as_text=True)
