"""RGPD retention: unconfirmed signatures deleted after the delay; personal
data of a closed petition erased after its retention period, counts kept;
nothing else touched. As `flask` commands and as the scheduled chores."""

from datetime import timedelta

from sqlalchemy import select

from petition.extensions import db
from petition.models import EventWindow, Petition, Signature, SignatureState, utcnow
from petition.services import abuse, retention
from petition.services.petitions import parse_communes, save

from helpers import csrf_from, reread


def add(petition, n, state=SignatureState.VERIFIED, days_ago=0, **extra):
    signature = Signature(
        petition_id=petition.id,
        state=state,
        first_name="Anne",
        last_name=f"N{n}",
        email=f"anne{n}@example.org",
        canonical_email=f"anne{n}@example.org",
        postal_code="42000",
        commune="Saint-Étienne",
        category="developer",
        ip_hash="ab" * 32,
        email_domain="example.org",
        public=True,
        created_at=utcnow() - timedelta(days=days_ago),
        email_error="550 anne@example.org",
        **extra,
    )
    db.session.add(signature)
    db.session.commit()
    return signature.id


def other_petition():
    return save(
        {
            "slug": "lyon",
            "title": "Lyon French Tech",
            "territory": "Lyon",
            "goal": 10,
            "state": "open",
            "description": "",
            "controller_name": "Ville",
        },
        parse_communes("Lyon:69001"),
    )


def reload(ids):
    return {i: reread(Signature, i) for i in ids}


def test_purge_deletes_only_old_unconfirmed(app, petition):
    old_pending = add(petition, 1, SignatureState.PENDING, days_ago=31)
    young_pending = add(petition, 2, SignatureState.PENDING, days_ago=29)
    old_verified = add(petition, 3, SignatureState.VERIFIED, days_ago=400)
    old_withdrawn = add(petition, 4, SignatureState.WITHDRAWN, days_ago=400)
    assert retention.purge_unconfirmed() == 1
    rows = reload([old_pending, young_pending, old_verified, old_withdrawn])
    assert rows[old_pending] is None
    assert all(rows[i] is not None for i in (young_pending, old_verified, old_withdrawn))
    assert retention.purge_unconfirmed() == 0, "idempotent"


def test_purge_delay_is_configurable(app, petition):
    app.config["UNCONFIRMED_RETENTION_DAYS"] = 7
    gone = add(petition, 1, SignatureState.PENDING, days_ago=8)
    assert retention.purge_unconfirmed() == 1
    assert reload([gone])[gone] is None


def test_erase_after_retention_keeps_counts_and_touches_nothing_else(app, petition):
    now = utcnow()
    petition.state = "closed"
    petition.closes_at = now - timedelta(days=366)
    petition.retention_days = 365
    petition.signature_count = 2
    db.session.commit()
    erased_ids = [add(petition, 1), add(petition, 2)]
    lyon = other_petition()
    kept_id = add(lyon, 3)

    assert retention.erase_expired() == 2
    rows = reload(erased_ids + [kept_id])
    for i in erased_ids:
        s = rows[i]
        assert (
            s.first_name,
            s.last_name,
            s.email,
            s.canonical_email,
            s.ip_hash,
            s.email_error,
        ) == (None,) * 6
        assert s.state == SignatureState.VERIFIED, "the row and its state stay"
        assert s.postal_code == "42000" and s.category == "developer"
    assert db.session.get(Petition, petition.id).signature_count == 2, "counts kept"
    kept = rows[kept_id]
    assert kept.email == "anne3@example.org" and kept.first_name == "Anne", (
        "an open petition is not touched"
    )
    assert retention.erase_expired() == 0, "idempotent"


def test_closed_petition_within_retention_is_kept(app, petition):
    petition.state = "closed"
    petition.closes_at = utcnow() - timedelta(days=10)
    petition.retention_days = 365
    db.session.commit()
    kept = add(petition, 1)
    assert retention.erase_expired() == 0
    assert reload([kept])[kept].email == "anne1@example.org"


def test_ended_event_windows_are_deleted_with_the_unconfirmed(app, petition):
    old = abuse.open_window(petition, hours=2, ip="192.0.2.1", now=utcnow() - timedelta(days=40))
    current = abuse.open_window(petition, hours=2, ip="192.0.2.2")
    old_id, current_id = old.id, current.id
    retention.purge_unconfirmed()
    assert db.session.get(EventWindow, old_id) is None
    assert db.session.get(EventWindow, current_id) is not None


def test_commands_run_the_same_chores(app, runner, petition):
    add(petition, 1, SignatureState.PENDING, days_ago=31)
    result = runner.invoke(args=["privacy", "purge-unconfirmed"])
    assert result.exit_code == 0 and "Deleted 1 unconfirmed" in result.output
    petition.state = "closed"
    petition.closes_at = utcnow() - timedelta(days=400)
    db.session.commit()
    add(petition, 2)
    result = runner.invoke(args=["privacy", "erase-expired"])
    assert result.exit_code == 0 and "of 1 signature" in result.output
    assert db.session.scalars(select(Signature)).one().email is None


def test_chores_run_as_worker_jobs(app, petition, run_jobs):
    from petition.jobs import DEFAULT_QUEUE, queue
    from petition.jobs.retention import purge_unconfirmed

    add(petition, 1, SignatureState.PENDING, days_ago=31)
    job = queue(DEFAULT_QUEUE).enqueue_call(purge_unconfirmed)
    run_jobs()
    assert job.return_value(refresh=True) == {"deleted": 1, "audit_deleted": 0}


def test_scheduler_registers_every_chore(redis_client):
    import scheduler

    cron = scheduler.build(redis_client)
    names = {job.name for job in cron.get_jobs()}
    assert names == {
        "sweep-unsent-emails",
        "resume-news",
        "resume-sample-audits",
        "purge-unconfirmed",
        "erase-expired",
        "webhook-daily-summaries",
        "webhook-closed-events",
        "check-organisations",
    }
    assert all(job.queue_name == "default" for job in cron.get_jobs())


def test_withdrawal_link_after_retention_says_nothing_is_left(app, client, petition):
    """17e: the data are gone, the count keeps the signature: the link says so
    and withdraws nothing (it would have moved a count retention keeps)."""
    from petition.links import withdraw_url

    csrf = csrf_from(client.get("/p/saint-etienne").get_data(as_text=True))
    kept = add(petition, 1)
    petition.signature_count = 1
    db.session.commit()
    path = withdraw_url(db.session.get(Signature, kept)).removeprefix("http://localhost")
    petition.state = "closed"
    petition.closes_at = utcnow() - timedelta(days=petition.retention_days + 1)
    db.session.commit()
    assert retention.erase_expired() == 1

    page = client.get(path)
    done = client.post(path, data={"csrf_token": csrf})
    for response in (page, done):
        text = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Il n’y a plus rien à retirer" in text and "déjà été effacées" in text
        assert "Je retire ma signature" not in text
    row = reload([kept])[kept]
    assert row.state == SignatureState.VERIFIED and row.withdrawn_at is None
    assert reread(Petition, petition.id).signature_count == 1, "the count stays"
