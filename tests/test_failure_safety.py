"""Nothing lost: Redis down while signing, the sweeper, SMTP refusals
(temporary retried, permanent recorded), the database down (503, nothing
written), and the health probes. Real redis-server, SMTP sink and database."""

import pytest
from sqlalchemy import func, select

from petition import create_app
from petition.extensions import db
from petition.models import Signature, SignatureState
from petition.services import sweeper

from helpers import app_settings, csrf_from, link_in, only_signature, post_signature, sign_data


def test_signing_with_redis_down_then_sweeper_sends_exactly_one_email(
    app, client, runner, petition, redis_server, smtp_sink, run_jobs
):
    page = client.get("/p/saint-etienne")
    data = sign_data()
    data["csrf_token"] = csrf_from(page.get_data(as_text=True))
    redis_server.stop()
    try:
        response = client.post("/p/saint-etienne", data=data)
        assert response.status_code == 302, "the signer sees the normal page"
        assert response.headers["Location"].endswith("/merci")
        assert only_signature().email_queued_at is None, "marked for the sweeper"
        assert runner.invoke(args=["mail", "sweep"]).exit_code != 0, "Redis still down"
    finally:
        redis_server.start()
    assert only_signature().state == SignatureState.PENDING

    result = runner.invoke(args=["mail", "sweep"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 email" in result.output
    assert runner.invoke(args=["mail", "sweep"]).output.startswith("Queued 0"), "idempotent"
    run_jobs()
    assert run_jobs() == 0
    (message,) = smtp_sink.messages
    path = link_in(message, "/confirm/")
    confirm = client.get(path)
    client.post(path, data={"csrf_token": csrf_from(confirm.get_data(as_text=True))})
    assert only_signature().state == SignatureState.VERIFIED
    assert sweeper.sweep() == 0
    assert len(smtp_sink.messages) == 1


def test_sweeper_requeues_a_job_lost_by_redis(
    app, client, petition, smtp_sink, run_jobs, redis_client
):
    app.config["SWEEP_LOST_AFTER"] = 0
    post_signature(client)
    assert sweeper.sweep() == 0, "the job is still queued: nothing to do"
    redis_client.flushall()  # Redis restarted without persistence
    assert sweeper.sweep() == 1
    run_jobs()
    assert len(smtp_sink.messages) == 1
    assert sweeper.sweep() == 0, "sent: nothing more"


def test_same_job_queued_twice_sends_once(app, client, petition, smtp_sink, run_jobs):
    from petition import jobs
    from petition.jobs.signatures import send_confirmation

    post_signature(client)
    signature = only_signature()
    jobs.enqueue_email(send_confirmation, signature, 1)
    run_jobs()
    assert len(smtp_sink.messages) == 1


def test_temporary_smtp_failures_are_retried_until_one_email_arrives(
    client, petition, smtp_sink, run_jobs
):
    smtp_sink.refuse_next(3, "451 4.3.0 Try again later")
    post_signature(client)
    run_jobs()
    assert len(smtp_sink.messages) == 1
    signature = only_signature()
    assert signature.email_sent_at is not None and signature.email_failed_at is None


def test_retry_policy_spans_hours_in_production(app):
    from petition.config import load_settings

    intervals = load_settings({})["MAIL_RETRY_INTERVALS"]
    assert sum(intervals) >= 4 * 3600
    assert intervals == sorted(intervals), "backoff: never shorter than the one before"


def test_permanent_smtp_failure_is_recorded_not_retried(client, petition, smtp_sink, run_jobs):
    smtp_sink.refuse_next(1, "550 5.1.1 No such user")
    post_signature(client)
    run_jobs()
    assert smtp_sink.messages == []
    signature = only_signature()
    assert signature.email_failed_at is not None
    assert signature.email_error.startswith("550")
    assert sweeper.sweep() == 0, "a refused address is not retried by the sweeper"


def test_readyz_and_healthz_when_all_is_up(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_readyz_stays_ready_but_degraded_when_redis_is_down(client, redis_server):
    """Signing goes on without Redis: a load balancer must not take every web
    host out at once because their shared Redis is down."""
    redis_server.stop()
    try:
        ready = client.get("/readyz")
        alive = client.get("/healthz")
    finally:
        redis_server.start()
    assert ready.status_code == 200
    assert ready.get_json() == {
        "status": "degraded",
        "checks": {"database": "ok", "redis": "down"},
    }
    assert alive.status_code == 200, "the process itself is fine"
    assert client.get("/readyz").get_json()["status"] == "ok", "back once Redis is"


@pytest.fixture
def broken_db_app(database_url, redis_server, smtp_sink):
    """The same app, pointed at a PostgreSQL port where nothing listens."""
    settings = app_settings(
        database_url,
        redis_server,
        smtp_sink,
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:9/none",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
        WTF_CSRF_ENABLED=False,
    )
    app = create_app(settings)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_database_down_gives_503_page_and_writes_nothing(broken_db_app, app, petition):
    client = broken_db_app.test_client()
    page = client.get("/p/saint-etienne")
    assert page.status_code == 503
    assert "momentanément indisponible" in page.get_data(as_text=True)
    english = client.get("/p/saint-etienne?lang=en")
    assert english.status_code == 503 and "unavailable" in english.get_data(as_text=True)
    posted = client.post("/p/saint-etienne", data=sign_data())
    assert posted.status_code == 503
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["database"] == "down"
    assert ready.get_json()["status"] == "unavailable"
    assert client.get("/healthz").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 0
