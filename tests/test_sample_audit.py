"""Sample audits (issue 12, item 5): an organizer draws verified signers at
random, the worker emails them, each answers "yes" or "no" through a
scanner-safe page; nobody is drawn twice for a petition; withdrawn,
invalidated or capped signers get no email; the figures (rate, Wilson
interval) reach the next attestation, JSON and PDF."""

import io
import json
import re

import pypdf
import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select, update
from test_attestations import _offline

from petition import links, tokens
from petition.extensions import db
from petition.jobs import sample_audits as audit_jobs
from petition.models import (
    AuditEvent,
    AuditSample,
    SampleAudit,
    Signature,
    SignatureState,
)
from petition.services import attestations, retention, sample_audits

from helpers import (
    add_signature,
    csrf,
    csrf_from,
    drain,
    login,
    mail_text,
    make_lyon,
    make_organizer,
    reread,
    reread_all,
)

ORGANIZER = "orga@example.org"
PAGE = "/organizer/petitions/saint-etienne/audit"


@pytest.fixture
def app_overrides():
    return {"NEWS_BATCH_SIZE": 7, "NEWS_BATCH_INTERVAL": 0}


def signers(petition, n, **fields):
    return [add_signature(petition, **fields).id for _ in range(n)]


def drawn_ids(audit_id=None):
    query = select(AuditSample.signature_id)
    if audit_id is not None:
        query = query.where(AuditSample.audit_id == audit_id)
    return reread_all(query)


def answer_link(message):
    match = re.search(r"http://localhost(/audit/[^\s]+)", mail_text(message))
    assert match, mail_text(message)
    return match.group(1)


def press(client, path, answer):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, "answer": answer})


def organizer_client(client, petition):
    make_organizer(ORGANIZER, [petition])
    login(client, ORGANIZER)
    return client


def start_from_page(client, size):
    return client.post(PAGE, data={"csrf_token": csrf(client, PAGE), "size": str(size)})


# --- the arithmetic -------------------------------------------------------------


def test_the_default_size_is_5_points_at_95_percent_with_the_finite_correction():
    assert sample_audits.default_size(0) == 0
    assert sample_audits.default_size(10) == 10  # a small petition: nearly everyone
    assert sample_audits.default_size(1000) == 278
    assert sample_audits.default_size(10_000) == 370
    assert sample_audits.default_size(1_000_000) == 384


def test_the_wilson_interval_matches_the_textbook():
    low, high = sample_audits.wilson(8, 10)
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)
    low, high = sample_audits.wilson(10, 10)  # all yes: the interval still has a width
    assert round(low, 3) == 0.722 and round(high, 9) == 1.0
    assert sample_audits.wilson(0, 0) is None


# --- drawing ----------------------------------------------------------------------


def test_a_sample_has_no_repeats_and_never_a_signer_drawn_before(app, petition):
    everyone = set(signers(petition, 30))
    add_signature(petition, state="pending")
    first = sample_audits.start(petition, 10, None)
    one = drawn_ids(first.id)
    assert len(one) == len(set(one)) == 10 and set(one) <= everyone
    with pytest.raises(sample_audits.AuditError, match="open"):
        sample_audits.start(petition, 5, None)  # one open audit at a time
    sample_audits.close(first, None)
    second = sample_audits.start(petition, 25, None)  # only 20 left
    two = drawn_ids(second.id)
    assert len(two) == len(set(two)) == 20
    assert not set(one) & set(two)
    assert set(one) | set(two) == everyone
    sample_audits.close(second, None)
    with pytest.raises(sample_audits.AuditError, match="empty"):
        sample_audits.start(petition, 5, None)


def test_the_database_refuses_a_signer_drawn_twice(app, petition):
    (signature_id,) = signers(petition, 1)
    first = sample_audits.start(petition, 1, None)
    sample_audits.close(first, None)
    other = SampleAudit(petition_id=petition.id, population=1, requested=1)
    db.session.add(other)
    db.session.flush()
    db.session.add(
        AuditSample(audit_id=other.id, petition_id=petition.id, signature_id=signature_id)
    )
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.commit()
    db.session.rollback()


# --- end to end ------------------------------------------------------------------


