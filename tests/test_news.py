"""News to signers: the opt-in at signing (off by default, apart from
consent), an organizer's update (sanitised Markdown, preview, test send),
the sending to opted-in verified signers with RFC 8058 one-click unsubscribe,
progress and cancellation on the dashboard, and the updates on the public page.
(The crash-safety of the sending, with a real worker killed: test_news_worker.py.)"""

import re
from html import unescape

import pytest
from sqlalchemy import select

from petition import create_app
from petition.extensions import db
from petition.jobs import DEFAULT_QUEUE, QUEUES, AppJob, queue
from petition.jobs.news import resume_sending
from petition.links import withdraw_token
from petition.models import DeliveryState, PetitionUpdate, Signature, UpdateDelivery
from petition.services import organizers

from helpers import (
    JobWorker,
    add_signature,
    app_settings,
    csrf_from,
    link_in,
    login,
    mail_html,
    mail_text,
    make_organizer,
    post_signature,
    reread,
    reread_all,
)

ORGANIZER = "orga@example.org"


@pytest.fixture
def app_overrides():
    return {"NEWS_BATCH_SIZE": 2, "NEWS_BATCH_INTERVAL": 0}


@pytest.fixture
def organizer(petition):
    return make_organizer(ORGANIZER, [petition])


@pytest.fixture
def orga(client, organizer):
    login(client, ORGANIZER)
    return client


def page_of(response):
    return unescape(response.get_data(as_text=True))


def post_form(client, url, **data):
    page = client.get(url)
    data["csrf_token"] = csrf_from(page.get_data(as_text=True))
    return client.post(url, data=data)


def write_update(client, title="Le dossier est déposé", body="Merci **à tous** !"):
    response = post_form(client, "/organizer/petitions/saint-etienne/news", title=title, body=body)
    assert response.status_code == 303, page_of(response)[:3000]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def press(client, update_id, action):
    url = f"/organizer/petitions/saint-etienne/news/{update_id}"
    return post_form(client, url) if action is None else _press(client, url, action)


def _press(client, url, action):
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(f"{url}/{action}", data={"csrf_token": token})


def news_mail(smtp_sink):
    return [m for m in smtp_sink.messages if m["Subject"].startswith(("Nouvelles", "News"))]


# --- the opt-in ----------------------------------------------------------------


def test_the_news_box_is_unchecked_and_apart_from_consent(client, petition):
    page = client.get("/p/saint-etienne").get_data(as_text=True)
    box = re.search(r"<input[^>]*name=\"news\"[^>]*>", page).group(0)
    assert 'type="checkbox"' in box and "checked" not in box
    assert "nouvelles de cette pétition" in page


def test_signing_subscribes_only_who_ticks_the_box(client, petition):
    post_signature(client, email="sans@example.org")
    post_signature(client, email="avec@example.org", news="y")
    rows = {s.email: s.news_opt_in for s in reread_all(select(Signature))}
    assert rows == {"sans@example.org": False, "avec@example.org": True}


def test_the_news_box_without_consent_signs_nothing(client, petition):
    response = post_signature(client, consent=None, news="y")
    assert response.status_code == 400
    assert "Votre accord est nécessaire" in page_of(response)
    assert reread_all(select(Signature)) == []


def test_withdrawal_clears_the_opt_in(client, petition, confirm_via_email, smtp_sink):
    post_signature(client, news="y")
    confirm_via_email()
    path = link_in(smtp_sink.messages[-1], "/withdraw/")
    page = client.get(path)
    client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    (signature,) = reread_all(select(Signature))
    assert signature.state == "withdrawn" and signature.news_opt_in is False


# --- writing -------------------------------------------------------------------


