"""Live streams cannot take a server: each process caps them per client address
(429) and in total (503), pages keep answering while the caps are reached, and
a client that goes away gives its thread and its Redis subscription back at
once, not at its next heartbeat.

Everything runs through real gunicorns started with gunicorn.conf.py, as the
Procfile's `web` (gthread) and `events` (gevent) processes, and raw sockets
that hold streams open the way EventSource does.
"""

import resource
import subprocess
import sys

import pytest

from petition.services import counters

from servers import EVENTS, ROOT, Gunicorn, RawStream, get, server_env, until

PAGE = "/p/saint-etienne"


@pytest.fixture
def start(app, petition, database_url, redis_server, smtp_sink, tmp_path):
    """start(**settings) -> a running gunicorn; all stopped before the database is emptied."""
    started = []

    def run(**settings):
        env = server_env(database_url, redis_server, smtp_sink, tmp_path, **settings)
        started.append(Gunicorn(env, tmp_path))
        return started[-1]

    yield run
    for server in started:
        server.stop()


@pytest.fixture
def held():
    """Streams and sockets the test opened, closed whatever happens."""
    opened = []
    yield opened
    for stream in opened:
        stream.close()


def subscribers(redis_client, petition):
    return redis_client.pubsub_numsub(counters.channel(petition.id))[0][1]


def pages_answer(port):
    """/healthz and the petition page answer from another connection and address."""
    status, _headers, _body = get(port, "/healthz", source="127.0.0.250")
    assert status == 200
    status, _headers, body = get(port, PAGE, source="127.0.0.251")
    assert status == 200 and "Signer la pétition" in body.decode()
    return True


def open_until_refused(port, source, held, most=50):
    """Open streams from `source` until one is refused; returns it."""
    for _ in range(most):
        stream = RawStream(port, source=source)
        held.append(stream)
        if stream.status != 200:
            return stream
    pytest.fail(f"{most} streams from {source} and none refused")


def test_threaded_web_keeps_half_its_threads_for_pages(start, held):
    """The Procfile's web process (gthread, 4 threads here): streams stop at
    half the threads (503), whoever opens them, and pages still answer."""
    web = start(WEB_THREADS=4)
    refused = None
    for n in range(2, 12):  # one stream per address: only the process cap applies
        stream = RawStream(web.port, source=f"127.0.0.{n}")
        held.append(stream)
        if stream.status != 200:
            refused = stream
            break
    assert refused is not None, "no stream refused"
    assert sum(s.status == 200 for s in held) == 2, "half of WEB_THREADS=4"
    assert refused.status == 503
    assert int(refused.headers["retry-after"]) > 0
    assert refused.body["status"] == 503
    assert "nombre maximal de flux en direct" in refused.body["message"]
    english = RawStream(web.port, source="127.0.0.99", headers="Accept-Language: en\r\n")
    held.append(english)
    assert english.status == 503 and "live streams" in english.body["message"]
    assert pages_answer(web.port)


@pytest.mark.parametrize("worker_class", ["gthread", "gevent"])
def test_one_address_gets_its_share_then_429_and_the_process_its_total_then_503(
    start, held, worker_class
):
    server = start(
        GUNICORN_WORKER_CLASS=worker_class, WEB_THREADS=8, SSE_MAX_PER_CLIENT=3, SSE_MAX_STREAMS=5
    )
    refused = open_until_refused(server.port, "127.0.0.2", held)
    assert [s.status for s in held] == [200, 200, 200, 429]
    assert int(refused.headers["retry-after"]) > 0
    assert "depuis votre adresse" in refused.body["message"]
    other = [RawStream(server.port, source="127.0.0.3") for _ in range(3)]
    held.extend(other)
    assert [s.status for s in other] == [200, 200, 503], "5 streams in all"
    assert pages_answer(server.port)
    held.pop(0).close()  # one of 127.0.0.2's streams ends: its slot comes back
    assert until(lambda: RawStream(server.port, source="127.0.0.4").status == 200)


@pytest.mark.parametrize("worker_class", ["gthread", "gevent"])
def test_closed_streams_give_back_their_thread_and_subscription_at_once(
    start, held, redis_client, petition, worker_class
):
    """Every thread holds a stream (SSE_MAX_STREAMS = threads, on purpose),
    heartbeats are two minutes apart: when the viewers leave, the server must
    notice by itself, long before the next heartbeat would fail to write.
    (Before the fix a stream waited on Redis until its next heartbeat, 15 s
    by default, and the threads stayed taken until then.)"""
    server = start(
        GUNICORN_WORKER_CLASS=worker_class, WEB_THREADS=2, SSE_MAX_STREAMS=2, SSE_HEARTBEAT=120
    )
    streams = [RawStream(server.port, source=f"127.0.0.{n}") for n in (2, 3)]
    held.extend(streams)
    assert [s.status for s in streams] == [200, 200]
    assert subscribers(redis_client, petition) == 1, "one subscription per process"
    for stream in streams:
        stream.close()
    assert until(lambda: subscribers(redis_client, petition) == 0, timeout=10), (
        "the subscriptions of the closed streams are released"
    )
    assert pages_answer(server.port), "the threads are free again"
    again = [RawStream(server.port, source=f"127.0.0.{n}") for n in (4, 5)]
    held.extend(again)
    assert [s.status for s in again] == [200, 200], "and so are the slots"


