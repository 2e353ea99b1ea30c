"""Soft signals and the organizer's abuse panel: bursts from one IP hash or
one email domain are flagged (never refused), the dashboard shows flags,
trends of the last hour, permanent email failures and event windows, and an
organizer invalidates a burst in bulk. Disposable domains, URL names and the
honeypot are refused or ignored."""

import re

import pytest
from sqlalchemy import func, select

from petition.extensions import db
from petition.models import EventWindow, Petition, Signature, SignatureState

from helpers import (
    csrf_from,
    login,
    make_lyon,
    make_organizer,
    post_signature,
    reread,
    sign_data,
)


@pytest.fixture
def app_overrides():
    return {"ABUSE_IP_BURST": 5, "ABUSE_DOMAIN_BURST": 4}


def flagged_count():
    return db.session.scalar(
        select(func.count()).select_from(Signature).where(Signature.flagged.is_(True))
    )


@pytest.fixture
def organizer_client(app, petition):
    make_organizer("orga@ville.fr", [petition])
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert login(client, "orga@ville.fr").status_code == 302
    return client


def test_burst_from_one_ip_is_flagged_not_refused(client, petition):
    for i in range(4):
        assert post_signature(client, email=f"p{i}@gmail.com").status_code == 302
    assert flagged_count() == 0
    assert post_signature(client, email="p5@gmail.com").status_code == 302
    assert flagged_count() == 5, "the whole burst is flagged for review"


def test_burst_from_one_domain_is_flagged_across_ips(app, petition):
    for i in range(4):
        c = app.test_client()
        c.environ_base["REMOTE_ADDR"] = f"192.0.2.{i + 1}"
        assert post_signature(c, email=f"p{i}@bot-farm.example").status_code == 302
    assert flagged_count() == 4


def test_burst_is_flagged_when_redis_goes_down_in_the_middle(app, petition, redis_server):
    """Redis keeps the burst counters that spare the SQL count; without them
    the database decides alone, and a burst is still flagged."""
    for i in range(3):
        c = app.test_client()
        c.environ_base["REMOTE_ADDR"] = f"192.0.2.{i + 1}"
        assert post_signature(c, email=f"p{i}@bot-farm.example").status_code == 302
    assert flagged_count() == 0
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    page = c.get("/p/saint-etienne")
    data = sign_data(email="p4@bot-farm.example")
    data["csrf_token"] = csrf_from(page.get_data(as_text=True))
    redis_server.stop()
    try:
        assert c.post("/p/saint-etienne", data=data).status_code == 302
    finally:
        redis_server.start()
    assert flagged_count() == 4


def test_big_webmail_domains_are_not_a_signal(app, petition):
    for i in range(6):
        c = app.test_client()
        c.environ_base["REMOTE_ADDR"] = f"192.0.2.{i + 1}"
        post_signature(c, email=f"p{i}@gmail.com")
    assert flagged_count() == 0


