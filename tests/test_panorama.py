"""The panorama: opt-in profiles of organisations, the directory, its data.

Register checks are made directly here (the worker that fills them belongs to
the register check); everything else goes through pages, links and services.
"""

import csv
import io
import json
import re

from sqlalchemy import select

from petition import links
from petition.extensions import db
from petition.models import (
    AuditEvent,
    OrganisationCheck,
    OrganisationProfile,
)
from petition.services import panorama, withdrawal
from petition.services.moderation import Rule, invalidate

from helpers import (
    add_signature,
    checked_signer,
    csrf_from,
    login,
    make_organizer,
    publish_profile,
    publish_url,
    reread,
)


def panorama_text(client, slug="saint-etienne"):
    response = client.get(f"/p/{slug}/panorama")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def everywhere(client):
    """The panorama page, map, JSON and CSV, as text."""
    return {
        "page": panorama_text(client),
        "map": client.get("/p/saint-etienne/carte.svg").get_data(as_text=True),
        "json": client.get("/api/v1/petitions/saint-etienne/panorama").get_data(as_text=True),
        "csv": client.get("/api/v1/petitions/saint-etienne/panorama.csv").get_data(as_text=True),
    }


def test_an_organisation_appears_only_after_its_signer_opts_in(app, client, petition):
    signature = checked_signer(petition)
    assert "ACME" not in panorama_text(client)
    response = publish_profile(client, app, signature)
    assert response.status_code == 200
    for where, body in everywhere(client).items():
        assert "ACME NUMÉRIQUE" in body, where
    page = panorama_text(client)
    assert "Logiciels pour les collectivités." in page
    assert 'href="https://acme.example.fr" rel="nofollow ugc noopener"' in page
    assert "1 organisation, dont 1 entreprise active au registre" in page
    # no personal data: the signer's names and address appear nowhere
    for body in everywhere(client).values():
        assert signature.first_name not in body and signature.email not in body


def test_the_confirmation_page_offers_the_link_only_to_an_eligible_signer(app, client, petition):
    from petition.services.signing import Confirmation, ConfirmOutcome

    signature = checked_signer(petition)
    other = add_signature(petition)
    with app.test_request_context():
        from flask import render_template

        offered = render_template(
            "confirm.html", found=Confirmation(ConfirmOutcome.ALREADY, signature, petition)
        )
        plain = render_template(
            "confirm.html", found=Confirmation(ConfirmOutcome.ALREADY, other, petition)
        )
    assert "/organisation/" in offered
    assert "/organisation/" not in plain


def test_pending_closed_or_partial_signers_cannot_publish(app, client, petition):
    pending = checked_signer(petition, state="pending")
    closed = checked_signer(petition, siren="732829320", status="closed")
    partial = checked_signer(petition, siren="443061841", partial=True, name="DUPONT JEAN")
    for signature in (pending, closed, partial):
        assert client.get(publish_url(app, signature)).status_code == 400
    with app.test_request_context():
        assert panorama.eligible_check(partial) is None
    assert "DUPONT" not in panorama_text(client)


def test_the_publish_form_needs_its_csrf_token_and_valid_input(app, client, petition):
    signature = checked_signer(petition)
    path = publish_url(app, signature)
    refused = client.post(path, data={"description": "x", "category": "company"})
    assert refused.status_code == 400
    bad = publish_profile(client, app, signature, website="javascript:alert(1)")
    assert bad.status_code == 400
    assert "https://" in bad.get_data(as_text=True)
    link = publish_profile(client, app, signature, description="Voir www.acme.fr")
    assert link.status_code == 400
    assert db.session.scalar(select(OrganisationProfile)) is None


def test_a_tampered_link_is_refused(app, client, petition):
    signature = checked_signer(petition)
    path = publish_url(app, signature)
    assert client.get(path[:-3] + "abc").status_code == 400


def test_one_profile_per_organisation_whoever_signed(app, client, petition):
    first = checked_signer(petition)
    second = checked_signer(petition)
    publish_profile(client, app, first)
    publish_profile(client, app, second, description="Deuxième version.")
    (profile,) = db.session.scalars(select(OrganisationProfile)).all()
    assert reread(OrganisationProfile, profile.id).description == "Deuxième version."


