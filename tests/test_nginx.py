"""The production front: docs/nginx/petition.conf, run as it is (only the lines
marked `# site` changed: ports, folders, plain HTTP) in front of the Procfile's
two gunicorn pools, web (gthread) and events (gevent).

Slow clients wait in nginx, never in gunicorn: with hundreds of connections
stalled in their request headers, /healthz and the petition page answer.
The README's other claims about the file hold too: the stream comes from the
events pool unbuffered, the count is cached, the visitor's address reaches
the app (PROXY_COUNT=1), large bodies stop at nginx.

nginx runs unprivileged from a folder of the test (NGINX_PATH to pick one).
Without nginx the tests skip, unless REQUIRE_NGINX=1 or REQUIRE_BROWSER=1
(CI, .ci/run), where they fail.
"""

import http.client
import os

import pytest

from petition.dev import nginx
from petition.dev.servers import free_port, wait_for_port
from petition.services import counters

from helpers import post_signature
from servers import Gunicorn, RawStream, get, server_env, stall, until

STALLED = 300


def nginx_binary():
    found = nginx.binary()
    if found is None:
        reason = "no nginx (apt-get install nginx, or NGINX_PATH)"
        if "1" in (os.environ.get("REQUIRE_NGINX"), os.environ.get("REQUIRE_BROWSER")):
            pytest.fail(f"{reason}, and REQUIRE_NGINX=1 or REQUIRE_BROWSER=1: it may not skip")
        pytest.skip(reason)
    return found


@pytest.fixture
def site(app, petition, database_url, redis_server, smtp_sink, tmp_path):
    """nginx on a free port in front of a web (gthread, 4 threads) and an events
    (gevent) gunicorn; the web process refuses every stream, so a stream that
    answers came from the events pool."""
    binary = nginx_binary()
    common = dict(PROXY_COUNT=1, WEB_THREADS=4)
    servers = []
    front = None
    try:
        servers.append(
            Gunicorn(
                server_env(
                    database_url, redis_server, smtp_sink, tmp_path, SSE_MAX_STREAMS=0, **common
                ),
                tmp_path,
                "web",
            )
        )
        servers.append(
            Gunicorn(
                server_env(
                    database_url,
                    redis_server,
                    smtp_sink,
                    tmp_path,
                    GUNICORN_WORKER_CLASS="gevent",
                    SSE_MAX_PER_CLIENT=3,
                    **common,
                ),
                tmp_path,
                "events",
            )
        )
        port = free_port()
        directory = tmp_path / "nginx"
        directory.mkdir()
        conf = nginx.render(
            nginx.CONF.read_text(),
            servers[0].port,
            servers[1].port,
            port,
            free_port(),
            directory / "cache",
        )
        front = nginx.Nginx(binary, directory, conf)
        try:
            wait_for_port(port, timeout=15)
        except RuntimeError:
            pytest.fail(f"nginx did not start:\n{front.errors()}")
        front.port, front.web = port, servers[0]
        yield front
    finally:
        if front is not None:
            front.stop()
        for server in servers:
            server.stop()


@pytest.fixture
def held():
    opened = []
    yield opened
    for sock in opened:
        sock.close()


def test_slow_clients_wait_in_nginx_and_pages_still_answer(site, held):
    for n in range(STALLED):
        held.append(stall(site.port, source=f"127.0.{n // 200 + 1}.{n % 200 + 2}"))
    held.append(
        stall(
            site.port,
            request=b"POST /p/saint-etienne HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 1000\r\n\r\nfirst_name=",
        )
    )
    status, headers, _body = get(site.port, "/healthz", source="127.0.9.1")
    assert status == 200, site.errors()
    status, _headers, body = get(site.port, "/p/saint-etienne", source="127.0.9.2")
    assert status == 200 and "Signer la pétition" in body.decode()
    status, headers, _body = get(site.port, "/static/js/live.js", source="127.0.9.3")
    assert status == 200 and "max-age=604800" in headers.get("Cache-Control", "")


def test_the_stream_comes_unbuffered_from_the_events_pool(
    site, held, client, confirm_via_email, redis_client, petition
):
    stream = RawStream(site.port, source="127.0.5.1")
    held.append(stream)
    assert stream.status == 200, "the web pool refuses every stream: this came from events"
    assert b'"signature_count":0' in stream.first
    post_signature(client)
    confirm_via_email()
    stream.read_until('"signature_count":1')  # nginx passed the event on at once
    stream.close()
    channel = counters.channel(petition.id)
    assert until(lambda: redis_client.pubsub_numsub(channel)[0][1] == 0, timeout=10), (
        "the viewer left: nginx closes its upstream connection, the events process notices"
    )


def test_the_app_sees_each_visitor_address_through_nginx(site, held):
    mine = [RawStream(site.port, source="127.0.5.2") for _ in range(4)]
    held.extend(mine)
    assert [s.status for s in mine] == [200, 200, 200, 429], "SSE_MAX_PER_CLIENT=3"
    assert int(mine[-1].headers["retry-after"]) > 0
    other = RawStream(site.port, source="127.0.5.3")
    held.append(other)
    assert other.status == 200, "another visitor is another address, not nginx's"


def test_the_count_is_cached_by_nginx(site):
    count = "/api/v1/petitions/saint-etienne/count"
    caches = [get(site.port, count)[1].get("X-Cache") for _ in range(10)]
    assert "HIT" in caches, caches
    site.web.stop()  # the web pool goes down: widgets still get the last count
    assert until(lambda: get(site.port, count)[1].get("X-Cache") == "STALE", timeout=10)
    status, _headers, body = get(site.port, count)
    assert status == 200 and b'"signature_count":0' in body


def test_nginx_keeps_the_embed_and_the_badge_per_language(site):
    """Cached as the headers say (no `proxy_ignore_headers Vary`): a second
    reader of the same language gets nginx's copy, a reader of the other
    language never does."""
    french, english = {"Accept-Language": "fr-FR,fr;q=0.9"}, {"Accept-Language": "en-GB,en"}
    for path, fr_word, en_word in [
        ("/badge/saint-etienne.svg", b"soutien v", b"verified supporter"),
        ("/embed/saint-etienne", b'<html lang="fr"', b'<html lang="en"'),
    ]:
        seen = []
        for headers in [french, english, french, english, english, french]:
            status, answer, body = get(site.port, path, headers=headers)
            assert status == 200 and "Set-Cookie" not in answer
            assert "Cookie" not in answer.get("Vary", ""), answer.get("Vary")
            word = fr_word if headers is french else en_word
            assert word in body, f"{path} for {headers} answered the other language"
            seen.append(answer.get("X-Cache"))
        assert seen[:2] == ["MISS", "MISS"] and "HIT" in seen[2:], (path, seen)


def test_a_large_body_stops_at_nginx(site):
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=15)
    conn.request(
        "POST",
        "/p/saint-etienne",
        body=b"x" * (1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert conn.getresponse().status == 413
    conn.close()
