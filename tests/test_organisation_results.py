"""What the register check shows in public: the results page and its API count
distinct organisations (by SIREN) of verified signers by status, NAF section
and headcount band; the opted-in supporters list shows a registered name beside
a typed one that differs; a partial-diffusion unit's name appears nowhere public."""

import pytest
from test_api import check_against_spec
from test_organisation_checks import (
    ACTIVE_SIRET,
    CLOSED_SIRET,
    OUTSIDE_SIRET,
    PARTIAL_NAME,
    PARTIAL_SIRET,
    UNKNOWN_SIRET,
    put_register,
)

from petition.extensions import db
from petition.jobs.organisations import check_due_organisations
from petition.models import OrganisationCheck
from petition.services import counters

from helpers import add_signature, reread_all

PUBLIC_PATHS = (
    "/p/{slug}",
    "/p/{slug}/resultats",
    "/p/{slug}/results",
    "/p/{slug}/soutiens",
    "/p/{slug}/partager",
    "/p/{slug}/affiche",
    "/embed/{slug}",
    "/badge/{slug}.svg",
    "/api/v1/petitions/{slug}",
    "/api/v1/petitions/{slug}/count",
    "/api/v1/petitions/{slug}/results",
    "/api/v1/petitions",
)


@pytest.fixture
def checked(app, petition):
    """Signatures of every kind, checked by the chore as the worker would."""
    put_register()
    add = add_signature
    add(petition, siren=ACTIVE_SIRET, organisation="Forge", category="company", public=True)
    add(petition, siren=ACTIVE_SIRET[:9], organisation="Forge")  # the same SIREN again
    add(petition, siren=CLOSED_SIRET, organisation="Manufacture", public=True)
    add(petition, siren=PARTIAL_SIRET, organisation="Martine", public=True)
    add(petition, siren=OUTSIDE_SIRET, organisation="Lyon Logiciel", public=True)
    add(petition, siren=UNKNOWN_SIRET, organisation="Fantôme")
    add(petition, siren=OUTSIDE_SIRET, state="withdrawn")
    add(petition, siren=CLOSED_SIRET, state="pending")
    add(petition, organisation="Sans numéro")
    assert check_due_organisations() == {"active": 4, "closed": 1, "not_found": 1}
    counters.changed(petition.id)
    return petition


def test_the_api_counts_distinct_organisations_by_status_section_and_band(client, checked):
    data = client.get("/api/v1/petitions/saint-etienne/results").get_json()
    register = data["register"]
    assert register["by_status"] == {"active": 3, "closed": 1, "not_found": 1, "not_checked": 0}
    assert register["active"] == 3
    assert register["active_in_territory"] == 2  # Forge and the partial unit; not Lyon
    assert register["by_section"] == [{"code": "J", "count": 2}, {"code": "M", "count": 1}]
    assert register["by_headcount"] == [
        {"code": "11", "count": 1},
        {"code": "21", "count": 1},
        {"code": "NN", "count": 1},
    ]
    spec = client.get("/api/v1/openapi.json").get_json()
    check_against_spec(spec, "/petitions/{slug}/results", 200, data)


def test_a_siren_signed_twice_takes_its_best_known_status(client, checked):
    (first, *_rest) = reread_all(db.select(OrganisationCheck).order_by("signature_id"))
    db.session.execute(
        db.update(OrganisationCheck)
        .where(OrganisationCheck.signature_id == first.signature_id)
        .values(status="not_checked")
    )
    db.session.commit()
    counters.changed(checked.id)
    register = client.get("/api/v1/petitions/saint-etienne/results").get_json()["register"]
    assert register["by_status"]["active"] == 3 and register["by_status"]["not_checked"] == 0


def test_the_results_page_says_it_in_words(client, checked):
    html = client.get("/p/saint-etienne/resultats").get_data(as_text=True)
    assert "3 entreprises actives vérifiées au registre" in html
    assert "dont 2 établies sur le territoire" in html
    english = client.get("/p/saint-etienne/results", headers={"Accept-Language": "en"})
    text = english.get_data(as_text=True)
    assert "3 active companies verified in the register" in text
    assert "2 of them established in the territory" in text


def test_one_organisation_reads_in_the_singular(client, petition):
    put_register()
    add_signature(petition, siren=ACTIVE_SIRET, organisation="Forge")
    check_due_organisations()
    counters.changed(petition.id)
    html = client.get("/p/saint-etienne/resultats").get_data(as_text=True)
    assert "1 entreprise active vérifiée au registre" in html
    assert "dont 1 établie sur le territoire" in html


def test_a_check_landing_later_refreshes_the_cached_results(client, petition):
    put_register()
    add_signature(petition, siren=ACTIVE_SIRET, organisation="Forge")
    counters.changed(petition.id)
    before = client.get("/api/v1/petitions/saint-etienne/results").get_json()["register"]
    assert before["by_status"]["not_checked"] == 1
    check_due_organisations()
    after = client.get("/api/v1/petitions/saint-etienne/results").get_json()["register"]
    assert after["by_status"]["active"] == 1 and after["by_status"]["not_checked"] == 0


def test_the_supporters_list_shows_the_registered_name_beside_a_different_one(client, checked):
    html = client.get("/p/saint-etienne/soutiens").get_data(as_text=True)
    assert "au registre : Forge Numérique SAS" in html
    assert "au registre : Ancienne Manufacture" in html
    assert "au registre : Lyon Logiciel" not in html  # typed as registered


def test_a_partial_diffusion_name_never_appears_in_public(client, checked, redis_client):
    for path in PUBLIC_PATHS:
        for lang in ("fr", "en"):
            response = client.get(
                path.format(slug="saint-etienne"), headers={"Accept-Language": lang}
            )
            assert response.status_code == 200, path
            body = response.get_data(as_text=True)
            assert PARTIAL_NAME not in body, path
            assert "Martine Discrète" not in body, path
    cached = [redis_client.get(key) for key in redis_client.scan_iter(_type="string")]
    assert any(b'"register"' in value for value in cached), "the results were cached"
    assert not [value for value in cached if PARTIAL_NAME.encode() in value]
    assert "Forge Numérique SAS" in client.get("/p/saint-etienne/soutiens").get_data(
        as_text=True
    )  # the scan can see a registered name when one is shown