def test_preview_shows_sanitised_markdown_and_stores_nothing(orga, petition):
    response = post_form(
        orga,
        "/organizer/petitions/saint-etienne/news",
        title="Essai",
        body="**gras** <script>alert(1)</script> [lien](javascript:alert(1))",
        preview="Prévisualiser",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    preview = html[html.index('id="h-preview"') :].split("</section>")[0]
    assert "<strong>gras</strong>" in preview
    assert "<script>alert" not in preview and "&lt;script&gt;" in preview
    assert 'href="javascript' not in preview
    assert db.session.scalars(select(PetitionUpdate)).all() == []


def test_an_empty_update_is_refused_with_its_message(orga, petition):
    response = post_form(orga, "/organizer/petitions/saint-etienne/news", title="", body="")
    assert response.status_code == 400
    page = page_of(response)
    assert "Indiquez le titre." in page and "Écrivez le message." in page


def test_another_petitions_organizer_sees_nothing(orga, app, petition):
    update_id = write_update(orga)
    make_organizer("autre@example.org")
    client = app.test_client()
    login(client, "autre@example.org")
    assert client.get("/organizer/petitions/saint-etienne/news").status_code == 404
    assert client.get(f"/organizer/petitions/saint-etienne/news/{update_id}").status_code == 404
    assert client.get("/organizer/petitions/saint-etienne/news/99999999999").status_code == 404


def test_test_send_goes_to_the_organizer_only(orga, petition, run_jobs, smtp_sink):
    add_signature(petition, news_opt_in=True)
    update_id = write_update(orga)
    response = press(orga, update_id, "test")
    assert response.status_code == 303
    run_jobs()
    (message,) = smtp_sink.messages
    assert message["To"] == ORGANIZER and message["Subject"].startswith("[Test]")
    assert "<strong>à tous</strong>" in mail_html(message)
    assert reread(PetitionUpdate, update_id).state == "draft"


# --- sending -------------------------------------------------------------------


def test_sending_reaches_opted_in_verified_signers_once_with_rfc8058_headers(
    orga, client, petition, run_jobs, smtp_sink
):
    wanted = [add_signature(petition, news_opt_in=True).email for _ in range(5)]
    add_signature(petition, news_opt_in=False)
    add_signature(petition, state="pending", news_opt_in=True)
    add_signature(petition, state="invalidated", news_opt_in=True)
    update_id = write_update(orga)
    response = press(orga, update_id, "send")
    shown = page_of(orga.get(response.headers["Location"]))
    assert "5 signataires la recevront" in shown, shown[shown.find("<main") :]
    assert press(orga, update_id, "send").status_code == 303  # a second click sends nothing more
    run_jobs()
    messages = news_mail(smtp_sink)
    assert sorted(m["To"] for m in messages) == sorted(wanted)
    for message in messages:
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = re.fullmatch(r"<(http://localhost/unsubscribe/[^>\s]+)>", message["List-Unsubscribe"])
        assert url, message["List-Unsubscribe"]
        assert "/withdraw/" in mail_text(message) and url.group(1) in mail_text(message)
    assert reread(PetitionUpdate, update_id).state == "sent"
    dashboard = page_of(orga.get("/organizer/petitions/saint-etienne/"))
    assert "Le dossier est déposé" in dashboard and "Envoyée" in dashboard


def test_one_click_unsubscribe_needs_no_login_nor_csrf(orga, app, petition, run_jobs, smtp_sink):
    signature = add_signature(petition, news_opt_in=True)
    press(orga, write_update(orga), "send")
    run_jobs()
    (message,) = news_mail(smtp_sink)
    path = message["List-Unsubscribe"].strip("<>").removeprefix("http://localhost")
    anonymous = app.test_client()
    page = anonymous.get(path)
    assert page.status_code == 200 and "Je me désinscris" in page_of(page)
    assert reread(Signature, signature.id).news_opt_in is True, "opening is not unsubscribing"
    response = anonymous.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "Vous ne recevrez plus" in page_of(response)
    assert reread(Signature, signature.id).news_opt_in is False
    assert anonymous.post(path).status_code == 200, "twice is harmless"
    (delivery,) = reread_all(select(UpdateDelivery))
    assert delivery.unsubscribed_at is not None
    dashboard = page_of(orga.get("/organizer/petitions/saint-etienne/"))
    assert re.search(r"Désinscrits depuis cet e-mail</dt><dd>1<", dashboard)

    press(orga, write_update(orga, title="Deuxième"), "send")
    run_jobs()
    assert len(news_mail(smtp_sink)) == 1, "nothing more after unsubscribing"


@pytest.mark.parametrize("token", ["nope", "x" * 300, "eyJzIjoxfQ.bad.sig"])
def test_a_bad_unsubscribe_link_gets_a_page_not_an_error(client, petition, token):
    for method in (client.get, client.post):
        response = method(f"/unsubscribe/{token}")
        assert response.status_code == 400
        assert "Ce lien n’est pas valide" in page_of(response)


def test_a_signer_who_leaves_during_the_sending_gets_nothing(orga, petition, app, smtp_sink):
    stays = add_signature(petition, news_opt_in=True)
    leaves = add_signature(petition, news_opt_in=True)
    press(orga, write_update(orga), "send")
    path = "/withdraw/" + withdraw_token(leaves)
    withdrawn = orga.post(
        path, data={"csrf_token": csrf_from(orga.get(path).get_data(as_text=True))}
    )
    assert "Votre signature a été retirée" in page_of(withdrawn)
    drain(app)
    assert [m["To"] for m in news_mail(smtp_sink)] == [stays.email]
    states = {d.signature_id: d.state for d in reread_all(select(UpdateDelivery))}
    assert states == {stays.id: DeliveryState.SENT, leaves.id: DeliveryState.SKIPPED}


def drain(app, max_jobs=None):
    """Run the queued jobs (at most `max_jobs`) as worker.py does."""
    worker = JobWorker(list(QUEUES), connection=app.extensions["redis"], job_class=AppJob, app=app)
    worker.work(burst=True, with_scheduler=False, max_jobs=max_jobs)


def test_cancel_while_sending_stops_the_rest(orga, petition, app, smtp_sink):
    for _ in range(6):
        add_signature(petition, news_opt_in=True)
    update_id = write_update(orga)
    press(orga, update_id, "send")
    drain(app, max_jobs=1)  # the first batch: NEWS_BATCH_SIZE = 2
    assert len(news_mail(smtp_sink)) == 2
    page = page_of(orga.get(f"/organizer/petitions/saint-etienne/news/{update_id}"))
    assert "En cours d’envoi" in page and "Annuler l’envoi" in page
    response = press(orga, update_id, "cancel")
    assert "Envoi annulé" in page_of(orga.get(response.headers["Location"]))
    drain(app)
    assert len(news_mail(smtp_sink)) == 2, "nothing after the cancellation"
    assert reread(PetitionUpdate, update_id).state == "cancelled"
    page = page_of(orga.get(f"/organizer/petitions/saint-etienne/news/{update_id}"))
    assert re.search(r"Envoyés</dt><dd>2<", page) and re.search(r"En attente</dt><dd>4<", page)
    again = press(orga, update_id, "cancel")
    assert "rien à annuler" in page_of(orga.get(again.headers["Location"]))


# --- the public page -----------------------------------------------------------


def test_the_page_lists_sent_updates_newest_first_without_personal_data(
    orga, client, petition, run_jobs
):
    add_signature(petition, news_opt_in=True, first_name="Secrète", email="secret@example.org")
    first = write_update(orga, title="Première nouvelle")
    press(orga, first, "send")
    write_update(orga, title="Brouillon caché")
    second = write_update(orga, title="Seconde nouvelle")
    press(orga, second, "send")
    run_jobs()
    page = page_of(client.get("/p/saint-etienne"))
    assert page.index("Seconde nouvelle") < page.index("Première nouvelle")
    assert "Brouillon caché" not in page
    assert "Secrète" not in page and "secret@example.org" not in page and ORGANIZER not in page


def test_an_english_signer_gets_the_news_and_its_page_in_english(
    orga, app, petition, run_jobs, smtp_sink
):
    add_signature(petition, news_opt_in=True, locale="en")
    press(orga, write_update(orga), "send")
    run_jobs()
    (message,) = news_mail(smtp_sink)
    assert message["Subject"] == "News: Le dossier est déposé"
    assert "Stop receiving this news:" in mail_text(message)
    path = message["List-Unsubscribe"].strip("<>").removeprefix("http://localhost")
    page = app.test_client().get(path, headers={"Accept-Language": "en"})
    assert "Unsubscribe me" in page_of(page)
    english = app.test_client().get("/p/saint-etienne", headers={"Accept-Language": "en"})
    assert "Receive news about this petition by email (optional)" in page_of(english)
    assert "News from the petition" in page_of(english)


def test_the_demo_loads_a_demo_organizer_outside_production_only(
    app, runner, database_url, redis_server, smtp_sink
):
    result = runner.invoke(args=["petition", "demo"])
    assert result.exit_code == 0 and "Demo organizer: organisatrice@example.org" in result.output
    assert runner.invoke(args=["petition", "demo"]).exit_code == 0, "idempotent"
    demo = organizers.find("organisatrice@example.org")
    assert [p.slug for p in demo.petitions] == ["saint-etienne"] and not demo.is_admin
    db.session.delete(demo)
    db.session.commit()

    production = create_app(
        app_settings(
            database_url,
            redis_server,
            smtp_sink,
            APP_ENV="production",
            SECRET_KEY="p" * 32,
            ATTESTATIONS_ENABLED=False,
        )
    )
    result = production.test_cli_runner().invoke(args=["petition", "demo"])
    assert result.exit_code == 0 and "no demo organizer" in result.output
    assert organizers.find("organisatrice@example.org") is None


def test_a_sending_whose_batches_redis_lost_is_resumed_by_the_chore(
    orga, app, petition, smtp_sink, redis_client
):
    for _ in range(3):
        add_signature(petition, news_opt_in=True)
    update_id = write_update(orga)
    press(orga, update_id, "send")
    queue(DEFAULT_QUEUE).enqueue_call(resume_sending)
    drain(app)
    assert len(news_mail(smtp_sink)) == 3, "the chain was there: nothing resumed twice"

    press(orga, write_update(orga, title="Deuxième"), "send")
    redis_client.flushall()  # the batches are lost
    chore = queue(DEFAULT_QUEUE).enqueue_call(resume_sending)
    drain(app)
    assert chore.return_value(refresh=True) == {"resumed": 1}
    assert len(news_mail(smtp_sink)) == 6
    assert [u.state for u in reread_all(select(PetitionUpdate))] == ["sent", "sent"]


def test_refusals_for_good_are_counted_and_temporary_ones_retried(orga, app, petition, smtp_sink):
    refused = add_signature(petition, news_opt_in=True)
    later = add_signature(petition, news_opt_in=True)
    update_id = write_update(orga)
    press(orga, update_id, "send")
    smtp_sink.refuse_next(1, f"550 5.1.1 <{refused.email}> unknown user")
    drain(app)
    assert [m["To"] for m in news_mail(smtp_sink)] == [later.email]
    errors = {d.signature_id: (d.state, d.error) for d in reread_all(select(UpdateDelivery))}
    assert errors[refused.id] == ("failed", "550 refused"), "the code, never the address"

    again = add_signature(petition, news_opt_in=True)
    second = write_update(orga, title="Deuxième")
    press(orga, second, "send")
    smtp_sink.refuse_next(1, "451 4.3.0 Try again later")
    drain(app)
    assert [m["To"] for m in news_mail(smtp_sink)][-3:].count(again.email) == 1
    page = page_of(orga.get(f"/organizer/petitions/saint-etienne/news/{update_id}"))
    assert re.search(r"Échecs</dt><dd>1<", page) and re.search(r"Envoyés</dt><dd>1<", page)
