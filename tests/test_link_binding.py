"""Links and email jobs belong to one row, not to an id.

SQLite gives a deleted row's id to the next insert (`signatures.id` has no
AUTOINCREMENT). A signer keeps their links; `flask privacy purge-unconfirmed`
deletes their pending row; a new signer gets the same id. The old links must
neither confirm nor withdraw the new signer, and the new signer must still get
their email (the old row's "already sent" marker is not theirs). On
PostgreSQL ids come from a sequence: the tests wind it back to get the reuse.
Links mailed before links carried the row's nonce are refused with a page
that says what to do.
"""

import html
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select, text, update

from petition import jobs, tokens
from petition.extensions import db
from petition.jobs.signatures import send_confirmation
from petition.models import Petition, Signature, SignatureState, utcnow
from petition.services import sweeper

from helpers import csrf_from, link_in, post_signature, reread, reread_all


def rows():
    return reread_all(select(Signature).order_by(Signature.id))


def mails_to(smtp_sink, address):
    return [m for m in smtp_sink.messages if address in m["To"]]


def purge_after_a_month(runner):
    """The pending rows are a month old; the scheduled purge runs."""
    db.session.execute(update(Signature).values(created_at=utcnow() - timedelta(days=31)))
    db.session.commit()
    result = runner.invoke(args=["privacy", "purge-unconfirmed"])
    assert result.exit_code == 0 and "Deleted 1 unconfirmed" in result.output
    assert rows() == []


