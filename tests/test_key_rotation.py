"""Rotating SECRET_KEY: the old key moves to SECRET_KEY_FALLBACKS, and what
was signed with it stays valid (a confirmation link already emailed, the
session); export manifests are signed by the attestation key, not SECRET_KEY,
so the rotation leaves them valid; IP hashes are keyed by IP_HASH_KEY, so the
rotation does not change them (petition/tokens.py, addresses.py, keys.py)."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from petition import create_app
from petition.addresses import hash_ip
from petition.extensions import db

from helpers import (
    app_settings,
    csrf_from,
    export,
    link_in,
    login,
    make_organizer,
    post_signature,
)

OLD_KEY = "test-secret-key-0123456789"  # helpers.app_settings's
NEW_KEY = "rotated-secret-key-9876543210"


@pytest.fixture(scope="module")
def attestation_key():
    """One Ed25519 key for the site, whatever its SECRET_KEY."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


@pytest.fixture
def app_overrides(attestation_key):
    return {"ATTESTATION_KEY": attestation_key}


@pytest.fixture
def make_app(database_url, redis_server, smtp_sink):
    """Another process of the same site (same database, Redis, SMTP) with other keys."""
    made = []

    def make(**settings):
        other = create_app(
            app_settings(database_url, redis_server, smtp_sink, WTF_CSRF_ENABLED=True, **settings)
        )
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


def confirm(client, path):
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def test_a_confirmation_link_emailed_before_the_rotation_still_confirms(
    app, client, petition, smtp_sink, run_jobs, make_app
):
    assert app.config["SECRET_KEY"] == OLD_KEY
    post_signature(client)
    run_jobs()
    path = link_in(smtp_sink.messages[-1], "/confirm/")

    without = make_app(SECRET_KEY=NEW_KEY).test_client()
    assert without.get(path).status_code == 400, "without the fallback the link is refused"

    rotated = make_app(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]).test_client()
    done = confirm(rotated, path)
    assert done.status_code == 200
    count = rotated.get("/api/v1/petitions/saint-etienne/count").get_json()
    assert count["signature_count"] == 1


def test_a_session_and_a_manifest_made_before_the_rotation_stay_valid(
    app, client, runner, petition, tmp_path, make_app, attestation_key
):
    make_organizer("se@example.org", [petition])
    login(client, "se@example.org")
    response = export(client)
    manifest = client.get(response.headers["Link"].split(">")[0].lstrip("<")).get_data()
    csv_path, manifest_path = tmp_path / "export.csv", tmp_path / "manifest.json"
    csv_path.write_bytes(response.get_data())
    manifest_path.write_bytes(manifest)
    args = ["petition", "verify-export", str(csv_path), str(manifest_path)]

    other = make_app(SECRET_KEY=NEW_KEY).test_cli_runner().invoke(args=args)
    assert other.exit_code != 0, "another site's attestation key does not vouch for it"
    rotated = make_app(
        SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY], ATTESTATION_KEY=attestation_key
    )
    ok = rotated.test_cli_runner().invoke(args=args)
    assert ok.exit_code == 0 and "OK" in ok.output, "signed by the attestation key: still valid"
    # The organizer's browser keeps its session cookie across the rotation.
    session = client.get_cookie("session")
    browser = rotated.test_client()
    browser.set_cookie("session", session.value, domain=session.domain)
    assert browser.get("/organizer/").status_code == 200


def test_ip_hashes_do_not_change_when_the_secret_key_rotates(app, make_app):
    before = hash_ip("203.0.113.7")
    kept = make_app(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY], IP_HASH_KEY=OLD_KEY)
    with kept.app_context():
        assert hash_ip("203.0.113.7") == before
    unkept = make_app(SECRET_KEY=NEW_KEY)  # IP_HASH_KEY unset: SECRET_KEY keys them
    with unkept.app_context():
        assert hash_ip("203.0.113.7") != before
