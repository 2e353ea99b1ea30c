"""Signed attestations: keys and JWKS, the JSON and the PDF, /verifier, the
offline command (run without Flask), key rotation, and the Ed25519 export
manifest. Each test can fail: a changed byte, a wrong key, a missing key."""

import base64
import hashlib
import io
import json
import re
import subprocess
import sys

import pypdf
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from test_organisation_checks import (
    ACTIVE_SIREN,
    ACTIVE_SIRET,
    CLOSED_SIREN,
    CLOSED_SIRET,
    PARTIAL_NAME,
    PARTIAL_SIREN,
    PARTIAL_SIRET,
    UNKNOWN_SIRET,
    put_register,
)

from petition import create_app, keys
from petition.config import ROOT
from petition.extensions import db
from petition.jobs.organisations import check_due_organisations
from petition.models import Attestation, OrganisationCheck
from petition.services import attestations, exports, moderation, organisation_counts
from petition.verify import canonical, thumbprint

from helpers import add_signature, app_settings, csrf, export, login, make_organizer

ORGANIZER = "orga@example.org"


def _signers(petition):
    add_signature(petition, category="company", siren="73282932000074")
    add_signature(petition, category="company", siren="732829320", commune="Firminy", insee="42095")
    add_signature(petition, category="developer", siren="552100554")
    add_signature(petition, category="student")
    add_signature(petition, state="pending")
    add_signature(petition, state="withdrawn")


@pytest.fixture
def attested(app, petition):
    _signers(petition)
    entry = attestations.create(petition, "test")
    return entry


def _jwks(client):
    return client.get("/.well-known/jwks.json").get_json()