def test_dashboard_shows_flags_trends_and_permanent_failures(
    client, organizer_client, petition, smtp_sink, run_jobs
):
    smtp_sink.refuse_next(1, "550 5.1.1 No such user")
    for i in range(5):
        post_signature(client, email=f"p{i}@bot-farm.example")
    run_jobs()
    page = organizer_client.get("/organizer/petitions/saint-etienne/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Protection contre les abus" in html
    assert "Signatures signalées pour vérification" in html
    assert "bot-farm.example" in html
    assert "E-mails refusés définitivement" in html
    assert re.search(r'class="mail-failure"><td>p0@bot-farm.example</td><td>550', html), (
        "the permanent failure is shown with its address and code"
    )


def test_bulk_invalidation_of_a_trending_domain(
    client, organizer_client, petition, confirm_via_email
):
    post_signature(client, email="real@gmail.com")
    confirm_via_email()
    for i in range(5):
        post_signature(client, email=f"p{i}@bot-farm.example")
    page = organizer_client.get("/organizer/petitions/saint-etienne/protection")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="Rafale suspecte"' not in html, "no reason is typed for the organizer"
    (since,) = re.findall(r'name="since" value="([^"]+)"', html)[:1]
    rule = {
        "csrf_token": csrf_from(html),
        "domain": "bot-farm.example",
        "since": since,
    }
    base = "/organizer/petitions/saint-etienne/moderation"
    preview = organizer_client.post(base + "/preview", data=rule)
    assert "touchera 5 signatures" in preview.get_data(as_text=True)
    assert organizer_client.post(base + "/confirm", data=rule).status_code == 200
    response = organizer_client.post(
        base + "/apply", data={**rule, "expected": "5", "reason": "Rafale suspecte"}
    )
    assert response.status_code == 303
    statuses = dict(
        db.session.execute(
            select(Signature.email_domain, func.count())
            .where(Signature.state == SignatureState.INVALIDATED)
            .group_by(Signature.email_domain)
        ).all()
    )
    assert statuses == {"bot-farm.example": 5}
    assert reread(Petition, petition.id).signature_count == 1


def test_organizer_opens_and_closes_an_event_window(organizer_client, petition):
    page = organizer_client.get("/organizer/petitions/saint-etienne/protection")
    token = csrf_from(page.get_data(as_text=True))
    response = organizer_client.post(
        "/organizer/petitions/saint-etienne/event-windows",
        data={"csrf_token": token, "label": "Meetup <b>FT</b>", "hours": "3", "scope": "here"},
    )
    assert response.status_code == 302
    window = db.session.scalars(select(EventWindow)).one()
    assert window.ip_hash and window.label == "Meetup <b>FT</b>"
    html = organizer_client.get("/organizer/petitions/saint-etienne/protection").get_data(
        as_text=True
    )
    assert "Meetup &lt;b&gt;FT&lt;/b&gt;" in html and "?event=" in html
    qr = organizer_client.get(
        f"/organizer/petitions/saint-etienne/event-windows/{window.id}/qr.svg"
    )
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    closed = organizer_client.post(
        f"/organizer/petitions/saint-etienne/event-windows/{window.id}/close",
        data={"csrf_token": token},
    )
    assert closed.status_code == 302
    assert not reread(EventWindow, window.id).is_active()


def test_event_window_form_errors_are_clear(organizer_client, petition):
    page = organizer_client.get("/organizer/petitions/saint-etienne/protection?lang=en")
    token = csrf_from(page.get_data(as_text=True))
    response = organizer_client.post(
        "/organizer/petitions/saint-etienne/event-windows?lang=en",
        data={"csrf_token": token, "hours": "100", "scope": "ip", "ip": "999.1.1.1"},
    )
    assert response.status_code == 400
    assert "between 1 and 24 hours" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(EventWindow)) == 0


def test_protection_pages_need_the_right_organizer(app, petition):
    anonymous = app.test_client()
    response = anonymous.get("/organizer/petitions/saint-etienne/protection")
    assert response.status_code == 302 and "/organizer/login" in response.headers["Location"]
    lyon = make_lyon()
    make_organizer("lyon@ville.fr", [lyon])
    other = app.test_client()
    login(other, "lyon@ville.fr")
    assert other.get("/organizer/petitions/saint-etienne/protection").status_code == 404


@pytest.mark.parametrize("address", ["someone@mailinator.com", "x@sub.yopmail.com"])
def test_disposable_addresses_are_refused_with_a_clear_message(client, petition, address):
    response = post_signature(client, email=address)
    assert response.status_code == 400
    assert "adresses e-mail jetables ne sont pas acceptées" in response.get_data(as_text=True)
    client.get("/p/saint-etienne?lang=en")
    english = post_signature(client, email=address)
    assert "Disposable email addresses are not accepted" in english.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 0


def test_names_with_urls_are_refused(client, petition):
    response = post_signature(client, first_name="Visit http://spam.example")
    assert response.status_code == 400
    assert "adresse web" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 0


def test_honeypot_filled_stores_nothing_and_looks_the_same(client, petition, smtp_sink, run_jobs):
    response = post_signature(client, website="http://bot.example")
    assert response.status_code == 302 and response.headers["Location"].endswith("/merci")
    run_jobs()
    assert smtp_sink.messages == []
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 0
