"""Request ids, metrics as a scrape reads them, error reports with no personal
data, and the error handler that leaves Flask's own error signals alone.

The gunicorn side (JSON lines, the access log, two workers summed in
multiprocess mode) is in tests/test_telemetry_server.py.
"""

import gzip
import http.server
import json
import re
import threading

import pytest
from flask import got_request_exception
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.exc import OperationalError, StatementError

from petition import create_app
from petition.dev.servers import free_port
from petition.telemetry import sentry

from helpers import app_settings, csrf_from, drain, link_in, post_signature

TOKEN = "metrics-token-for-tests"
#: A signer whose data must never reach an error report (kept away from the
#: raising lines, which Sentry sends as source context).
FIRST, LAST, EMAIL = "Jeanne", "Durandal", "jeanne.durandal@example.org"


@pytest.fixture
def app_overrides():
    return {"METRICS_TOKEN": TOKEN}


def scrape(client, token=TOKEN):
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return samples(response.get_data(as_text=True))


def samples(text):
    """{(name, (label pairs…)): value} of a Prometheus text exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found, name, **labels):
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


# --- request ids -----------------------------------------------------------------


def test_a_request_id_given_by_the_proxy_comes_back(client):
    response = client.get("/healthz", headers={"X-Request-ID": "edge-4f2a9c1e"})
    assert response.headers["X-Request-ID"] == "edge-4f2a9c1e"


def test_a_request_id_is_made_when_none_or_an_unsafe_one_is_given(client):
    made = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(made) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in made)
    for unsafe in ("short", "x" * 500, "a b c d e f g h", "abc\x7fdefgh"):
        rid = client.get("/healthz", headers={"X-Request-ID": unsafe}).headers["X-Request-ID"]
        assert rid != unsafe and re.fullmatch(r"[0-9a-f]{32}", rid)


def test_replayed_count_responses_carry_their_own_request_id(client, petition):
    url = "/api/v1/petitions/saint-etienne/count"
    first = client.get(url, headers={"X-Request-ID": "count-first-1"})
    second = client.get(url, headers={"X-Request-ID": "count-second-2"})  # the replay
    assert first.headers["X-Request-ID"] == "count-first-1"
    assert second.headers["X-Request-ID"] == "count-second-2"
    assert second.headers.get_all("X-Request-ID") == ["count-second-2"]


# --- metrics ---------------------------------------------------------------------


def test_metrics_answer_only_the_bearer_of_the_token(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 404
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("app_overrides", [{}])
def test_metrics_are_off_without_a_token(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer None"}).status_code == 404


def test_signatures_emails_and_queues_are_counted(client, petition, smtp_sink, run_jobs):
    before = scrape(client)
    post_signature(client, email="ada@example.org")
    post_signature(client, email="alan@example.org")
    found = scrape(client)
    assert value(found, "petition_signatures_total", event="signed") == 2 + value(
        before, "petition_signatures_total", event="signed"
    )
    assert value(found, "petition_queue_depth", queue="emails") == 2
    assert value(found, "petition_queue_oldest_job_age_seconds", queue="emails") > 0
    assert value(found, "petition_redis_degraded") == 0

    smtp_sink.refuse_next(1, "550 5.1.1 No such user here")
    drain(run_jobs)
    found = scrape(client)
    assert value(found, "petition_queue_depth", queue="emails") == 0
    assert value(found, "petition_emails_total", outcome="sent", reason="") == 1 + value(
        before, "petition_emails_total", outcome="sent", reason=""
    )
    assert value(found, "petition_emails_total", outcome="failed", reason="refused") == 1 + value(
        before, "petition_emails_total", outcome="failed", reason="refused"
    )

    (message,) = smtp_sink.messages
    path = link_in(message, "/confirm/")
    client.post(path, data={"csrf_token": csrf_from(client.get(path).get_data(as_text=True))})
    path = link_in(message, "/withdraw/")
    client.post(path, data={"csrf_token": csrf_from(client.get(path).get_data(as_text=True))})
    found = scrape(client)
    for event in ("confirmed", "withdrawn"):
        assert value(found, "petition_signatures_total", event=event) == 1 + value(
            before, "petition_signatures_total", event=event
        )


def test_a_temporary_smtp_failure_is_counted_by_its_reason(client, petition, smtp_sink, run_jobs):
    before = scrape(client)
    smtp_sink.refuse_next(1)  # 451: RQ retries it
    post_signature(client)
    drain(run_jobs)
    found = scrape(client)
    for outcome, reason in (("failed", "temporary"), ("sent", "")):
        assert value(found, "petition_emails_total", outcome=outcome, reason=reason) == 1 + value(
            before, "petition_emails_total", outcome=outcome, reason=reason
        )


def test_request_latency_is_observed_by_endpoint(client, petition):
    before = scrape(client)
    for _ in range(3):
        client.get("/api/v1/petitions/saint-etienne/count")  # the second and third are replays
    client.get("/no-such-page")
    found = scrape(client)
    name = "petition_request_duration_seconds_count"
    assert value(found, name, endpoint="api.count") == 3 + value(before, name, endpoint="api.count")
    assert value(found, name, endpoint="unmatched") == 1 + value(before, name, endpoint="unmatched")


def test_redis_down_is_reported_as_degraded(database_url, redis_server, smtp_sink):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings = app_settings(database_url, redis_server, smtp_sink, REDIS_URL=dead)
    app = create_app(dict(settings, METRICS_TOKEN=TOKEN))
    found = scrape(app.test_client())
    assert value(found, "petition_redis_degraded") == 1
    assert ("petition_queue_depth", (("queue", "emails"),)) not in found, "unknown, not 0"


# --- errors ------------------------------------------------------------------------


def boom():
    raise ValueError(f"could not mail {EMAIL}")


@pytest.fixture
def broken_app(app):
    app.add_url_rule("/boom", "boom", boom)
    return app


def test_an_unexpected_error_gives_the_500_page_and_flask_hears_of_it(broken_app):
    heard = []

    def listener(sender, exception, **extra):
        heard.append(exception)

    got_request_exception.connect(listener, broken_app)
    try:
        response = broken_app.test_client().get("/boom", headers={"Accept-Language": "fr"})
    finally:
        got_request_exception.disconnect(listener, broken_app)
    assert response.status_code == 500
    assert "Une erreur inattendue" in response.get_data(as_text=True)
    assert [type(e) for e in heard] == [ValueError], "error reporters listen to this signal"


def test_the_debugger_sees_unexpected_errors_in_development(broken_app):
    broken_app.debug = True
    broken_app.config["PROPAGATE_EXCEPTIONS"] = None  # Flask's default: debug decides
    with pytest.raises(ValueError):
        broken_app.test_client().get("/boom")


class FakeSentry(http.server.ThreadingHTTPServer):
    """Sentry's ingestion endpoint, keeping every envelope it receives."""

    def __init__(self):
        self.envelopes = []
        self.received = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(handler):  # noqa: N805 - the server is `self`
                body = handler.rfile.read(int(handler.headers["Content-Length"]))
                if handler.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                self.envelopes.append((handler.path, body))
                self.received.set()
                handler.send_response(200)
                handler.end_headers()
                handler.wfile.write(b"{}")

            def log_message(handler, *args):  # noqa: N805
                pass

        super().__init__(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def fake_sentry():
    pytest.importorskip("sentry_sdk", reason="sentry-sdk is a development requirement")
    import sentry_sdk

    server = FakeSentry()
    yield server
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: later tests report nothing
    server.shutdown()
    server.server_close()


def boom_sql():
    raise StatementError(
        "could not store",
        "INSERT INTO signatures (first_name, last_name, email) VALUES (?, ?, ?)",
        (FIRST, LAST, EMAIL),
        ValueError("bad"),
    )


def boom_database():
    raise OperationalError(
        "UPDATE signatures SET first_name=? WHERE email=?",
        (FIRST, EMAIL),
        Exception(f"server closed\nDETAIL: Key (email)=({EMAIL})"),
    )


def test_errors_reach_sentry_with_no_email_or_name(
    database_url, redis_server, smtp_sink, fake_sentry
):
    import sentry_sdk

    dsn = f"http://publickey@127.0.0.1:{fake_sentry.server_port}/42"
    app = create_app(app_settings(database_url, redis_server, smtp_sink, SENTRY_DSN=dsn))
    for view in (boom, boom_sql, boom_database):
        app.add_url_rule(f"/{view.__name__}", view.__name__, view)
    client = app.test_client()
    headers = {"Cookie": f"session={EMAIL}; remember_token={FIRST} {LAST}"}
    for path, status in (("/boom", 500), ("/boom_sql", 500), ("/boom_database", 503)):
        response = client.get(f"{path}?email={EMAIL}&name={FIRST}", headers=headers)
        assert response.status_code == status
    sentry_sdk.flush(timeout=10)
    assert fake_sentry.received.wait(10), "no envelope reached the fake Sentry"
    text = "\n".join(body.decode() for _path, body in fake_sentry.envelopes)
    assert {path for path, _body in fake_sentry.envelopes} == {"/api/42/envelope/"}
    for reported in ("ValueError", "StatementError", "Database unavailable"):
        assert reported in text, f"{reported} was not reported"
    assert "example.org" not in text
    for name in (FIRST, LAST, EMAIL.split("@")[0]):
        assert name not in text, text[max(0, text.find(name) - 300) : text.find(name) + 100]
    assert "remember_token" not in text and "session=" not in text


def test_scrub_drops_what_names_a_person():
    event = {
        "user": {"email": "a@b.fr", "ip_address": "1.2.3.4"},
        "request": {
            "url": "http://x/p/lyon?email=a@b.fr",
            "data": {"first_name": "Jean"},
            "cookies": {"session": "x"},
            "query_string": "email=a@b.fr",
            "headers": {"Cookie": "x", "User-Agent": "UA", "X-Forwarded-For": "1.2.3.4"},
        },
        "exception": {
            "values": [{"value": "from ada@example.org", "stacktrace": {"frames": [{"vars": {}}]}}]
        },
        "breadcrumbs": {"values": [{"message": "mail to bob@example.org"}]},
    }
    clean = json.dumps(sentry.scrub(event))
    for personal in ("a@b.fr", "Jean", "1.2.3.4", "ada@example.org", "bob@example.org", "vars"):
        assert personal not in clean
    assert "UA" in clean and "http://x/p/lyon" in clean
