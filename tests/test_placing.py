"""Placing each signature in its commune: the postal code proposes the communes,
the server decides (a contradicting commune is refused, nothing stored), inside
the territory -> local with its INSEE code, a valid code outside -> accepted as
outside and the signer told so before confirming."""

import pytest
from sqlalchemy import func, select

from petition.extensions import db
from petition.models import Signature
from petition.services.petitions import parse_territory, save

from helpers import csrf_from, post_signature, reread

OUTSIDE = "votre soutien sera compté hors territoire"


def make(slug, territory, epci):
    return save(
        {"slug": slug, "title": territory, "territory": territory, "goal": 100, "state": "open"},
        parse_territory(epcis=epci),
    )


@pytest.fixture
def saint_etienne(app):
    return make("saint-etienne", "Saint-Étienne Métropole", "244200770")


@pytest.fixture
def cote_d_azur(app):
    return make("cote-d-azur", "French Tech Côte d'Azur", "200030195,200039915,200039857,240600585")


@pytest.fixture
def lyon(app):
    return make("lyon", "Métropole de Lyon", "200046977")


def stored():
    return db.session.scalars(select(Signature)).all()


def test_paris_on_saint_etienne_is_outside_and_the_signer_is_told(
    client, saint_etienne, confirm_via_email
):
    response = post_signature(client, postal_code="75001", email="paris@example.org")
    assert response.status_code == 302
    (signature,) = stored()
    assert (signature.insee, signature.local) == ("75101", False)
    assert signature.commune == "Paris 1er Arrondissement"
    inbox = client.get(response.headers["Location"]).get_data(as_text=True)
    assert OUTSIDE in inbox
    confirmed = confirm_via_email("paris@example.org")
    assert confirmed.status_code == 200
    assert reread(type(saint_etienne), saint_etienne.id).signature_count == 1


def test_the_confirm_page_says_outside_before_the_button(
    client, saint_etienne, run_jobs, smtp_sink
):
    from helpers import link_in

    post_signature(client, postal_code="75001", email="paris@example.org")
    run_jobs()
    page = client.get(link_in(smtp_sink.messages[-1], "/confirm/")).get_data(as_text=True)
    assert OUTSIDE in page
    assert page.index(OUTSIDE) < page.index("Je confirme ma signature")


def test_a_local_signer_sees_no_outside_notice(client, saint_etienne):
    response = post_signature(client, postal_code="42100")
    (signature,) = stored()
    assert (signature.insee, signature.commune, signature.local) == ("42218", "Saint-Étienne", True)
    assert OUTSIDE not in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_commune_that_contradicts_the_postal_code_is_refused(client, saint_etienne):
    response = post_signature(client, postal_code="42000", commune="Firminy")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Cette commune n’a pas le code postal 42000" in html
    assert "communes de ce code : Saint-Étienne" in html
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 0


def test_a_contradiction_is_said_in_english(client, saint_etienne):
    client.get("/p/saint-etienne?lang=en")
    response = post_signature(client, postal_code="42000", commune="42095")
    assert response.status_code == 400
    assert "This municipality does not have the postal code 42000" in response.get_data(
        as_text=True
    )
    assert stored() == []


def test_an_unknown_postal_code_is_refused(client, saint_etienne):
    response = post_signature(client, postal_code="42999")
    assert response.status_code == 400
    assert "Aucune commune n’a le code postal 42999" in response.get_data(as_text=True)
    assert stored() == []


def test_valbonne_is_local_for_cote_d_azur(client, cote_d_azur):
    post_signature(client, slug="cote-d-azur", postal_code="06560")
    (signature,) = stored()
    assert (signature.commune, signature.insee, signature.local) == ("Valbonne", "06152", True)


def test_mougins_counts_for_cote_d_azur_too(client, cote_d_azur):
    post_signature(client, slug="cote-d-azur", postal_code="06250")
    (signature,) = stored()
    assert (signature.commune, signature.local) == ("Mougins", True)


def test_lyon_3e_is_local_for_lyon(client, lyon):
    post_signature(client, slug="lyon", postal_code="69003")
    (signature,) = stored()
    assert (signature.commune, signature.insee, signature.local) == (
        "Lyon 3e Arrondissement",
        "69383",
        True,
    )


def test_a_shared_postal_code_with_one_commune_outside_lets_the_signer_choose(
    client, saint_etienne
):
    # 42160: Andrézieux-Bouthéon (in the métropole), Bonson and Saint-Cyprien (not).
    asked = post_signature(client, postal_code="42160")
    html = asked.get_data(as_text=True)
    assert asked.status_code == 400 and stored() == []
    assert "Plusieurs communes ont le code postal 42160 : choisissez la vôtre." in html
    assert '<option value="42005">Andrézieux-Bouthéon</option>' in html
    assert '<option value="42022">Bonson (hors territoire)</option>' in html
    assert 'id="commune-field" hidden' not in html
    inside = post_signature(client, postal_code="42160", commune="42005", email="a@example.org")
    assert inside.status_code == 302
    outside = post_signature(client, postal_code="42160", commune="42022", email="b@example.org")
    assert OUTSIDE in client.get(outside.headers["Location"]).get_data(as_text=True)
    assert sorted((s.commune, s.local) for s in stored()) == [
        ("Andrézieux-Bouthéon", True),
        ("Bonson", False),
    ]


def test_the_form_hides_the_commune_until_a_postal_code_asks_for_it(client, saint_etienne):
    html = client.get("/p/saint-etienne").get_data(as_text=True)
    assert 'id="commune-field" hidden' in html
    assert 'data-places="/api/v1/petitions/saint-etienne/places"' in html
    assert csrf_from(html)


def test_places_api_lists_the_communes_of_a_postal_code(client, saint_etienne):
    response = client.get("/api/v1/petitions/saint-etienne/places?postal_code=42160")
    assert response.status_code == 200 and "public" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    assert response.get_json()["communes"][:2] == [
        {"code": "42005", "name": "Andrézieux-Bouthéon", "local": True},
        {"code": "42022", "name": "Bonson", "local": False},
    ]
    bad = client.get("/api/v1/petitions/saint-etienne/places?postal_code=4216")
    assert bad.status_code == 400 and "5 chiffres" in bad.get_json()["message"]
    assert client.get("/api/v1/petitions/nope/places?postal_code=42160").status_code == 404
