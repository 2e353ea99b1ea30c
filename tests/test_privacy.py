"""The privacy notice (RGPD): one per petition with its controller, purpose,
legal basis, retention, recipients, rights and contact; linked from the form
and from every email, whose footer also carries the withdrawal link."""

from petition.extensions import db

from helpers import link_in, mail_html, mail_text, post_signature


def test_notice_names_controller_purpose_basis_retention_recipients_rights(client, petition):
    petition.controller_name = "Ville de Saint-Étienne"
    petition.controller_email = "dpo@saint-etienne.fr"
    petition.retention_days = 180
    db.session.commit()
    html = client.get("/p/saint-etienne/confidentialite").get_data(as_text=True)
    for expected in (
        "Ville de Saint-Étienne",
        "dpo@saint-etienne.fr",
        "Finalité",
        "Base légale",
        "Durée de conservation",
        "180",
        "Destinataires",
        "Vos droits",
        "CNIL",
    ):
        assert expected in html, expected
    english = client.get("/p/saint-etienne/confidentialite?lang=en").get_data(as_text=True)
    assert "Legal basis" in english or "legal basis" in english


def test_notice_is_linked_from_the_form(client, petition):
    html = client.get("/p/saint-etienne").get_data(as_text=True)
    assert 'href="/p/saint-etienne/confidentialite"' in html


def test_every_email_links_the_notice_and_the_withdrawal(
    client, petition, smtp_sink, run_jobs, confirm_via_email
):
    post_signature(client)
    confirm_via_email()
    post_signature(client)  # already signed: the second kind of email
    run_jobs()
    assert len(smtp_sink.messages) == 2
    for message in smtp_sink.messages:
        assert "/p/saint-etienne/confidentialite" in mail_text(message)
        assert "/p/saint-etienne/confidentialite" in mail_html(message)
        assert link_in(message, "/withdraw/")
        assert "/withdraw/" in mail_html(message)