def _offline(tmp_path, document: bytes, jwks, suffix=".json", extra=()):
    """python -m petition.verify in a process where Flask and SQLAlchemy cannot import."""
    doc = tmp_path / f"doc{suffix}"
    doc.write_bytes(document)
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(jwks))
    blocker = (
        "import sys, runpy\n"
        "for name in ('flask', 'sqlalchemy', 'flask_babel', 'itsdangerous', 'werkzeug'):\n"
        "    sys.modules[name] = None\n"
        "sys.argv = ['petition.verify'] + sys.argv[1:]\n"
        "runpy.run_module('petition.verify', run_name='__main__')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", blocker, str(doc), "--keys", str(keys_file), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _upload(client, data, name="attestation.json"):
    """As the page's form sends it, with its CSRF token."""
    return client.post(
        "/verifier",
        data={"document": (io.BytesIO(data), name), "csrf_token": csrf(client, "/verifier")},
        content_type="multipart/form-data",
    )


def _post(client, url="/verifier", **fields):
    return client.post(url, data={"csrf_token": csrf(client, "/verifier"), **fields})


def _changed_total(document: str) -> bytes:
    envelope = json.loads(document)
    envelope["payload"]["verified_total"] += 1
    return json.dumps(envelope, ensure_ascii=False).encode()


# --- keys ---------------------------------------------------------------------


def test_jwks_publishes_the_key_as_rfc_8037_with_its_thumbprint(client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"]
    (key,) = response.get_json()["keys"]
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
    assert key["kid"] == thumbprint(key)
    assert len(key["kid"]) == 43 and "=" not in key["x"]


def test_thumbprint_matches_rfc_8037_appendix_a():
    """RFC 8037 A.3: the thumbprint of its example Ed25519 key."""
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_a_key_comes_from_pem_base64_or_a_file(tmp_path):
    key = Ed25519PrivateKey.generate()
    pem = keys.private_pem(key)
    raw = key.private_bytes_raw()

    for value in (pem.decode(), base64.b64encode(pem).decode(), base64.b64encode(raw).decode()):
        assert keys.parse_private(value, "x").private_bytes_raw() == raw
    path = tmp_path / "k.pem"
    path.write_bytes(pem)
    found = keys.configured_private({"ATTESTATION_KEY_FILE": str(path)})
    assert found.private_bytes_raw() == raw
    with pytest.raises(keys.KeyConfigError, match="ATTESTATION_KEY"):
        keys.parse_private("not a key!", "ATTESTATION_KEY")


def test_flask_keys_generate_writes_a_private_key_never_overwritten(runner, tmp_path):
    path = tmp_path / "attestation.pem"
    result = runner.invoke(args=["keys", "generate", "--output", str(path)])
    assert result.exit_code == 0, result.output
    key = keys.parse_private(path.read_bytes(), "file")
    assert keys.public_jwk_of(key)["kid"] in result.output
    assert path.stat().st_mode & 0o077 == 0, "only its owner reads it"
    again = runner.invoke(args=["keys", "generate", "--output", str(path)])
    assert again.exit_code != 0 and "never overwritten" in again.output


def test_production_refuses_to_start_without_a_key_when_attestations_are_on(
    database_url, redis_server, smtp_sink
):
    settings = app_settings(database_url, redis_server, smtp_sink, APP_ENV="production")
    with pytest.raises(RuntimeError, match="no attestation key is set"):
        create_app(settings)
    with pytest.raises(RuntimeError, match="Attestation key unusable"):
        create_app({**settings, "ATTESTATION_KEY": "garbage!"})
    pem = keys.private_pem(Ed25519PrivateKey.generate()).decode()
    assert create_app({**settings, "ATTESTATION_KEY": pem})
    assert create_app({**settings, "ATTESTATIONS_ENABLED": False})


# --- the attestation ----------------------------------------------------------


def test_the_attestation_states_the_support_and_how_it_was_verified(attested, petition):
    payload = attestations.envelope_of(attested)["payload"]
    assert payload["verified_total"] == attested.verified_total == 4
    assert payload["petition"]["slug"] == "saint-etienne"
    assert "42095" in payload["territory"]["insee_codes"], "Firminy, by its INSEE code"
    row = {"category": "company", "insee": "42095", "commune": "Firminy", "local": True, "count": 1}
    assert row in payload["by_category_commune"]
    assert payload["local_total"] == 4, "every verified signer here is local"
    orgs = payload["organisations_by_status"]
    assert orgs["not_checked"]["count"] == 2, "a SIRET and its SIREN are one organisation"
    assert {"siren": "732829320", "signers": 2} in orgs["not_checked"]["organisations"]
    assert orgs["active"]["count"] == 0
    method = payload["method"]
    assert method["confirmation"] == "email_double_opt_in"
    assert (method["withdrawn"], method["pending_not_counted"]) == (1, 1)
    assert method["email_cap_per_signature"] == 5
    assert payload["export"]["rows"] == 4
    assert payload["platform"]["version"]
    assert payload["verify_url"] == f"http://localhost/verifier?id={attested.id}"


def test_the_export_hash_is_the_csv_written_at_the_same_instant(runner, app, petition, tmp_path):
    _signers(petition)
    result = runner.invoke(args=["petition", "attest", "saint-etienne", "-d", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (json_file,) = tmp_path.glob("*-attestation-*.json")
    (csv_file,) = tmp_path.glob("*.csv")
    payload = json.loads(json_file.read_text())["payload"]
    assert hashlib.sha256(csv_file.read_bytes()).hexdigest() == payload["export"]["sha256"]
    assert list(tmp_path.glob("*-attestation-*.pdf"))


def test_a_moderation_action_is_stated_with_its_reason(app, petition, client):

    _signers(petition)
    add_signature(petition, email_domain="spam.test", email="x@spam.test")
    rule = moderation.Rule(domain="spam.test")
    moderation.invalidate(petition, rule, "Domaine jetable", "test")
    payload = attestations.envelope_of(attestations.create(petition, "test"))["payload"]
    assert payload["method"]["moderation"] == [
        {"action": "invalidate", "reason": "Domaine jetable", "actions": 1, "signatures": 1}
    ]
    assert payload["method"]["invalidated"] == 1
    assert payload["verified_total"] == 4


# --- verifies with the public key alone -----------------------------------------


def test_the_json_verifies_offline_without_flask(attested, client, tmp_path):
    result = _offline(tmp_path, attested.document.encode(), _jwks(client))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"VALID attestation, signed by key {attested.kid}" in result.stdout
    assert "Verified signatures: 4" in result.stdout


def test_a_changed_byte_in_the_json_fails_offline_and_online(attested, client, tmp_path):
    changed = _changed_total(attested.document)
    result = _offline(tmp_path, changed, _jwks(client))
    assert result.returncode == 1
    assert "INVALID: The signature does not match" in result.stdout
    page = _upload(client, changed)
    assert page.status_code == 400
    assert "Non valide" in page.get_data(as_text=True)
    assert "La signature ne correspond pas" in page.get_data(as_text=True)


def test_the_pdf_verifies_offline_and_a_changed_byte_fails(attested, client, tmp_path):
    jwks = _jwks(client)
    ok = _offline(tmp_path, attested.pdf, jwks, ".pdf")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "VALID attestation" in ok.stdout
    middle = len(attested.pdf) // 2
    for at in (middle, attested.pdf.find(b'"verified_total":4') + 18, 200):
        changed = bytearray(attested.pdf)
        changed[at] = ord("5") if changed[at] != ord("5") else ord("6")
        bad = _offline(tmp_path, bytes(changed), jwks, ".pdf")
        assert bad.returncode == 1, at
        assert "INVALID: The PDF was changed" in bad.stdout
        page = _upload(client, bytes(changed), "attestation.pdf")
        assert page.status_code == 400
        assert "Le PDF a été modifié" in page.get_data(as_text=True)


def test_the_verifier_page_says_valid_by_which_key_beside_todays_figures(
    attested, client, petition
):
    page = _upload(client, attested.pdf, "attestation.pdf")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Valide" in text and attested.kid in text
    add_signature(petition)  # today differs from the attestation
    by_id = client.get(f"/verifier?id={attested.id}")
    html = by_id.get_data(as_text=True)
    assert by_id.status_code == 200
    assert re.search(r'id="stated-total">4<', html)
    assert re.search(r'id="live-total">5<', html)
    assert re.search(r'id="stated-local">4<', html) and re.search(r'id="live-local">5<', html)
    alias = _post(client, "/verify", id=attested.id)
    assert alias.status_code == 200 and "Valide" in alias.get_data(as_text=True)


def test_the_verifier_by_id_downloads_the_same_documents(attested, client):
    json_body = client.get(f"/verifier/{attested.id}/attestation.json")
    assert json_body.data == attested.document.encode()
    pdf = client.get(f"/verifier/{attested.id}/attestation.pdf")
    assert pdf.data == attested.pdf
    english = client.get(f"/verifier/{attested.id}/attestation.pdf?lang=en")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(english.data)).pages)
    assert "Verified signatures" in text
    assert _upload(client, english.data, "a.pdf").status_code == 200
    assert client.get("/verifier/nothing-here-123/attestation.pdf").status_code == 404


@pytest.mark.parametrize(
    "data,message",
    [
        (b"\x89PNG\r\n\x1a\n not a document", "ni un document JSON ni une attestation PDF"),
        (b'{"hello": "world"}', "ni une attestation ni un manifeste"),
        (b"[1, 2]", "ni une attestation ni un manifeste"),
        (b"%PDF-1.7\n%%EOF\n", "ne porte pas de signature de cette plateforme"),
        ("é".encode("latin-1"), "ni un document JSON ni une attestation PDF"),
        (b"[" * 100_000, "ni un document JSON ni une attestation PDF"),
    ],
)
def test_bad_uploads_get_a_clear_message(client, data, message):
    page = _upload(client, data)
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)


def test_an_unknown_id_or_nothing_gets_a_clear_message(client, app):
    unknown = _post(client, id="no-such-attestation")
    assert unknown.status_code == 404
    assert "Aucune attestation ne porte cet identifiant" in unknown.get_data(as_text=True)
    empty = _post(client)
    assert empty.status_code == 400
    assert "Choisissez un fichier" in empty.get_data(as_text=True)
    english = _post(client, "/verifier?lang=en", id="x" * 500)
    assert english.status_code == 404
    assert "No attestation has this id" in english.get_data(as_text=True)


def test_a_key_from_elsewhere_is_unknown(attested, client, tmp_path):
    other = {"keys": [keys.public_jwk_of(Ed25519PrivateKey.generate())]}
    result = _offline(tmp_path, attested.document.encode(), other)
    assert result.returncode == 1 and "names a key" in result.stdout


# --- rotation -------------------------------------------------------------------


def test_a_rotated_key_keeps_old_attestations_valid(app, petition, client, tmp_path):
    _signers(petition)
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    app.config["ATTESTATION_KEY"] = keys.private_pem(old).decode()
    app.extensions.pop("attestation_keys", None)
    before = attestations.create(petition, "test")
    old_public = tmp_path / "old.pem"
    old_public.write_bytes(keys.public_pem(old.public_key()))
    # Rotation: a new signing key, the old public key kept published.
    app.config.update(
        ATTESTATION_KEY=keys.private_pem(new).decode(), ATTESTATION_KEYS_DIR=str(tmp_path)
    )
    app.extensions.pop("attestation_keys", None)
    jwks = _jwks(client)
    assert [k["kid"] for k in jwks["keys"]] == [keys.public_jwk_of(new)["kid"], before.kid]
    page = _upload(client, before.pdf, "old.pdf")
    assert page.status_code == 200
    assert "une clé précédente de la plateforme" in page.get_data(as_text=True)
    assert _offline(tmp_path, before.document.encode(), jwks).returncode == 0
    after = attestations.create(petition, "test")
    assert after.kid != before.kid
    # Without the old public key, the old attestation no longer verifies.
    app.config["ATTESTATION_KEYS_DIR"] = None
    app.extensions.pop("attestation_keys", None)
    assert _upload(client, before.pdf, "old.pdf").status_code == 400
    assert _upload(client, after.pdf, "new.pdf").status_code == 200


# --- the PDF parses back ------------------------------------------------------


def test_the_pdf_parses_back_with_the_totals_of_the_json(attested):
    reader = pypdf.PdfReader(io.BytesIO(attested.pdf))
    (embedded,) = reader.attachments["attestation.json"]
    assert embedded == attested.document.encode()
    payload = json.loads(embedded)["payload"]
    text = "".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s", "", text)
    assert f"Signaturesvérifiées:{payload['verified_total']}" in flat
    for row in payload["by_category_commune"]:
        assert row["commune"] in text
    assert payload["export"]["sha256"] in flat
    assert attested.kid in flat
    assert payload["id"] in text


def test_the_pdf_of_a_large_total_writes_it_as_the_json_does(app, petition):
    from petition.services import attestation_pdf

    assert attestation_pdf.number(1234567, "fr") == "1\u00a0234\u00a0567"
    assert attestation_pdf.latin1("Œuvre – l’été…") == "OEuvre - l'été..."


# --- the dashboard button -------------------------------------------------------


def test_the_dashboard_button_makes_an_attestation(app, client, petition):
    _signers(petition)
    make_organizer(ORGANIZER, [petition])
    login(client, ORGANIZER)
    token = csrf(client, "/organizer/petitions/saint-etienne/")
    response = client.post(
        "/organizer/petitions/saint-etienne/attestations", data={"csrf_token": token}
    )
    assert response.status_code == 302
    (entry,) = db.session.scalars(db.select(Attestation)).all()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert entry.id in page and f"/verifier/{entry.id}/attestation.pdf" in page
    assert entry.actor == ORGANIZER


def test_the_button_needs_the_csrf_token_and_the_petition(app, client, petition):
    make_organizer(ORGANIZER, [])
    login(client, ORGANIZER)
    token = csrf(client, "/organizer/")
    other = client.post(
        "/organizer/petitions/saint-etienne/attestations", data={"csrf_token": token}
    )
    assert other.status_code == 404, "not this organizer's petition"
    assert db.session.scalar(db.select(db.func.count()).select_from(Attestation)) == 0


# --- the export manifest, signed the same way -------------------------------------


def test_the_export_manifest_verifies_with_the_public_key_alone(
    app, client, petition, runner, tmp_path
):
    _signers(petition)
    make_organizer(ORGANIZER, [petition])
    login(client, ORGANIZER)
    body = export(client).data
    (entry,) = exports.logs(petition)
    manifest = client.get(
        f"/organizer/petitions/saint-etienne/exports/{entry.id}/manifest.json"
    ).get_json()
    assert manifest["alg"] == "EdDSA" and manifest["kid"] == keys.keyring().kid
    csv_file, manifest_file = tmp_path / "e.csv", tmp_path / "e.manifest.json"
    csv_file.write_bytes(body)
    manifest_file.write_text(json.dumps(manifest))
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(_jwks(client)))
    args = ["petition", "verify-export", str(csv_file), str(manifest_file)]
    ok = runner.invoke(args=[*args, "--keys", str(keys_file)])
    assert ok.exit_code == 0, ok.output
    offline = _offline(
        tmp_path, manifest_file.read_bytes(), _jwks(client), extra=("--csv", str(csv_file))
    )
    assert offline.returncode == 0 and "VALID manifest" in offline.stdout
    keys_file.write_text(json.dumps({"keys": [keys.public_jwk_of(Ed25519PrivateKey.generate())]}))
    wrong = runner.invoke(args=[*args, "--keys", str(keys_file)])
    assert wrong.exit_code != 0 and "key these public keys do not hold" in wrong.output
    csv_file.write_bytes(body + b"x")
    changed = runner.invoke(args=args)
    assert changed.exit_code != 0 and "SHA-256 does not match" in changed.output