def test_emails_arrive_and_the_button_records_the_answer(
    app, client, petition, smtp_sink, run_jobs
):
    signers(petition, 12)
    organizer_client(client, petition)
    page = client.get(PAGE).get_data(as_text=True)
    assert 'value="12"' in page  # the default for 12 verified signers: all of them
    response = start_from_page(client, 12)
    assert response.status_code == 303
    drain(run_jobs)
    messages = smtp_sink.messages
    assert len(messages) == 12 and len({m["To"] for m in messages}) == 12
    paths = [answer_link(m) for m in messages]

    opened = client.get(paths[0])  # a mail scanner opening the link records nothing
    assert "Oui, j’ai signé" in opened.get_data(as_text=True)
    assert reread_all(select(AuditSample.answer).where(AuditSample.answer.is_not(None))) == []

    for path in paths[:9]:
        assert "Merci" in press(client, path, "yes").get_data(as_text=True)
    press(client, paths[9], "no")
    press(client, paths[10], "yes")
    press(client, paths[10], "no")  # changed while the audit is open
    (audit,) = reread_all(select(SampleAudit))
    f = sample_audits.of_audit(audit.id)
    assert (f.emailed, f.yes, f.no, f.no_answer) == (12, 9, 2, 1)

    dashboard = client.get("/organizer/petitions/saint-etienne/").get_data(as_text=True)
    assert "Audit par échantillon" in dashboard and "81,8" in dashboard  # 9 / 11

    close = client.post(f"{PAGE}/{audit.id}/close", data={"csrf_token": csrf(client, PAGE)})
    assert close.status_code == 303
    assert reread(SampleAudit, audit.id).state == "closed"
    assert "close" in client.get(paths[11]).get_data(as_text=True)  # no buttons any more
    late = client.post(paths[11], data={"csrf_token": csrf(client, PAGE), "answer": "yes"})
    assert "close" in late.get_data(as_text=True)
    assert sample_audits.of_audit(audit.id).yes == 9
    kinds = reread_all(select(AuditEvent.kind).order_by(AuditEvent.id))
    assert kinds[-2:] == ["sample-audit-started", "sample-audit-closed"]


def test_the_email_and_page_speak_the_signers_language(app, client, petition, smtp_sink, run_jobs):
    add_signature(petition, locale="en")
    sample_audits.start(petition, 1, None)
    drain(run_jobs)
    (message,) = smtp_sink.messages
    assert message["Subject"].startswith("Did you sign")
    page = client.get(answer_link(message), headers={"Accept-Language": "en"})
    assert "Yes, I signed" in page.get_data(as_text=True)


def test_withdrawn_invalidated_and_capped_signers_get_no_email(
    app, client, petition, smtp_sink, run_jobs
):
    ids = signers(petition, 6)
    capped = add_signature(petition, email_count=app.config["MAX_EMAILS_PER_SIGNATURE"])
    audit = sample_audits.start(petition, 10, None)
    assert capped.id not in drawn_ids(audit.id)  # at its cap: never drawn
    withdrawn, invalidated, spent = ids[0], ids[1], ids[2]
    token = links.withdraw_token(db.session.get(Signature, withdrawn))
    page = client.get(f"/withdraw/{token}").get_data(as_text=True)
    client.post(f"/withdraw/{token}", data={"csrf_token": csrf_from(page)})
    db.session.execute(
        update(Signature)
        .where(Signature.id == invalidated)
        .values(state=SignatureState.INVALIDATED)
    )
    db.session.execute(  # drawn, then its cap filled by other emails
        update(Signature)
        .where(Signature.id == spent)
        .values(email_count=app.config["MAX_EMAILS_PER_SIGNATURE"])
    )
    db.session.commit()
    addresses = {i: db.session.get(Signature, i).email for i in ids}
    drain(run_jobs)
    received = {m["To"] for m in smtp_sink.messages}
    assert received == {addresses[i] for i in ids[3:]}
    assert withdrawn not in drawn_ids()  # the withdrawal deleted its sample row
    f = sample_audits.of_audit(audit.id)
    # The invalidated signer leaves the figures, the capped one is not reached.
    assert (f.drawn, f.emailed, f.not_reached, f.waiting) == (4, 3, 1, 0)
    counts = reread_all(select(Signature.email_count).where(Signature.id.in_(ids[3:])))
    assert counts == [1, 1, 1]  # each email spent one unit of its signer's cap


def test_closing_before_the_worker_runs_sends_nothing(app, petition, smtp_sink, run_jobs):
    signers(petition, 4)
    audit = sample_audits.start(petition, 4, None)
    assert sample_audits.close(audit, None)
    assert not sample_audits.close(audit, None)  # once
    drain(run_jobs)
    assert smtp_sink.messages == []
    f = sample_audits.of_audit(audit.id)
    assert (f.drawn, f.emailed, f.waiting, f.not_reached) == (4, 0, 0, 4)


def test_an_audit_whose_batches_redis_lost_is_resumed_by_the_chore(
    app, petition, smtp_sink, run_jobs, redis_client
):
    signers(petition, 3)
    sample_audits.start(petition, 3, None)
    redis_client.flushall()  # the queued batch and its chain key are gone
    assert drain(run_jobs) == 0 and smtp_sink.messages == []
    assert audit_jobs.resume_sending() == {"resumed": 1}
    assert audit_jobs.resume_sending() == {"resumed": 0}  # its chain is back
    drain(run_jobs)
    assert len(smtp_sink.messages) == 3


def test_retention_erasure_deletes_the_sample_rows(app, petition):
    signers(petition, 3)
    sample_audits.start(petition, 3, None)
    petition.state = "closed"
    petition.retention_days = 0
    db.session.commit()
    retention._erase(Signature.petition_id == petition.id)
    assert drawn_ids() == []


# --- the attestation -----------------------------------------------------------


