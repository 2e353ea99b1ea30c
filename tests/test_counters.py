"""The cached count: right after a Redis flush, repaired by reconciliation,
moving within two seconds of a confirmation, and never breaking one."""

import json
import time

from sqlalchemy import update

from petition.extensions import db
from petition.jobs.counts import enqueue_reconcile
from petition.models import Petition
from petition.services import counters

from helpers import csrf_from, link_in, post_signature, reread


def confirm_n(client, confirm_via_email, n):
    for i in range(n):
        post_signature(client, email=f"soutien{i}@example.org")
        confirm_via_email(to=f"soutien{i}@example.org")


def api_count(client, slug="saint-etienne"):
    return client.get(f"/api/v1/petitions/{slug}/count").get_json()["signature_count"]


def next_message(pubsub, within):
    """The next published message, waiting at most `within` seconds (the
    subscribe confirmation is read and skipped on the way)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=max(deadline - time.monotonic(), 0.01))
        if message is not None:
            return message
    return None


def corrupt_cache(app, redis_client, petition, value):
    """Write a wrong count into the Redis copy and drop the local micro-cache."""
    key = [
        k
        for k in redis_client.keys("counts:doc:*")
        if k.decode().startswith(f"counts:doc:{petition.id}:")
    ]
    assert key, "the count is cached in Redis after a read"
    for k in key:
        doc = json.loads(redis_client.get(k))
        doc["signature_count"] = value
        redis_client.set(k, json.dumps(doc))
    counters.clear_local()


def test_flushing_redis_then_reading_gives_the_right_count(
    app, client, petition, redis_client, confirm_via_email
):
    confirm_n(client, confirm_via_email, 2)
    assert api_count(client) == 2
    redis_client.flushall()
    counters.clear_local()
    assert api_count(client) == 2
    assert redis_client.keys("counts:doc:*"), "rebuilt into Redis on the miss"


def test_micro_cache_hit_needs_neither_redis_nor_sql(app, client, petition, redis_server):
    assert api_count(client) == 0
    redis_server.stop()
    try:
        db.session.execute(update(Petition).values(signature_count=7))
        db.session.commit()
        assert api_count(client) == 0, "served from the in-process copy"
        counters.clear_local()
        assert api_count(client) == 7, "Redis down: read from the database, no error"
    finally:
        redis_server.start()


def test_corrupted_cached_count_is_repaired_by_reconcile(
    app, client, runner, petition, redis_client, confirm_via_email
):
    confirm_n(client, confirm_via_email, 2)
    assert api_count(client) == 2
    corrupt_cache(app, redis_client, petition, 999)
    assert api_count(client) == 999, "the test really corrupted what is served"
    result = runner.invoke(args=["petition", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "0 repaired" in result.output
    assert api_count(client) == 2


def test_reconcile_repairs_drift_in_the_database(app, client, runner, petition, confirm_via_email):
    confirm_n(client, confirm_via_email, 3)
    db.session.execute(update(Petition).values(signature_count=42))
    db.session.commit()
    result = runner.invoke(args=["petition", "reconcile"])
    assert "Repaired saint-etienne: 42 -> 3" in result.output
    assert "1 repaired" in result.output
    assert reread(Petition, petition.id).signature_count == 3
    assert api_count(client) == 3


def test_reconcile_job_runs_on_the_worker(app, client, petition, run_jobs, confirm_via_email):
    confirm_n(client, confirm_via_email, 1)
    db.session.execute(update(Petition).values(signature_count=5))
    db.session.commit()
    job = enqueue_reconcile()
    assert run_jobs() == 1
    job.refresh()
    assert job.return_value() == {"checked": 1, "repaired": [("saint-etienne", 5, 1)]}
    counters.clear_local()
    assert api_count(client) == 1


def test_confirmation_is_published_and_read_within_two_seconds(
    app, client, petition, redis_client, smtp_sink, run_jobs
):
    pubsub = redis_client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(counters.channel(petition.id))
    assert api_count(client) == 0
    post_signature(client)
    run_jobs()
    path = link_in(smtp_sink.messages[-1], "/confirm/")
    page = client.get(path)
    client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    message = next_message(pubsub, within=2.0)
    pubsub.close()
    assert message is not None, "no count published within 2 s of the confirmation"
    assert json.loads(message["data"])["signature_count"] == 1
    # Another web process keeps its micro-cache up to 1 s: poll until it moves.
    other = app.test_client()
    deadline = time.monotonic() + 2.0
    while api_count(other) != 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert api_count(other) == 1


def test_redis_down_does_not_break_a_confirmation(
    client, petition, redis_server, smtp_sink, run_jobs
):
    post_signature(client)
    run_jobs()
    path = link_in(smtp_sink.messages[-1], "/confirm/")
    page = client.get(path)
    redis_server.stop()
    try:
        done = client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
        assert done.status_code == 200
        assert counters.changed(petition.id) is None, "changed() swallows Redis errors"
        assert api_count(client) == 1, "and the count is read from the database"
    finally:
        redis_server.start()


def test_a_newer_count_is_never_overwritten_by_an_older_rebuild(app, petition, redis_client):
    stale = counters.load(petition_id=petition.id)
    db.session.execute(update(Petition).values(signature_count=1))
    db.session.commit()
    counters.changed(petition.id)
    # A slow reader that saw generation 0 writes its old copy there: nobody reads it.
    redis_client.set(f"counts:doc:{petition.id}:0", stale.to_json())
    counters.clear_local()
    assert counters.read("saint-etienne").signature_count == 1


def test_editing_a_petition_shows_at_once_in_the_count_and_closing_it_too(app, petition):
    from petition.services.petitions import save

    assert counters.read(petition.slug).goal == 1000  # now cached in Redis and in-process
    save(
        {"title": petition.title, "territory": petition.territory, "goal": 2500, "state": "closed"},
        petition=petition,
    )
    doc = counters.read(petition.slug)
    assert (doc.goal, doc.state) == (2500, "closed")
    save(
        {"title": petition.title, "territory": petition.territory, "goal": 2500, "state": "draft"},
        petition=petition,
    )
    assert counters.read(petition.slug) is None, "a draft is no longer public"


def test_a_read_begun_before_a_confirmation_never_stores_the_older_count(
    app, client, petition, confirm_via_email, monkeypatch
):
    """The race a browser test caught: a read of the count (a live stream
    opening, say) fetched 0; a confirmation then dropped the micro-cache entry;
    the read stored its 0 after the drop, and a fresh page said 0 for
    COUNT_LOCAL_TTL after the live one had said 1."""
    monkeypatch.setitem(app.config, "COUNT_LOCAL_TTL", 60)
    fetch = counters._fetch

    def fetch_then_confirm(slug):
        doc = fetch(slug)
        monkeypatch.setattr(counters, "_fetch", fetch)
        confirm_n(client, confirm_via_email, 1)  # its changed() runs before we store
        return doc

    monkeypatch.setattr(counters, "_fetch", fetch_then_confirm)
    assert counters.read("saint-etienne").signature_count == 0, "the read saw the old count"
    assert counters.read("saint-etienne").signature_count == 1, "and did not keep it"
    assert api_count(client) == 1