def test_an_old_hmac_manifest_still_verifies_with_the_secret(
    app, client, petition, runner, tmp_path
):
    _signers(petition)
    make_organizer(ORGANIZER, [petition])
    login(client, ORGANIZER)
    body = export(client).data
    (entry,) = exports.logs(petition)
    manifest = exports.manifest(entry)
    old = {k: v for k, v in manifest.items() if k not in ("alg", "kid", "signature")}
    old["signature"] = exports._signer().get_signature(canonical(old)).decode()
    csv_file, manifest_file = tmp_path / "e.csv", tmp_path / "e.manifest.json"
    csv_file.write_bytes(body)
    manifest_file.write_text(json.dumps(old))
    args = ["petition", "verify-export", str(csv_file), str(manifest_file)]
    assert runner.invoke(args=args).exit_code == 0
    old["rows"] += 1
    manifest_file.write_text(json.dumps(old))
    assert runner.invoke(args=args).exit_code != 0


def test_a_signed_manifest_rewrapped_as_an_attestation_is_refused(app, client, petition):
    """The same key signs both: a manifest's body must never pass for an attestation."""
    _signers(petition)
    make_organizer(ORGANIZER, [petition])
    login(client, ORGANIZER)
    export(client)
    (entry,) = exports.logs(petition)
    manifest = exports.manifest(entry)
    signature = manifest.pop("signature")
    forged = {"alg": "EdDSA", "format": "petition-attestation/1", "kid": manifest["kid"]}
    forged.update(payload=manifest, signature=signature)
    page = _upload(client, json.dumps(forged).encode())
    assert page.status_code == 400
    assert "ni une attestation ni un manifeste" in page.get_data(as_text=True)