def floats(value):
    if isinstance(value, float):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from floats(item)
    elif isinstance(value, list):
        for item in value:
            yield from floats(item)


def test_the_figures_reach_the_next_attestation_json_and_pdf(
    app, client, petition, smtp_sink, run_jobs, tmp_path
):
    signers(petition, 5)
    before = attestations.create(petition, "test")
    assert json.loads(before.document)["payload"]["sample_audit"]["audits"] == []
    audit = sample_audits.start(petition, 5, None)
    drain(run_jobs)
    paths = [answer_link(m) for m in smtp_sink.messages]
    for path in paths[:3]:
        press(client, path, "yes")
    press(client, paths[3], "no")

    entry = attestations.create(petition, "test")
    section = json.loads(entry.document)["payload"]["sample_audit"]
    (stated,) = section["audits"]
    assert stated["id"] == audit.id
    assert (stated["emailed"], stated["yes"], stated["no"], stated["no_answer"]) == (5, 3, 1, 1)
    assert stated["confirmation_rate"] == "0.7500"  # no floats in the signed payload
    low, high = sample_audits.wilson(3, 4)
    assert stated["confidence_interval_95"] == [f"{low:.4f}", f"{high:.4f}"]
    assert section["all_audits"]["yes"] == 3
    assert not list(floats(json.loads(entry.document))), "the signed payload holds no floats"

    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(entry.pdf)).pages)
    assert "Audit par échantillon" in text
    assert "75,0 %" in text and f"{low * 100:.1f}".replace(".", ",") in text
    verified = client.post(
        "/verifier",
        data={
            "document": (io.BytesIO(entry.pdf), "a.pdf"),
            "csrf_token": csrf(client, "/verifier"),
        },
        content_type="multipart/form-data",
    )
    assert "valide" in verified.get_data(as_text=True).lower()
    jwks = client.get("/.well-known/jwks.json").get_json()
    offline = _offline(tmp_path, entry.document.encode(), jwks)  # no Flask, public key only
    assert offline.returncode == 0, offline.stdout + offline.stderr
    english = attestations.pdf_of(entry, "en")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(english)).pages)
    assert "Sample audit" in text and "75.0%" in text


# --- bad links and other organizers ----------------------------------------------


def test_bad_expired_and_tampered_links_get_a_helpful_page(app, client, petition, run_jobs):
    signers(petition, 1)
    sample_audits.start(petition, 1, None)
    (sample,) = reread_all(select(AuditSample))
    with app.test_request_context():
        good = links.sample_url(sample).removeprefix("http://localhost")
        wrong_nonce = tokens.make("sample", {"a": sample.id, "n": "x" * 22})
        other_purpose = links.withdraw_token(db.session.get(Signature, sample.signature_id))
        other_key = URLSafeTimedSerializer("another-secret", salt=tokens.SALTS["sample"]).dumps(
            {"a": sample.id, "n": sample.nonce}
        )
    for path in (
        good[:-3] + "abc",
        "/audit/nonsense",
        f"/audit/{other_purpose}",
        f"/audit/{other_key}",
    ):
        page = client.get(path)
        assert page.status_code == 400 and "pas valide" in page.get_data(as_text=True)
        assert client.post(path).status_code == 400  # CSRF refused or token refused: no 500
    gone = client.get(f"/audit/{wrong_nonce}")
    assert gone.status_code == 200 and "Aucune réponse" in gone.get_data(as_text=True)
    app.config["SAMPLE_TOKEN_MAX_AGE"] = -1
    expired = client.get(good)
    assert expired.status_code == 400 and "expiré" in expired.get_data(as_text=True)
    app.config["SAMPLE_TOKEN_MAX_AGE"] = 60 * 86400
    strange = press(client, good, "maybe")
    assert strange.status_code == 400
    assert reread(AuditSample, sample.id).answer is None


def test_an_organizer_of_another_petition_gets_404(app, client, petition):
    signers(petition, 3)
    audit = sample_audits.start(petition, 2, None)
    lyon = make_lyon()
    make_organizer("lyon@example.org", [lyon])
    login(client, "lyon@example.org")
    assert client.get(PAGE).status_code == 404
    token = csrf(client, "/organizer/petitions/lyon/audit")
    assert client.post(PAGE, data={"csrf_token": token, "size": "2"}).status_code == 404
    closing = client.post(f"{PAGE}/{audit.id}/close", data={"csrf_token": token})
    assert closing.status_code == 404
    lyon_close = client.post(
        f"/organizer/petitions/lyon/audit/{audit.id}/close", data={"csrf_token": token}
    )
    assert lyon_close.status_code == 404  # the audit is not Lyon's
    assert reread(SampleAudit, audit.id).state == "open"


def test_a_bad_size_gets_a_clear_message(app, client, petition):
    signers(petition, 2)
    organizer_client(client, petition)
    for size in ("0", "-3", "abc", "99999999999999999999"):
        response = start_from_page(client, size)
        assert response.status_code == 400
        assert "Indiquez" in response.get_data(as_text=True)
    assert reread_all(select(SampleAudit)) == []