def test_hidden_by_the_organiser_disappears_everywhere_and_is_logged(app, client, petition):
    signature = checked_signer(petition)
    publish_profile(client, app, signature)
    assert "ACME" in everywhere(client)["csv"]
    make_organizer("orga@example.org", [petition])
    login(client, "orga@example.org")
    page = client.get("/organizer/petitions/saint-etienne/panorama")
    assert page.status_code == 200
    profile = db.session.scalar(select(OrganisationProfile))
    token = csrf_from(page.get_data(as_text=True))
    url = f"/organizer/petitions/saint-etienne/panorama/{profile.id}/hide"
    assert client.post(url, data={}).status_code == 400  # no CSRF token: nothing done
    assert not reread(OrganisationProfile, profile.id).hidden
    assert client.post(url, data={"csrf_token": token}).status_code == 303
    for where, body in everywhere(client).items():
        assert "ACME" not in body, where
    kinds = db.session.scalars(select(AuditEvent.kind)).all()
    assert "panorama-hide" in kinds


def test_withdrawal_of_the_last_signer_removes_the_profile(app, client, petition):
    first = checked_signer(petition)
    second = checked_signer(petition)
    publish_profile(client, app, first)
    with app.test_request_context():
        token_first = links.withdraw_token(first)
        token_second = links.withdraw_token(second)
    withdrawal.withdraw(token_first)
    assert "ACME" in panorama_text(client)  # a colleague still stands behind it
    withdrawal.withdraw(token_second)
    for where, body in everywhere(client).items():
        assert "ACME" not in body, where
    assert db.session.scalar(select(OrganisationProfile)) is None


def test_invalidation_of_the_last_signer_removes_the_profile(app, client, petition):
    signature = checked_signer(petition)
    publish_profile(client, app, signature)
    with app.test_request_context():
        invalidate(petition, Rule(signature_id=signature.id), "doublon", "cli")
    assert "ACME" not in panorama_text(client)


def test_filters_search_and_licence(app, client, petition):
    publish_profile(client, app, checked_signer(petition))
    other = checked_signer(petition, siren="732829320", name="BOULANGERIE DU PILAT")
    db.session.execute(
        OrganisationCheck.__table__.update()
        .where(OrganisationCheck.signature_id == other.id)
        .values(naf="10.71C", headcount="01")
    )
    db.session.commit()
    publish_profile(client, app, other, description="Pain au levain.", website="")
    both = panorama_text(client)
    assert "ACME" in both and "BOULANGERIE" in both
    by_section = client.get("/p/saint-etienne/panorama?secteur=C").get_data(as_text=True)
    assert "BOULANGERIE" in by_section and "ACME" not in by_section
    by_band = client.get("/p/saint-etienne/panorama?effectif=10-49").get_data(as_text=True)
    assert "ACME" in by_band and "BOULANGERIE" not in by_band
    search = client.get("/p/saint-etienne/panorama?q=levain").get_data(as_text=True)
    assert "BOULANGERIE" in search and "ACME" not in search
    with app.test_request_context():
        panorama.set_licence(petition, "odbl-1.0")
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/api/v1/petitions/saint-etienne/panorama.csv").get_data(as_text=True)
            )
        )
    )
    assert {row["licence"] for row in rows} == {
        "Open Database License (ODbL) 1.0 <https://opendatacommons.org/licenses/odbl/1-0/>"
    }
    data = json.loads(client.get("/api/v1/petitions/saint-etienne/panorama").get_data())
    assert data["organisations"] == 2 and data["licence"]["code"] == "odbl-1.0"


