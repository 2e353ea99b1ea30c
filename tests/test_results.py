"""The public results page and its JSON: the local part, categories, every commune
of the territory (zeros included), outside by département, per day, organisations
by SIREN. It matches the API, holds no personal data and is cacheable."""

import re

import pytest
from jsonschema.exceptions import ValidationError
from sqlalchemy import update
from test_api import check_against_spec

from petition.extensions import db
from petition.models import Petition
from petition.services import counters
from petition.services.petitions import parse_territory, save

from helpers import add_signature


@pytest.fixture
def metropole(app):
    petition = save(
        {
            "slug": "saint-etienne",
            "title": "Saint-Étienne",
            "territory": "Saint-Étienne Métropole",
            "goal": 100,
            "state": "open",
        },
        parse_territory(epcis="244200770"),
    )
    add_signature(
        petition,
        first_name="Zoé",
        last_name="Secrète",
        email="zoe@example.org",
        category="company",
        siren="732829320",
        organisation="Zorg",
    )
    add_signature(petition, email="b@example.org", siren="73282932000074", category="company")
    add_signature(
        petition, email="c@example.org", postal_code="42700", insee="42095", commune="Firminy"
    )
    add_signature(
        petition,
        email="paris@example.org",
        postal_code="75001",
        insee="75101",
        commune="Paris 1er Arrondissement",
        local=False,
        category="student",
    )
    add_signature(petition, email="pending@example.org", state="pending")
    db.session.commit()
    counters.changed(petition.id)
    return petition


def test_the_api_gives_every_breakdown(client, metropole):
    data = client.get("/api/v1/petitions/saint-etienne/results").get_json()
    assert (data["signature_count"], data["local_count"]) == (4, 3)
    assert data["by_category"] == [
        {"category": "company", "count": 2},
        {"category": "developer", "count": 1},
        {"category": "student", "count": 1},
    ]
    communes = {c["code"]: c for c in data["by_commune"]}
    assert len(communes) == 53
    assert communes["42218"]["count"] == 2 and communes["42095"]["count"] == 1
    assert communes["42218"]["name"] == "Saint-Étienne"
    assert communes["42218"]["share_of_local"] == pytest.approx(2 / 3, abs=1e-3)
    assert sum(c["count"] == 0 for c in communes.values()) == 51
    assert data["outside_by_departement"] == [{"code": "75", "name": "Paris", "count": 1}]
    assert data["organisations"] == 1  # one SIREN, once as a SIRET
    assert sum(d["count"] for d in data["per_day"]) == 4


def test_the_page_matches_the_api_and_holds_no_personal_data(client, metropole):
    response = client.get("/p/saint-etienne/resultats")
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    html = response.get_data(as_text=True)
    for secret in ("Zoé", "Secrète", "zoe@example.org", "Zorg", "example.org", "732829320"):
        assert secret not in html
    text = re.sub(r"<[^>]+>", " ", html)
    assert "4 soutiens vérifiés, dont 3 du territoire" in " ".join(text.split())
    table = html.split('id="communes"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 53, "every commune, zeros included"
    assert "<td>Saint-Étienne</td><td>2</td>" in table
    assert "Paris (75)" in html
    assert "1 organisation distincte (par SIREN)" in html
    assert "<svg" in html and '<rect x="180"' in html
    english = client.get("/p/saint-etienne/results?lang=en").get_data(as_text=True)
    assert "4 verified supporters, 3 of them from the territory" in re.sub(r"<[^>]+>", "", english)


def test_the_commune_table_sorts_without_javascript(client, metropole):
    by_name = client.get("/p/saint-etienne/resultats?tri=nom").get_data(as_text=True)
    table = by_name.split('id="communes"')[1]
    names = re.findall(r"<tr><td>([^<]+)</td>", table)
    assert names[:2] == ["Aboën", "Andrézieux-Bouthéon"]
    assert 'aria-sort="ascending"' in table
    default = client.get("/p/saint-etienne/resultats?tri=x").get_data(as_text=True)
    assert re.findall(r"<tr><td>([^<]+)</td>", default.split('id="communes"')[1])[0] == (
        "Saint-Étienne"
    )


def test_results_follow_a_change_of_the_count(client, metropole):
    client.get("/api/v1/petitions/saint-etienne/results")
    add_signature(metropole, email="late@example.org")
    db.session.commit()
    counters.changed(metropole.id)
    data = client.get("/api/v1/petitions/saint-etienne/results").get_json()
    assert (data["signature_count"], data["local_count"]) == (5, 4)
    assert {c["code"]: c["count"] for c in data["by_commune"]}["42218"] == 3


def test_unknown_or_draft_petition_is_404(client, metropole):
    assert client.get("/p/nope/resultats").status_code == 404
    db.session.execute(update(Petition).values(state="draft"))
    db.session.commit()
    assert client.get("/p/saint-etienne/resultats").status_code == 404
    assert client.get("/api/v1/petitions/saint-etienne/results").status_code == 404


def test_linked_from_the_petition_page_the_embed_and_the_share_kit(client, metropole):
    page = client.get("/p/saint-etienne").get_data(as_text=True)
    assert page.count('/p/saint-etienne/resultats"') >= 2  # the page and its share kit
    embed = client.get("/embed/saint-etienne").get_data(as_text=True)
    assert "/p/saint-etienne/resultats" in embed


def test_the_results_api_matches_its_openapi_schema(client, metropole):
    spec = client.get("/api/v1/openapi.json").get_json()
    body = client.get("/api/v1/petitions/saint-etienne/results").get_json()
    check_against_spec(spec, "/petitions/{slug}/results", 200, body)
    body["email"] = "zoe@example.org"
    with pytest.raises(ValidationError):
        check_against_spec(spec, "/petitions/{slug}/results", 200, body)
    missing = client.get("/api/v1/petitions/nope/results").get_json()
    check_against_spec(spec, "/petitions/{slug}/results", 404, missing)