def test_register_statuses_reach_the_json_and_the_pdf(app, petition):
    """The Sirene check's statuses, by distinct SIREN with its best-known one;
    a registered name is stated, never a partial-diffusion unit's."""
    put_register()
    for siren in (ACTIVE_SIRET, CLOSED_SIRET, PARTIAL_SIRET, UNKNOWN_SIRET):
        add_signature(petition, category="company", siren=siren)
    check_due_organisations()
    add_signature(petition, category="company", siren=ACTIVE_SIREN)  # not checked yet
    add_signature(petition, category="company", siren="732829320")  # not checked yet
    entry = attestations.create(petition, "test")
    orgs = attestations.envelope_of(entry)["payload"]["organisations_by_status"]
    assert orgs["active"]["organisations"] == [
        {"siren": ACTIVE_SIREN, "signers": 2, "name": "Forge Numérique SAS"},
        {"siren": PARTIAL_SIREN, "signers": 1},
    ]
    assert orgs["closed"]["organisations"] == [
        {"siren": CLOSED_SIREN, "signers": 1, "name": "Ancienne Manufacture"}
    ]
    assert [o["siren"] for o in orgs["not_found"]["organisations"]] == [UNKNOWN_SIRET[:9]]
    assert orgs["not_checked"]["organisations"] == [{"siren": "732829320", "signers": 1}]
    assert PARTIAL_NAME not in entry.document
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(entry.pdf)).pages)
    assert "Forge Numérique SAS" in text and "Ancienne Manufacture" in text
    assert PARTIAL_NAME not in text
    for siren, status in ((ACTIVE_SIREN, "active"), (CLOSED_SIREN, "fermée")):
        assert re.search(rf"{siren}\s*\S.*?{status}", text, re.S), siren