def test_a_stream_closed_before_its_first_byte_gives_its_slot_back(
    app, client, petition, redis_client
):
    """A server may close a response it never iterated (the client left
    first): neither the slot nor the Redis subscription stays behind."""
    response = client.get(EVENTS, buffered=False)
    assert response.status_code == 200
    assert subscribers(redis_client, petition) == 1
    response.close()
    assert until(lambda: subscribers(redis_client, petition) == 0, timeout=5)
    assert app.extensions["sse_slots"].total == 0


def test_stream_settings_come_from_the_environment():
    from petition.config import load_settings

    settings = load_settings(
        {
            "SSE_MAX_STREAMS": "50",
            "SSE_MAX_PER_CLIENT": "4",
            "SSE_HEARTBEAT": "5",
            "SSE_RETRY_AFTER": "12",
        }
    )
    assert (settings["SSE_MAX_STREAMS"], settings["SSE_MAX_PER_CLIENT"]) == (50, 4)
    assert (settings["SSE_HEARTBEAT"], settings["SSE_RETRY_AFTER"]) == (5.0, 12)
    defaults = load_settings({})
    assert defaults["SSE_MAX_STREAMS"] is None and defaults["SSE_MAX_PER_CLIENT"] == 10


def test_default_caps_follow_the_worker_class_and_the_descriptor_limit():
    """Under threads: half of WEB_THREADS. Under gevent: 1,000 streams, or as
    many as the process's descriptors allow (one each: the Redis connection is
    shared) when `ulimit -n` is low."""
    from petition.services import live

    assert live.max_streams({"SSE_MAX_STREAMS": None, "WEB_THREADS": 16}) == 8
    assert live.max_streams({"SSE_MAX_STREAMS": 3, "WEB_THREADS": 16}) == 3
    probe = (
        "import sys, resource\n"
        "from gevent import monkey; monkey.patch_all()\n"
        "from petition.services import live\n"
        "hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]\n"
        "for soft in (1024, 20000):\n"
        "    resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, hard), hard))\n"
        "    print(live.max_streams({'SSE_MAX_STREAMS': None}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    assert out[0] == str(max(1, min(1024, hard) - live.FD_RESERVE))
    if hard >= 20000:
        assert out[1] == "1000"


def redis_clients(redis_client):
    """(connections, of which subscribed) the Redis server holds now."""
    clients = redis_client.client_list()
    return len(clients), sum(int(c.get("sub", 0)) + int(c.get("psub", 0)) > 0 for c in clients)


@pytest.mark.parametrize(("worker_class", "viewers"), [("gthread", 20), ("gevent", 300)])
def test_many_viewers_cost_one_redis_connection_and_commands_still_work(
    start, held, redis_client, petition, worker_class, viewers
):
    """Each stream used to hold a pub/sub connection from the pool ordinary
    commands use (a full pool made count reads fail). Now a process listens
    on one connection and fans each message out to its streams."""
    server = start(
        GUNICORN_WORKER_CLASS=worker_class,
        WEB_THREADS=2 * viewers + 8,
        SSE_MAX_STREAMS=viewers,
        SSE_MAX_PER_CLIENT=viewers,
        SSE_HEARTBEAT=120,
    )
    assert pages_answer(server.port)
    before, _subscribed = redis_clients(redis_client)
    streams = [RawStream(server.port, source=f"127.0.1.{n % 200 + 1}") for n in range(viewers)]
    held.extend(streams)
    assert {s.status for s in streams} == {200}
    connections, subscribed = redis_clients(redis_client)
    assert subscribed == 1, f"{viewers} viewers, {subscribed} subscribed connections"
    assert connections <= before + 2, f"{viewers} viewers took {connections - before} more"
    assert subscribers(redis_client, petition) == 1

    redis_client.publish(counters.channel(petition.id), '{"signature_count":7}')
    for stream in streams:
        assert '"signature_count":7' in stream.read_until("\n\n"), "every viewer gets it"
    status, _headers, body = get(server.port, "/api/v1/petitions/saint-etienne", source="127.0.2.1")
    assert status == 200 and b"saint-etienne" in body, "ordinary commands still answer"
    assert pages_answer(server.port)
