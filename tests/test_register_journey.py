"""The whole register journey, across its parts: the demo extract is imported,
a signer signs with a demo SIRET and confirms by email, the worker checks the
organisation and emails the offer to publish it, the signer publishes it from
that email, and the results page, the API, the panorama and its map show it.
A partially diffusible unit goes the same way and its name shows nowhere."""

import xml.etree.ElementTree as ET

from petition.sirene import sample

from helpers import csrf_from, link_in, mail_text, post_signature

ACTIVE, CLOSED, PARTIAL = sample.DEMO_UNITS[:3]
SVG = "{http://www.w3.org/2000/svg}"


def sign_and_confirm(client, confirm_via_email, unit, email, typed):
    post_signature(client, email=email, organisation=typed, siren=unit.siret, category="company")
    assert confirm_via_email(to=email).status_code == 200


def offers_to(smtp_sink, email):
    """The emails to `email` offering to publish its organisation."""
    return [m for m in smtp_sink.messages if email in m["To"] and "/organisation/" in mail_text(m)]


def test_a_demo_siret_is_checked_offered_published_and_shown(
    runner, client, petition, smtp_sink, run_jobs, confirm_via_email
):
    assert runner.invoke(args=["sirene", "demo", "--rows", "50"]).exit_code == 0
    sign_and_confirm(client, confirm_via_email, ACTIVE, "forge@example.org", "Forge")
    run_jobs()  # the register check, then the offer email it queues

    results = client.get("/api/v1/petitions/saint-etienne/results").get_json()["register"]
    assert results["active"] == 1 and results["by_status"]["active"] == 1
    page = client.get("/p/saint-etienne/resultats").get_data(as_text=True)
    assert "1 entreprise active vérifiée au registre" in page

    offers = offers_to(smtp_sink, "forge@example.org")
    assert len(offers) == 1, "the worker offers to publish the active organisation, once"
    path = link_in(offers[0], "/organisation/")
    form = client.get(path)
    assert form.status_code == 200
    published = client.post(
        path,
        data={
            "description": "Forge de logiciels libres.",
            "website": "https://forge.example.fr",
            "category": "company",
            "csrf_token": csrf_from(form.get_data(as_text=True)),
        },
    )
    assert published.status_code == 200

    panorama = client.get("/p/saint-etienne/panorama").get_data(as_text=True)
    assert ACTIVE.name in panorama and "Forge de logiciels libres." in panorama
    assert "forge@example.org" not in panorama
    svg = ET.fromstring(client.get("/p/saint-etienne/carte.svg").get_data())
    points = [a for a in svg.iter(f"{SVG}a") if ACTIVE.name in ET.tostring(a, encoding="unicode")]
    assert len(points) == 1, "the establishment is one point on the map"


def test_a_partial_unit_is_counted_but_never_named_in_public(
    runner, client, petition, smtp_sink, run_jobs, confirm_via_email
):
    assert runner.invoke(args=["sirene", "demo", "--rows", "50"]).exit_code == 0
    sign_and_confirm(client, confirm_via_email, PARTIAL, "camille@example.org", "Mon atelier")
    sign_and_confirm(client, confirm_via_email, CLOSED, "cycles@example.org", "Cycles")
    run_jobs()

    register = client.get("/api/v1/petitions/saint-etienne/results").get_json()["register"]
    assert register["by_status"]["active"] == 1 and register["by_status"]["closed"] == 1
    partial_offers = offers_to(smtp_sink, "camille@example.org")
    assert not partial_offers, "a partially diffusible unit is never offered the panorama"
    for url in (
        "/p/saint-etienne/resultats",
        "/p/saint-etienne/soutiens",
        "/p/saint-etienne/panorama",
        "/p/saint-etienne/carte",
        "/api/v1/petitions/saint-etienne/results",
        "/api/v1/petitions/saint-etienne/panorama",
    ):
        assert PARTIAL.name not in client.get(url).get_data(as_text=True), url
