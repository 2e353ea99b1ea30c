"""The dashboard and petition management from the web."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from petition.extensions import db
from petition.models import Petition
from petition.services import dashboard

from helpers import add_signature, csrf, login, make_organizer, reread


def test_dashboard_shows_counts_breakdowns_chart_and_failed_emails(client, petition):
    add_signature(petition, category="company", siren="73282932000074", organisation="A")
    add_signature(petition, category="company", siren="732829320", organisation="A bis")
    add_signature(petition, category="student", organisation="Asso Loire", commune="Firminy")
    add_signature(petition, category="student", organisation="asso loire ", days_ago=2)
    add_signature(
        petition,
        state="pending",
        email_failed_at=datetime.now(UTC),
        email="bounce@example.fr",
        email_error="550 mailbox unavailable",
    )
    add_signature(petition, state="withdrawn")
    add_signature(petition, state="invalidated")
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    response = client.get("/organizer/petitions/saint-etienne/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    counts = dashboard.state_counts(petition)
    assert counts == {"pending": 1, "verified": 4, "withdrawn": 1, "invalidated": 1}
    assert dashboard.organisations(petition) == (2, 1), "SIRET and SIREN are one company"
    assert dict(dashboard.by_column(petition, dashboard.Signature.commune)) == {
        "Saint-Étienne": 3,
        "Firminy": 1,
    }
    assert "<svg" in page and '<title id="chart-title">' in page and "<desc" in page
    assert re.search(r"<rect [^>]*height=\"[1-9]", page), "bars are drawn server-side"
    assert "<script" not in page.split("<svg")[1].split("</svg>")[0]
    assert "bounce@example.fr" in page and "550 mailbox unavailable" in page
    assert "Entreprise" in page or "company" in page
    series = dashboard.per_day(petition)
    assert sum(n for _d, n in series) == 4 and series[-1][1] == 3


def test_web_petition_creation_uses_the_cli_rules(client, petition):
    make_organizer("admin@example.org", admin=True)
    login(client, "admin@example.org")
    token = csrf(client, "/organizer/petitions/new")
    data = {
        "slug": "nice",
        "title": "Côte d'Azur",
        "territory": "Côte d'Azur",
        "communes": "Nice:06000,06100;Cannes:06400",
        "goal": "800",
        "state": "draft",
        "description": "**Go** <script>alert(1)</script>",
        "retention_days": "365",
        "csrf_token": token,
    }
    taken = client.post("/organizer/petitions/new", data={**data, "slug": "saint-etienne"})
    assert taken.status_code == 400 and "déjà prise" in taken.get_data(as_text=True)
    bad_code = client.post("/organizer/petitions/new", data={**data, "communes": "Nice:6000"})
    assert bad_code.status_code == 400 and "Code postal invalide" in bad_code.get_data(as_text=True)
    bad_dates = client.post(
        "/organizer/petitions/new",
        data={**data, "opens_at": "2026-06-01", "closes_at": "2026-05-01"},
    )
    assert bad_dates.status_code == 400 and "clôture" in bad_dates.get_data(as_text=True)
    assert db.session.scalar(select(Petition).where(Petition.slug == "nice")) is None
    created = client.post("/organizer/petitions/new", data=data)
    assert created.status_code == 302
    nice = db.session.scalar(select(Petition).where(Petition.slug == "nice"))
    assert nice.goal == 800 and nice.commune_names == ["Cannes", "Nice"]
    assert client.get("/organizer/petitions/nice/").status_code == 200


def test_organizer_edits_their_petition(client, petition):
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    page = client.get("/organizer/petitions/saint-etienne/edit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "42095, 42218" in html  # Firminy, Saint-Étienne
    form = {
        "slug": "saint-etienne",
        "title": "Saint-Étienne, capitale du design",
        "territory": "Saint-Étienne Métropole",
        "goal": "1200",
        "state": "open",
        "communes": "Saint-Étienne:42000,42100;Firminy:42700;Roche-la-Molière:42230",
        "description": "Nouveau texte",
        "retention_days": "365",
        "closes_at": "2027-01-31T18:00",
        "csrf_token": csrf(client, "/organizer/"),
    }
    response = client.post("/organizer/petitions/saint-etienne/edit", data=form)
    assert response.status_code == 302
    edited = reread(Petition, petition.id)
    assert edited.title == "Saint-Étienne, capitale du design" and edited.goal == 1200
    assert "Roche-la-Molière" in edited.commune_names
    # Typed in Paris time (TIMEZONE), stored in UTC, shown back in Paris time.
    assert edited.closes_at.strftime("%Y-%m-%d %H:%M") == "2027-01-31 17:00"
    again = client.get("/organizer/petitions/saint-etienne/edit").get_data(as_text=True)
    assert 'value="2027-01-31T18:00"' in again and 'type="datetime-local"' in again
    bad = client.post("/organizer/petitions/saint-etienne/edit", data={**form, "goal": "zéro"})
    assert bad.status_code == 400


def test_petition_form_finds_places_by_name_without_javascript(client, petition):
    """Search by name, tick, add: the codes land in the form; saving sets the territory."""
    make_organizer("admin@example.org", admin=True)
    login(client, "admin@example.org")
    token = csrf(client, "/organizer/petitions/new")
    data = {
        "slug": "se-metro",
        "title": "Saint-Étienne Métropole",
        "territory": "Saint-Étienne Métropole",
        "goal": "800",
        "state": "open",
        "retention_days": "365",
        "csrf_token": token,
        "place_search": "saint-etienne metropole",
        "find": "Chercher",
    }
    found = client.post("/organizer/petitions/new", data=data)
    html = found.get_data(as_text=True)
    assert found.status_code == 200 and 'value="epci:244200770"' in html
    assert "Saint-Étienne Métropole — intercommunalité, 53 communes" in html
    assert db.session.scalar(select(Petition).where(Petition.slug == "se-metro")) is None
    nothing = client.post("/organizer/petitions/new", data={**data, "place_search": "zzzzqq"})
    assert "Aucune commune ni intercommunalité ne porte ce nom." in nothing.get_data(as_text=True)
    del data["find"]
    added = client.post(
        "/organizer/petitions/new",
        data={**data, "picked": ["epci:244200770", "commune:06152"], "add": "Ajouter"},
    )
    html = added.get_data(as_text=True)
    assert 'value="244200770"' in html and "06152</textarea>" in html
    saved = client.post(
        "/organizer/petitions/new",
        data={**data, "epci": "244200770", "communes": "06152", "departements": ""},
    )
    assert saved.status_code == 302
    made = db.session.scalar(select(Petition).where(Petition.slug == "se-metro"))
    assert len(made.territory_codes) == 54 and {"42218", "06152"} <= made.territory_codes
    page = client.get("/organizer/petitions/se-metro/edit").get_data(as_text=True)
    assert "Saint-Étienne Métropole, Valbonne — 54 communes" in page


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("epci", "123456789", "SIREN d&#39;intercommunalité (EPCI) inconnu : 123456789"),
        ("departements", "00", "Département inconnu : 00"),
        ("communes", "Firminy:42000", "Aucune commune « Firminy » n&#39;a le code postal 42000"),
    ],
)
def test_petition_form_refuses_unknown_codes(client, petition, field, value, message):
    make_organizer("admin@example.org", admin=True)
    login(client, "admin@example.org")
    data = {
        "slug": "t",
        "title": "T",
        "territory": "T",
        "goal": "8",
        "state": "open",
        "retention_days": "365",
        "csrf_token": csrf(client, "/organizer/petitions/new"),
        field: value,
    }
    response = client.post("/organizer/petitions/new", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(Petition).where(Petition.slug == "t")) is None
