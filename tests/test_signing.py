"""The signing flow end to end: form -> pending row -> queued email -> SMTP ->
link -> button -> verified and counted."""

import re

from sqlalchemy import func, select

from petition.extensions import db
from petition.models import Petition, Signature, SignatureState

from helpers import csrf_from, link_in, mail_html, mail_text, post_signature


def count_of(petition):
    return db.session.scalar(select(Petition.signature_count).where(Petition.id == petition.id))


def shown_count(client, slug="saint-etienne"):
    """The count as the petition page shows it (the counter's live element)."""
    page = client.get(f"/p/{slug}").get_data(as_text=True)
    match = re.search(r'<strong data-live="count">([^<]*)</strong>', page)
    assert match, "no counter on the petition page"
    return match.group(1)


def test_sign_confirm_counts_one(client, petition, smtp_sink, run_jobs):
    response = post_signature(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/p/saint-etienne/merci")
    assert smtp_sink.messages == [], "the web request must not send mail itself"

    assert run_jobs() == 1
    (message,) = smtp_sink.messages
    assert message["To"] == "jeandupont@gmail.com"
    assert "Saint-Étienne French Tech" in message["Subject"]
    assert "Saint-Étienne French Tech" in mail_text(message)
    assert "/confirm/" in mail_html(message)

    path = link_in(message, "/confirm/")
    page = client.get(path)  # what a mail scanner prefetches: confirms nothing
    assert page.status_code == 200
    assert "Je confirme ma signature" in page.get_data(as_text=True)
    assert count_of(petition) == 0
    assert shown_count(client) == "0"

    done = client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert done.status_code == 200
    assert "votre signature est confirmée" in done.get_data(as_text=True)
    assert count_of(petition) == 1
    signature = db.session.scalars(select(Signature)).one()
    assert signature.state == SignatureState.VERIFIED and signature.verified_at

    again = client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert again.status_code == 200, "confirming twice is harmless"
    assert count_of(petition) == 1
    assert shown_count(client) == "1"


def test_same_person_other_spelling_gets_already_signed_email(
    client, petition, smtp_sink, confirm_via_email, run_jobs
):
    post_signature(client, email="jeandupont@gmail.com")
    confirm_via_email()
    smtp_sink.clear()

    response = post_signature(client, email="Jean.Dupont+ft@GMAIL.com", first_name="Jeannot")
    assert response.headers["Location"].endswith("/merci"), "the same page, whatever happened"
    run_jobs()
    (message,) = smtp_sink.messages
    assert "déjà signé" in message["Subject"]
    assert message["To"] == "jeandupont@gmail.com", "sent to the address that signed first"
    assert count_of(petition) == 1
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 1


def test_signing_again_while_pending_resends_confirmation(client, petition, smtp_sink, run_jobs):
    post_signature(client)
    post_signature(client, email="jean.dupont@googlemail.com")
    run_jobs()
    assert len(smtp_sink.messages) == 2
    assert all("Confirmez" in m["Subject"] for m in smtp_sink.messages)
    # Either link confirms the one signature.
    path = link_in(smtp_sink.messages[0], "/confirm/")
    page = client.get(path)
    client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert count_of(petition) == 1


def test_no_more_than_five_emails_per_signature(client, petition, smtp_sink, run_jobs):
    for _ in range(8):
        assert post_signature(client).status_code == 302
    run_jobs()
    assert len(smtp_sink.messages) == 5
    assert db.session.scalars(select(Signature)).one().email_count == 5


def test_email_in_english_when_signed_in_english(client, petition, smtp_sink, run_jobs):
    client.get("/p/saint-etienne?lang=en")
    post_signature(client)
    run_jobs()
    (message,) = smtp_sink.messages
    assert message["Subject"].startswith("Confirm your signature")
    assert "Confirm my signature" in mail_html(message)


def test_commune_derived_from_postal_code(client, petition, run_jobs):
    post_signature(client, postal_code="42700")
    assert db.session.scalars(select(Signature)).one().commune == "Firminy"


def test_commune_chosen_when_given(client, petition):
    post_signature(client, postal_code="42700", commune="42095")
    signature = db.session.scalars(select(Signature)).one()
    assert (signature.commune, signature.insee, signature.local) == ("Firminy", "42095", True)


def test_ip_is_stored_only_as_keyed_hash(client, petition):
    post_signature(client)
    signature = db.session.scalars(select(Signature)).one()
    assert signature.ip_hash and "127.0.0.1" not in signature.ip_hash
    assert len(signature.ip_hash) == 64


def test_job_does_nothing_when_signature_moved_on(app, client, petition, smtp_sink, run_jobs):
    from petition.jobs import signatures

    post_signature(client)
    signature = db.session.scalars(select(Signature)).one()
    signature.state = SignatureState.VERIFIED
    db.session.commit()
    assert signatures.send_confirmation(signature.id) == "skipped"
    assert signatures.send_confirmation(987654) == "skipped"
    assert smtp_sink.messages == []


def test_communes_listed_in_french_alphabetical_order(app):
    from petition.services.petitions import parse_communes, save

    petition = save(
        {"slug": "se", "title": "T", "territory": "X", "goal": 10, "state": "open"},
        parse_communes(
            "Villars:42390;Saint-Priest-en-Jarez:42270;Saint-Étienne:42000;"
            "écully:69130;Firminy:42700"
        ),
    )
    assert petition.commune_names == [  # the official names
        "Écully",
        "Firminy",
        "Saint-Étienne",
        "Saint-Priest-en-Jarez",
        "Villars",
    ]
