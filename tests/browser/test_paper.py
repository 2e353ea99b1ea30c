"""Paper signatures in Chromium (issue 14, "Done when"): the demo organiser
logs in, opens "Signatures sur papier" from the dashboard, records two
signatures collected at an event, and the petition page says "dont 2 sur
papier"; the import form's CSV and the A4 sheet are one click away."""

from playwright.sync_api import expect

from petition.demo import DEMO_ORGANIZER

from helpers import make_organizer


def record(page, ref, first, last, postal_code):
    page.fill("#sheet_ref", ref)
    page.fill("#collected_on", "2026-11-20")  # the native date input's value
    page.fill("#event_name", "Tech Days")
    page.fill("#first_name", first)
    page.fill("#last_name", last)
    page.fill("#postal_code", postal_code)
    page.select_option("#category", "student")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer la signature").click()


def test_the_demo_organiser_records_two_paper_signatures(page, live_server, petition):
    make_organizer(DEMO_ORGANIZER["email"], [petition], password=DEMO_ORGANIZER["password"])
    page.goto(live_server.url + "/organizer/login")
    page.fill("input[name=email]", "organisatrice@example.org")
    page.fill("input[name=password]", "demo-organisatrice")
    with page.expect_navigation():
        page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.goto(live_server.url + "/organizer/petitions/saint-etienne/")
    with page.expect_navigation():
        page.get_by_role("link", name="Signatures sur papier").click()
    expect(page.locator("h1")).to_have_text("Signatures sur papier")
    expect(page.locator("#collected_on")).to_have_attribute("type", "date")

    record(page, "F1-L1", "Louise", "Bernard", "42000")
    expect(page.get_by_role("status").first).to_contain_text("1 signature papier enregistrée.")
    record(page, "f1-l2", "Zoé", "Martin", "42700")
    expect(page.locator("#cap-paper").locator("..")).to_contain_text("F1-L2")
    expect(page.get_by_role("link", name="Feuille de signatures à imprimer (A4)")).to_be_visible()

    page.goto(live_server.url + "/p/saint-etienne")
    expect(page.locator(".counter")).to_contain_text("dont 2 sur papier")
    expect(page.locator(".counter strong")).to_have_text("2")
