"""The territory's part of the count, kept exact beside the total: moved by the
same guarded updates in the same transactions (confirm, withdraw, moderation
invalidate and restore), repaired by reconciliation, shown by the API."""

from sqlalchemy import select, update

from petition.extensions import db
from petition.models import Petition, Signature
from petition.services import moderation
from petition.services.petitions import parse_territory, save

from helpers import csrf_from, link_in, post_signature, reread

OUTSIDE = "votre soutien sera compté hors territoire"


def metropole():
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


def counts(client, petition):
    stored = reread(Petition, petition.id)
    api = client.get("/api/v1/petitions/saint-etienne/count").get_json()
    assert (api["signature_count"], api["local_count"]) == (
        stored.signature_count,
        stored.local_count,
    ), "the API says what the database holds"
    return stored.signature_count, stored.local_count


def sign_both(client, confirm_via_email):
    paris = post_signature(client, postal_code="75001", email="paris@example.org")
    assert OUTSIDE in client.get(paris.headers["Location"]).get_data(as_text=True)
    confirm_via_email("paris@example.org")
    post_signature(client, postal_code="42100", email="se@example.org")
    confirm_via_email("se@example.org")


def test_paris_counts_in_the_total_not_in_the_local_part(app, client, confirm_via_email):
    petition = metropole()
    post_signature(client, postal_code="75001", email="paris@example.org")
    confirm_via_email("paris@example.org")
    assert counts(client, petition) == (1, 0)
    post_signature(client, postal_code="42100", email="se@example.org")
    confirm_via_email("se@example.org")
    assert counts(client, petition) == (2, 1)
    html = client.get("/p/saint-etienne").get_data(as_text=True)
    assert "soutiens vérifiés, dont" in html and 'data-live="local">1<' in html


def test_withdrawal_moves_both_numbers(app, client, smtp_sink, confirm_via_email):
    petition = metropole()
    sign_both(client, confirm_via_email)
    for email, expected in (("se@example.org", (1, 0)), ("paris@example.org", (0, 0))):
        message = [m for m in smtp_sink.messages if email in m["To"]][-1]
        path = link_in(message, "/withdraw/")
        page = client.get(path)
        client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
        assert counts(client, petition) == expected


def test_moderation_moves_both_numbers_and_restores_them(app, client, confirm_via_email):
    petition = metropole()
    sign_both(client, confirm_via_email)
    local_row = db.session.scalar(select(Signature.id).where(Signature.local.is_(True)))
    action = moderation.invalidate(
        petition, moderation.Rule(signature_id=local_row), "doublon", "test"
    )
    assert counts(client, petition) == (1, 0)
    everyone = moderation.invalidate(petition, moderation.Rule(domain="example.org"), "spam", "t")
    assert counts(client, petition) == (0, 0)
    moderation.restore(petition, everyone.id, "erreur", "test")
    assert counts(client, petition) == (1, 0)
    moderation.restore(petition, action.id, "erreur", "test")
    assert counts(client, petition) == (2, 1)


def test_reconcile_repairs_the_local_part(app, client, runner, confirm_via_email):
    petition = metropole()
    sign_both(client, confirm_via_email)
    db.session.execute(update(Petition).values(local_count=7))
    db.session.commit()
    result = runner.invoke(args=["petition", "reconcile"])
    assert "Repaired saint-etienne: 2 -> 2 (local 7 -> 1)" in result.output
    assert counts(client, petition) == (2, 1)