# --- the counts, from one pass ---------------------------------------------------


def test_the_breakdown_adds_up_to_the_total_and_the_exported_lines(app, petition):
    """Category × commune, the local part and the states come from one grouped
    pass; they must add up to the total, which is the export's line count."""
    _signers(petition)
    add_signature(petition, category="student", commune="Paris", insee="75101", local=False)
    add_signature(petition, category="student", commune="Ailleurs", insee=None, local=None)
    add_signature(petition, category="student", state="invalidated")
    add_signature(petition, state="pending")
    out = io.BytesIO()
    payload = attestations.envelope_of(attestations.create(petition, "test", out))["payload"]
    breakdown = payload["by_category_commune"]
    assert sum(r["count"] for r in breakdown) == payload["verified_total"] == 6
    assert payload["export"]["rows"] == 6
    assert out.getvalue().count(b"\n") == 6 + 1, "one line per signer and the header"
    assert payload["local_total"] == sum(r["count"] for r in breakdown if r["local"]) == 4
    assert {"category": "student", "insee": "75101", "commune": "Paris 1er Arrondissement",
            "local": False, "count": 1} in breakdown  # fmt: skip
    method = payload["method"]
    assert (method["pending_not_counted"], method["withdrawn"], method["invalidated"]) == (2, 1, 1)


