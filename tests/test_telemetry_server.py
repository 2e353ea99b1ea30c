"""Logs and metrics as an operator gets them from the real gunicorn of
gunicorn.conf.py: one JSON line per event with its request id, the access log
on in production, and /metrics summing two workers in multiprocess mode."""

import json

import pytest
from prometheus_client.parser import text_string_to_metric_families
from test_scale_out import Browser

from petition.dev.servers import free_port

from helpers import sign_data
from servers import Gunicorn, RawStream, get, server_env, until

TOKEN = "scrape-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def scrape(port):
    status, _headers, body = get(port, "/metrics", headers=AUTH)
    assert status == 200, body[:300]
    found = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found, name, **labels):
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def json_lines(server):
    """Every line gunicorn and the app wrote, each parsed as JSON."""
    lines = [line for line in server.log.read_text().splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


@pytest.fixture
def production_json(petition, database_url, redis_server, smtp_sink, tmp_path):
    """APP_ENV=production, LOG_FORMAT=json, and a Redis that does not answer."""
    env = server_env(
        database_url,
        redis_server,
        smtp_sink,
        tmp_path,
        APP_ENV="production",
        ATTESTATIONS_ENABLED="0",  # else production wants its signing key
        LOG_FORMAT="json",
        METRICS_TOKEN=TOKEN,
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        GUNICORN_LOG_LEVEL="info",
    )
    env.pop("GUNICORN_ACCESS_LOG", None)
    server = Gunicorn(env, tmp_path, "json")
    yield server
    server.stop()


def test_logs_are_json_lines_with_the_request_id_and_slug(production_json):
    port = production_json.port
    status, headers, _body = get(
        port, "/api/v1/petitions/saint-etienne/count", headers={"X-Request-ID": "lb-7f3a2b9c"}
    )
    assert status == 200, "Redis down: the count comes from the database"
    assert headers["X-Request-ID"] == "lb-7f3a2b9c"
    until(
        lambda: any(
            r.get("request_id") == "lb-7f3a2b9c"
            for r in json_lines(production_json)
            if r.get("logger") == "gunicorn.access"
        )
    )
    records = json_lines(production_json)  # fails here on any line that is not JSON
    ours = [r for r in records if r.get("request_id") == "lb-7f3a2b9c"]
    (app_line,) = [r for r in ours if r["logger"] == "petition.services.counters"]
    assert app_line["level"] == "WARNING" and app_line["slug"] == "saint-etienne"
    assert "Redis unavailable" in app_line["message"] and app_line["time"]
    (access,) = [r for r in ours if r["logger"] == "gunicorn.access"]
    assert access["path"] == "/api/v1/petitions/saint-etienne/count"
    assert str(access["status"]) == "200" and access["method"] == "GET"
    assert any(r["logger"] == "gunicorn.error" for r in records), "gunicorn's own lines too"


def test_redis_down_shows_as_degraded_in_metrics(production_json):
    assert value(scrape(production_json.port), "petition_redis_degraded") == 1
    assert get(production_json.port, "/metrics")[0] == 404, "no token, no metrics"


@pytest.fixture
def two_workers(petition, database_url, redis_server, smtp_sink, tmp_path):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = server_env(
        database_url,
        redis_server,
        smtp_sink,
        tmp_path,
        WEB_CONCURRENCY=2,
        PROMETHEUS_MULTIPROC_DIR=metrics_dir,
        METRICS_TOKEN=TOKEN,
        RATELIMIT_SIGN="1000 per minute",
        RATELIMIT_EMAIL="1000 per minute",
        GUNICORN_ACCESS_LOG="-",
    )
    server = Gunicorn(env, tmp_path, "two-workers")
    server.metrics_dir = metrics_dir
    until(lambda: len(server.worker_pids()) == 2)
    # Workers import the app after the port opens: on a loaded machine the
    # first request waits for that, so give it a minute once.
    assert get(server.port, "/healthz", timeout=60)[0] == 200
    yield server
    server.stop()


def worker_files(server):
    return {path.stem.rsplit("_", 1)[-1] for path in server.metrics_dir.glob("*.db")}


def test_metrics_of_two_workers_are_summed(two_workers):
    port = two_workers.port
    requests = 1  # the fixture's first /healthz
    while len(worker_files(two_workers)) < 2 and requests < 400:
        assert get(port, "/healthz")[0] == 200
        requests += 1
    assert worker_files(two_workers) == {str(pid) for pid in two_workers.worker_pids()}
    for i in range(3):
        browser = Browser(port, "127.0.0.1")
        status, page = browser.post_form("/p/saint-etienne", **sign_data(email=f"s{i}@gmail.com"))
        assert status == 302, page[:300]

    found = scrape(port)
    name = "petition_request_duration_seconds_count"
    assert value(found, name, endpoint="health.healthz") == requests
    assert value(found, "petition_signatures_total", event="signed") == 3
    assert value(found, "petition_queue_depth", queue="emails") == 3, "no worker.py running"
    assert value(found, "petition_queue_oldest_job_age_seconds", queue="emails") > 0
    assert value(found, "petition_redis_degraded") == 0

    stream = RawStream(port)
    try:
        assert stream.status == 200
        assert value(scrape(port), "petition_open_streams") == 1
    finally:
        stream.close()
    assert until(lambda: value(scrape(port), "petition_open_streams") == 0)


def test_the_access_log_carries_the_request_id(two_workers):
    _status, headers, _body = get(two_workers.port, "/healthz")
    rid = headers["X-Request-ID"]
    assert until(lambda: f"request_id={rid}" in two_workers.log.read_text())
