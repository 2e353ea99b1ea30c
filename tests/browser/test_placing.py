"""The sign form proposes the communes of a postal code as the signer types, and
says before the submit when a commune lies outside the territory."""

import pytest
from playwright.sync_api import expect

from petition.services.petitions import parse_territory, save


@pytest.fixture
def metropole(app):
    return save(
        {
            "slug": "saint-etienne",
            "title": "Saint-Étienne",
            "territory": "Saint-Étienne Métropole",
            "goal": 100,
            "state": "open",
        },
        parse_territory(epcis="244200770"),
    )


def test_communes_are_proposed_as_the_signer_types(live_server, metropole, page):
    page.goto(f"{live_server.url}/p/saint-etienne")
    select = page.locator("select[name=commune]")
    notice = page.locator("#place-notice")
    expect(page.locator("#commune-field")).to_be_hidden()
    page.fill("input[name=postal_code]", "42160")  # Andrézieux-Bouthéon, Bonson, Saint-Cyprien
    expect(page.locator("#commune-field")).to_be_visible()
    expect(select.locator("option")).to_have_count(4)
    select.select_option("42022")  # Bonson: outside the métropole
    expect(notice).to_contain_text("votre soutien sera compté hors territoire")
    select.select_option("42005")  # Andrézieux-Bouthéon: inside
    expect(notice).to_have_text("")
    page.fill("input[name=postal_code]", "75001")  # one commune, outside: said at once
    expect(page.locator("#commune-field")).to_be_hidden()
    expect(notice).to_contain_text("hors territoire")
    page.fill("input[name=postal_code]", "42100")
    expect(notice).to_have_text("")
    expect(select).to_have_value("42218")