def test_public_pages_are_cacheable_without_cookies(app, client, petition):
    publish_profile(client, app, checked_signer(petition))
    for path in (
        "/p/saint-etienne/panorama",
        "/p/saint-etienne/panorama-en",
        "/p/saint-etienne/carte",
        "/p/saint-etienne/carte.svg",
        "/embed/saint-etienne/panorama",
        "/embed/saint-etienne/carte",
        "/api/v1/petitions/saint-etienne/panorama",
        "/api/v1/petitions/saint-etienne/panorama.csv",
    ):
        response = client.get(path, headers={"Accept-Language": "en"})
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"].startswith("public"), path
        assert "Set-Cookie" not in response.headers, path
        again = client.get(
            path, headers={"If-None-Match": response.headers["ETag"], "Accept-Language": "en"}
        )
        assert again.status_code == 304, path
    embed = client.get("/embed/saint-etienne/carte")
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "embed-height.js" in embed.get_data(as_text=True)
    page = client.get("/p/saint-etienne/panorama")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_the_json_matches_the_openapi_file_and_an_unknown_slug_is_a_json_404(app, client, petition):
    from openapi_schema_validator import OAS31Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    publish_profile(client, app, checked_signer(petition))
    spec = client.get("/api/v1/openapi.json").get_json()
    body = client.get("/api/v1/petitions/saint-etienne/panorama").get_json()
    registry = Registry().with_resource(
        "urn:spec", Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    validator = OAS31Validator({"$ref": "urn:spec#/components/schemas/Panorama"}, registry=registry)
    validator.validate(body)
    assert body["items"][0]["x_lambert93"] == 808000.0
    missing = client.get("/api/v1/petitions/nope/panorama")
    assert missing.status_code == 404 and missing.mimetype == "application/json"


def test_the_later_email_offers_the_link_once(app, client, petition, smtp_sink, run_jobs):
    from petition.jobs import panorama as panorama_jobs

    from helpers import link_in

    signature = checked_signer(petition)
    plain = add_signature(petition)
    before = len(smtp_sink.messages)
    with app.test_request_context():
        assert panorama_jobs.offer(signature)
        assert not panorama_jobs.offer(signature)  # once per signature
        assert not panorama_jobs.offer(plain)  # no register check: nothing to offer
    run_jobs()
    sent = smtp_sink.messages[before:]
    assert len(sent) == 1 and signature.email in sent[0]["To"]
    path = link_in(sent[0], "/organisation/")
    page = client.get(path)
    assert page.status_code == 200
    response = client.post(
        path,
        data={
            "description": "Par e-mail.",
            "website": "",
            "category": "company",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 200
    assert "Par e-mail." in panorama_text(client)


def test_erasure_at_the_end_of_retention_removes_the_profile(app, client, petition):
    from datetime import timedelta

    from petition.models import utcnow
    from petition.services import retention

    publish_profile(client, app, checked_signer(petition))
    assert "ACME" in panorama_text(client)
    with app.test_request_context():
        later = utcnow() + timedelta(days=petition.retention_days + 400)
        petition.closes_at = utcnow()
        db.session.commit()
        assert retention.erase_expired(now=later) >= 1
    assert db.session.scalar(select(OrganisationProfile)) is None


def test_a_signer_signs_confirms_and_then_publishes_from_the_confirmation_page(
    app, client, petition, smtp_sink, run_jobs
):
    from helpers import link_in, only_signature, post_signature

    post_signature(client, organisation="Acme", siren="55210055400013", category="company")
    run_jobs()
    confirm = link_in(smtp_sink.messages[-1], "/confirm/")
    page = client.get(confirm)
    done = client.post(confirm, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert done.status_code == 200
    assert "/organisation/" not in done.get_data(as_text=True)  # not checked yet
    assert "ACME" not in panorama_text(client)
    signature = only_signature()
    db.session.add(
        OrganisationCheck(
            signature_id=signature.id,
            petition_id=petition.id,
            status="active",
            siren="552100554",
            siret="55210055400013",
            registered_name="ACME NUMÉRIQUE",
            partial_diffusion=False,
            commune="42218",
        )
    )
    db.session.commit()
    again = client.get(confirm).get_data(as_text=True)  # "already confirmed", with the offer
    match = re.search(r'href="http://localhost(/organisation/[^"]+)"', again)
    assert match, again
    form = client.get(match.group(1))
    response = client.post(
        match.group(1),
        data={
            "description": "Éditeur de logiciels.",
            "website": "https://acme.example.fr",
            "category": "company",
            "csrf_token": csrf_from(form.get_data(as_text=True)),
        },
    )
    assert response.status_code == 200
    page = panorama_text(client)
    assert "ACME NUMÉRIQUE" in page and "Éditeur de logiciels." in page
    assert "Jean" not in page and "Dupont" not in page