def next_insert_reuses(old_id):
    """SQLite does it by itself; PostgreSQL's sequence is wound back (as after a
    restore or a reset) so the scenario is the same on both."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence('signatures', 'id'), :id, false)"),
            {"id": old_id},
        )
        db.session.commit()


def page(response):
    return html.unescape(response.get_data(as_text=True))


def press(client, path):
    """Open the link, press its button (with the page's CSRF token)."""
    opened = client.get(path)
    csrf = csrf_from(client.get("/p/saint-etienne").get_data(as_text=True))
    return opened, client.post(path, data={"csrf_token": csrf})


def test_stale_links_of_a_purged_row_never_touch_the_new_row_with_its_id(
    app, client, runner, petition, smtp_sink, run_jobs
):
    post_signature(client, first_name="Alice", last_name="Martin", email="alice@example.org")
    run_jobs()
    (alice_mail,) = mails_to(smtp_sink, "alice@example.org")
    alice_confirm = link_in(alice_mail, "/confirm/")
    alice_withdraw = link_in(alice_mail, "/withdraw/")
    (alice,) = rows()
    old_id = alice.id

    purge_after_a_month(runner)
    next_insert_reuses(old_id)
    post_signature(client, first_name="Bruno", last_name="Keller", email="bruno@example.org")
    (bruno,) = rows()
    assert bruno.id == old_id, "the scenario: the new signer got the purged row's id"

    opened, pressed = press(client, alice_confirm)
    assert opened.status_code == pressed.status_code == 400
    assert "Ce lien n’est pas valide" in page(pressed)
    (bruno,) = rows()
    assert bruno.state == SignatureState.PENDING, "the old link confirmed somebody else"

    run_jobs()
    (bruno_mail,) = mails_to(smtp_sink, "bruno@example.org")
    opened, pressed = press(client, link_in(bruno_mail, "/confirm/"))
    assert pressed.status_code == 200 and "votre signature est confirmée" in page(pressed)

    opened, pressed = press(client, alice_withdraw)
    for response in (opened, pressed):
        assert response.status_code == 200
        assert "Il n’y a plus rien à retirer" in page(response)
        assert "Je retire ma signature" not in page(response)
    (bruno,) = rows()
    assert (bruno.state, bruno.email, bruno.last_name) == (
        SignatureState.VERIFIED,
        "bruno@example.org",
        "Keller",
    ), "the old link erased him"
    assert reread(Petition, petition.id).signature_count == 1


def test_a_new_row_with_a_reused_id_gets_its_email(
    app, client, runner, petition, smtp_sink, run_jobs
):
    post_signature(client, email="alice@example.org")
    run_jobs()  # sent: the job's "already sent" marker stays 30 days
    (alice,) = rows()
    old_id = alice.id

    purge_after_a_month(runner)
    next_insert_reuses(old_id)
    post_signature(client, email="bruno@example.org")
    (bruno,) = rows()
    assert bruno.id == old_id
    run_jobs()
    assert len(mails_to(smtp_sink, "bruno@example.org")) == 1, "the new row got no email"


def test_a_late_retry_of_the_old_rows_job_sends_nothing_to_the_new_row(
    app, client, runner, petition, smtp_sink, run_jobs
):
    post_signature(client, email="alice@example.org")
    (alice,) = rows()
    old_id, alice_nonce = alice.id, alice.token_nonce
    jobs.queue(jobs.EMAIL_QUEUE).empty()  # Alice's job waits in a retry, say
    purge_after_a_month(runner)
    next_insert_reuses(old_id)
    post_signature(client, email="bruno@example.org")
    alices_row = SimpleNamespace(id=old_id, token_nonce=alice_nonce)
    jobs.enqueue_email(send_confirmation, alices_row, 1)  # the retry comes back
    run_jobs()
    assert [m["To"] for m in smtp_sink.messages] == ["bruno@example.org"], (
        "Bruno gets his own email, once; Alice's job found another row and sent nothing"
    )


def test_the_sweeper_requeues_the_new_rows_lost_email(
    app, client, runner, petition, smtp_sink, run_jobs
):
    app.config["SWEEP_LOST_AFTER"] = 0
    post_signature(client, email="alice@example.org")
    run_jobs()
    (alice,) = rows()
    old_id = alice.id
    purge_after_a_month(runner)
    next_insert_reuses(old_id)
    post_signature(client, email="bruno@example.org")
    jobs.queue(jobs.EMAIL_QUEUE).empty()  # Redis lost Bruno's job (not the sent markers)
    assert sweeper.sweep() == 1
    run_jobs()
    assert len(mails_to(smtp_sink, "bruno@example.org")) == 1


def test_a_row_inserted_without_a_nonce_gets_its_own_from_the_database(app, petition):
    """As a process of the previous release does while a deploy is under way
    (README, Production: migrations only add), or bulk SQL."""
    for address in ("ancien1@example.org", "ancien2@example.org"):
        db.session.execute(
            text(
                "INSERT INTO signatures (petition_id, status, category, public, locale, created_at,"
                " flagged, email_count, email) VALUES (:p, 'pending', 'developer', :no, 'fr', :now,"
                " :no, 0, :email)"
            ),
            {"p": petition.id, "no": False, "now": utcnow(), "email": address},
        )
    db.session.commit()
    nonces = [signature.token_nonce for signature in rows()]
    assert len(nonces) == 2 and all(nonces) and len(set(nonces)) == 2


def test_email_job_ids_are_built_in_one_place():
    assert jobs.email_job_id(SimpleNamespace(id=7, token_nonce="abc"), 2) == "email-7-abc-2"


def test_links_mailed_before_nonces_are_refused_with_a_way_forward(app, client, petition, run_jobs):
    post_signature(client)
    run_jobs()
    (signature,) = rows()
    legacy = {"s": signature.id}  # what links carried before migration 0006
    for purpose, advice in (
        ("confirm", "signez de nouveau avec la même adresse"),
        ("withdraw", "signez de nouveau la pétition avec la même adresse"),
    ):
        opened, pressed = press(client, f"/{purpose}/{tokens.make(purpose, legacy)}")
        for response in (opened, pressed):
            assert response.status_code == 400, purpose
            assert "Ce lien n’est plus accepté" in page(response)
            assert advice in page(response)
    (signature,) = rows()
    assert signature.state == SignatureState.PENDING and signature.email is not None


def test_a_purged_row_takes_its_moderation_history_with_it(app, client, runner, petition):
    """SQLite enforces foreign keys as PostgreSQL does (petition/sqlite.py): the
    purged row's moderation items go with it, so a restore of that old action can
    never reach the next signer who gets the same id."""
    from petition.models import ModerationAction, ModerationItem
    from petition.services import moderation

    assert post_signature(client, email="first@example.org").status_code == 302
    (first,) = rows()
    action = moderation.invalidate(petition, moderation.Rule(signature_id=first.id), "test", None)
    moderation.restore(petition, action.id, "erreur", None)
    assert db.session.scalar(select(ModerationItem.signature_id)) == first.id
    purge_after_a_month(runner)
    assert db.session.scalars(select(ModerationItem)).all() == []
    assert db.session.get(ModerationAction, action.id) is not None  # the log stays