def test_the_attested_organisations_are_those_the_full_query_finds(app, petition):
    """The attestation reads only the checked signatures and takes the signers
    per SIREN from its one pass; the result must be what the query over every
    signature gives (services/organisation_counts.py), ties between checks of
    one SIREN included: the first row in the database's order keeps its name."""

    def signed(siren, state="verified"):
        return add_signature(petition, category="company", siren=siren, state=state)

    checks = [  # (siret, status, registered name, partial, naf)
        ("73282932000074", "active", "Beta", False, "62.01Z"),
        ("73282932000082", "active", None, False, "62.02A"),
        ("73282932000090", "active", "Alpha", False, "70.22Z"),
        ("73282932000108", "not_checked", None, False, None),
        ("55210055400013", "not_checked", None, False, None),
        ("55210055400021", "closed", "Fermée", True, "10.71C"),
        ("40483304800022", "not_found", None, False, None),
        ("35600000000048", "not_checked", "Nom provisoire", False, "84.11Z"),
    ]
    for siret, status, name, partial, naf in checks:
        signature = signed(siret)
        db.session.add(
            OrganisationCheck(
                signature_id=signature.id,
                petition_id=petition.id,
                status=status,
                siren=siret[:9],
                siret=siret,
                registered_name=name,
                partial_diffusion=partial,
                naf=naf,
                in_territory=status == "active",
            )
        )
    db.session.commit()
    for siren in ("732829320", "552100554", "356000000"):
        signed(siren)  # not checked yet
    signed("732829320", state="withdrawn")
    signed("", state="verified")
    counted = attestations.tallies(petition.id)
    assert counted.signers_by_siren == {"732829320": 5, "552100554": 3, "404833048": 1,
                                        "356000000": 2}  # fmt: skip
    assert organisation_counts.organisations(
        petition.id, counted.signers_by_siren
    ) == organisation_counts.organisations(petition.id)
    payload = attestations.envelope_of(attestations.create(petition, "test"))["payload"]
    orgs = payload["organisations_by_status"]
    assert [o["siren"] for o in orgs["active"]["organisations"]] == ["732829320"]
    assert orgs["active"]["organisations"][0]["signers"] == 5
    (unchecked,) = orgs["not_checked"]["organisations"]
    assert (unchecked["siren"], unchecked["signers"]) == ("356000000", 2)
    assert "Fermée" not in json.dumps(payload, ensure_ascii=False), "partial diffusion"


def test_the_counts_and_the_export_read_one_snapshot(app, petition):
    """PostgreSQL: a confirmation committed between the counts and the export's
    COPY is in neither, so the attestation states the rows it exported."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("snapshots are shared on PostgreSQL only (SQLite: retried on a difference)")
    _signers(petition)
    with attestations._one_instant() as (reader, snapshot):
        counted = attestations.tallies(petition.id, reader)
        add_signature(petition)  # committed by the session, on another connection
        out = io.BytesIO()
        entry = exports.export_to_file(petition, exports.Filters(), "test", out, snapshot)
    assert entry.rows == counted.verified_total == 4
    assert out.getvalue().count(b"\n") == 4 + 1
