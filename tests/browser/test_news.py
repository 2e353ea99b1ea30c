"""News in Chromium: the box ticked on the sign form subscribes, the update
shows on the petition page, and the unsubscribe page's button works."""

from playwright.sync_api import expect
from sqlalchemy import select

from petition.models import Signature

from helpers import csrf_from, link_in, login, make_organizer, reread_all


def test_a_signer_ticks_the_box_reads_the_news_and_unsubscribes(
    live_server, client, petition, page, smtp_sink, run_jobs
):
    page.goto(f"{live_server.url}/p/saint-etienne")
    expect(
        page.get_by_label("Recevoir par e-mail les nouvelles de cette pétition")
    ).not_to_be_checked()
    page.fill("#first_name", "Camille")
    page.fill("#last_name", "Martin")
    page.fill("#email", "camille.martin@example.org")
    page.fill("#postal_code", "42000")
    page.select_option("#category", "developer")
    page.get_by_label("Recevoir par e-mail les nouvelles de cette pétition").check()
    page.check("#consent")
    with page.expect_navigation():
        page.locator("[name=submit]").click()
    run_jobs()
    page.goto(live_server.url + link_in(smtp_sink.messages[-1], "/confirm/"))
    with page.expect_navigation():
        page.get_by_role("button").click()

    make_organizer("orga@example.org", [petition])
    login(client, "orga@example.org")
    news = "/organizer/petitions/saint-etienne/news"
    token = csrf_from(client.get(news).get_data(as_text=True))
    saved = client.post(
        news, data={"title": "Le dossier est déposé", "body": "Merci !", "csrf_token": token}
    )
    update = saved.headers["Location"]
    token = csrf_from(client.get(update).get_data(as_text=True))
    client.post(update + "/send", data={"csrf_token": token})
    run_jobs()

    page.goto(f"{live_server.url}/p/saint-etienne")
    expect(page.get_by_role("heading", name="Nouvelles de la pétition")).to_be_visible()
    expect(page.get_by_role("heading", name="Le dossier est déposé")).to_be_visible()
    message = smtp_sink.messages[-1]
    page.goto(live_server.url + link_in(message, "/unsubscribe/"))
    with page.expect_navigation():
        page.get_by_role("button", name="Je me désinscris").click()
    expect(page.locator("h1")).to_have_text("Vous ne recevrez plus ces nouvelles")
    (signature,) = reread_all(select(Signature))
    assert signature.state == "verified" and signature.news_opt_in is False
