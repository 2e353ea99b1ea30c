"""Moderation: preview a rule, invalidate with a reason, the public count
moves down; restore, it moves back. Every action is logged."""

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from petition.extensions import db
from petition.models import ModerationAction, Petition, Signature
from petition.services import moderation

from helpers import add_signature, csrf, login, make_lyon, make_organizer, post_signature, reread


def api_count(client):
    """What the API and the widget read (cached): only counters.changed refreshes it."""
    return client.get("/api/v1/petitions/saint-etienne/count").get_json()["signature_count"]


def public_count(client, petition):
    stored = db.session.scalar(select(Petition.signature_count).where(Petition.id == petition.id))
    verified = (
        db.session.query(Signature).filter_by(petition_id=petition.id, state="verified").count()
    )
    assert stored == verified, "the counter always equals the verified rows"
    return stored


def test_rule_preview_then_invalidate_then_restore_moves_the_public_count(
    client, petition, confirm_via_email, smtp_sink
):
    for i, email in enumerate(["a@spam-domaine.fr", "b@spam-domaine.fr", "real@example.fr"]):
        post_signature(client, email=email, first_name=f"P{i}")
        confirm_via_email(to=email)
        smtp_sink.clear()
    post_signature(client, email="c@spam-domaine.fr")  # pending: also invalidated
    assert public_count(client, petition) == 3
    assert api_count(client) == 3

    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    token = csrf(client, "/organizer/petitions/saint-etienne/moderation")
    rule = {"domain": "spam-domaine.fr", "csrf_token": token}
    preview = client.post("/organizer/petitions/saint-etienne/moderation/preview", data=rule)
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "touchera 3 signatures : 2 vérifiée(s) et 1 en attente" in text
    assert public_count(client, petition) == 3, "a preview changes nothing"
    confirm = client.post("/organizer/petitions/saint-etienne/moderation/confirm", data=rule)
    assert confirm.status_code == 200 and 'name="expected" value="3"' in confirm.get_data(
        as_text=True
    )
    assert public_count(client, petition) == 3, "the confirmation screen changes nothing"

    applied = client.post(
        "/organizer/petitions/saint-etienne/moderation/apply",
        data={**rule, "reason": "Faux comptes", "expected": "3"},
    )
    assert applied.status_code == 303
    assert public_count(client, petition) == 1
    assert api_count(client) == 1, "the API and widget follow"
    action = db.session.scalars(select(ModerationAction)).one()
    assert (action.actor, action.action, action.reason, action.rows) == (
        "se@example.org",
        "invalidate",
        "Faux comptes",
        3,
    )
    assert json.loads(action.rule) == {"domain": "spam-domaine.fr"}
    log_page = client.get("/organizer/petitions/saint-etienne/moderation").get_data(as_text=True)
    assert "Faux comptes" in log_page and "spam-domaine.fr" in log_page

    restored = client.post(
        f"/organizer/petitions/saint-etienne/moderation/{action.id}/restore",
        data={"reason": "Erreur", "csrf_token": token},
    )
    assert restored.status_code == 303
    assert public_count(client, petition) == 3
    assert api_count(client) == 3
    states = sorted(s.state for s in db.session.scalars(select(Signature)))
    assert states == ["pending", "verified", "verified", "verified"]
    again = moderation.history(petition)
    assert [a.action for a in again] == ["restore", "invalidate"] and again[0].rows == 3


def test_one_signature_invalidated_and_restored(client, petition):
    signature = add_signature(petition, first_name="Robot", last_name="Bot")
    add_signature(petition)
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    page = client.get("/organizer/petitions/saint-etienne/moderation?q=robot")
    assert "Robot Bot" in page.get_data(as_text=True)
    token = csrf(client, "/organizer/petitions/saint-etienne/moderation")
    base = f"/organizer/petitions/saint-etienne/signatures/{signature.id}"
    assert (
        client.post(
            base + "/invalidate", data={"reason": "Doublon", "csrf_token": token}
        ).status_code
        == 303
    )
    assert public_count(client, petition) == 1
    signature = reread(Signature, signature.id)
    assert signature.state == "invalidated" and signature.invalidation_reason == "Doublon"
    missing = client.post(base + "/restore", data={"reason": "", "csrf_token": token})
    assert missing.status_code == 303 and public_count(client, petition) == 1
    assert (
        client.post(base + "/restore", data={"reason": "Vérifié", "csrf_token": token}).status_code
        == 303
    )
    assert public_count(client, petition) == 2


def test_rules_by_ip_time_window_and_name_pattern(app, petition):
    now = datetime.now(UTC)
    add_signature(petition, ip_hash="b" * 64, first_name="Jean", last_name="Test")
    add_signature(petition, first_name="Marie", last_name="Curie", days_ago=3)
    add_signature(petition, first_name="100%_x", last_name="y")
    assert moderation.preview(petition, moderation.Rule(ip_hash="b" * 64))["verified"] == 1
    window = moderation.Rule(since=now - timedelta(days=4), until=now - timedelta(days=2))
    assert moderation.preview(petition, window)["verified"] == 1
    assert moderation.preview(petition, moderation.Rule(name_pattern="*TEST*"))["verified"] == 1
    assert moderation.preview(petition, moderation.Rule(name_pattern="100%*"))["verified"] == 1
    assert moderation.preview(petition, moderation.Rule(name_pattern="1*"))["verified"] == 1
    assert moderation.preview(petition, moderation.Rule(name_pattern="%"))["verified"] == 0


def test_bad_rules_get_clear_messages_and_change_nothing(client, petition):
    add_signature(petition)
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    token = csrf(client, "/organizer/petitions/saint-etienne/moderation")
    url = "/organizer/petitions/saint-etienne/moderation/apply"
    cases = [
        ({"reason": "x"}, "au moins un critère"),
        ({"domain": "example.org"}, "Indiquez la raison"),
        ({"since": "hier", "reason": "x"}, "Date invalide"),
        (
            {"since": "2026-05-02T00:00", "until": "2026-05-01T00:00", "reason": "x"},
            "La fin de la période",
        ),
    ]
    for data, words in cases:
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 400, data
        assert words in response.get_data(as_text=True), data
    english = client.post(url + "?lang=en", data={"reason": "x", "csrf_token": token})
    assert "at least one criterion" in english.get_data(as_text=True)
    assert public_count(client, petition) == 1
    assert db.session.scalars(select(ModerationAction)).all() == []


def test_restore_of_another_petition_action_is_refused(client, petition):
    lyon = make_lyon()
    add_signature(lyon, email_domain="x.test")
    action = moderation.invalidate(lyon, moderation.Rule(domain="x.test"), "spam", "cli")
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    token = csrf(client, "/organizer/petitions/saint-etienne/moderation")
    response = client.post(
        f"/organizer/petitions/saint-etienne/moderation/{action.id}/restore",
        data={"reason": "x", "csrf_token": token},
        follow_redirects=True,
    )
    assert "introuvable" in response.get_data(as_text=True)
    assert reread(Petition, lyon.id).signature_count == 0
