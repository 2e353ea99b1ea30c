"""The count through nginx: docs/nginx/petition.conf in front of the bench's
gunicorn (petition/dev/nginx.py renders the very file the README tells
operators to include), beside the same nginx serving a static file of the
same bytes, and beside gunicorn alone. Interleaved rounds, medians."""

import http.client

from petition.dev import nginx
from petition.dev.servers import free_port, wait_for_port

from . import load
from .report import Row, median, missing, ratio_row
from .web import READ_CONNECTIONS

#: wrk's threads for these rows: one per core. With one, wrk's own thread
#: was the limit of nginx's static file (~100,000 reads/s on one core), so
#: the row measured wrk; gunicorn alone keeps wrk mostly idle either way.
THREADS = 2


def _get(port, path, as_wrk=False):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    if as_wrk:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
    else:
        conn.request("GET", path)
    response = conn.getresponse()
    body, cache = response.read(), response.getheader("X-Cache", "")
    conn.close()
    return response.status, body, cache


def start(b):
    """nginx in front of the bench's app; the static twin of the count in its /static/."""
    found = nginx.binary()
    if found is None:
        return None
    directory = b.workdir / "nginx"
    static = directory / "static"
    static.mkdir(parents=True, exist_ok=True)
    _status, body, _cache = _get(b.app_port, f"/api/v1/petitions/{b.slug}/count")
    (static / "count.json").write_bytes(body)
    port = free_port()
    conf = nginx.render(
        nginx.CONF.read_text(),
        b.app_port,
        b.app_port,
        port,
        free_port(),
        directory / "cache",
        static=static,
    )
    front = nginx.Nginx(found, directory, conf, workers="auto")
    b.stack.processes.append(front.process)
    wait_for_port(port, timeout=15)
    front.port = port
    # A popular count is always in nginx's cache: store it before measuring.
    # Cold, the first request of each connection would wait on
    # proxy_cache_lock, which polls every 500 ms: 31 of 32 connections lost
    # half a second at the start of the first run (nginx's access log, 3 Dec).
    # Asked as wrk asks, with no Accept-Encoding: the count varies on it, so
    # http.client's default "identity" would store another variant.
    _get(port, f"/api/v1/petitions/{b.slug}/count", as_wrk=True)
    return front


def count(b):
    """Rows: nginx count / nginx static (>= 0.8x), nginx count / gunicorn alone (>= 10x)."""
    front = start(b)
    if front is None:
        why = "nginx is not installed (apt-get install -y nginx)"
        return [
            missing("count via nginx / static", ">= 0.8x", why),
            missing("count via nginx / gunicorn", ">= 10x", why),
        ]
    path = f"/api/v1/petitions/{b.slug}/count"
    runs = {"nginx": [], "static": [], "gunicorn": []}
    urls = {
        "nginx": f"http://127.0.0.1:{front.port}{path}",
        "static": f"http://127.0.0.1:{front.port}/static/count.json",
        "gunicorn": f"http://127.0.0.1:{b.app_port}{path}",
    }
    try:
        for r in range(b.rounds):
            order = list(runs) if r % 2 == 0 else list(runs)[::-1]
            for name in order:
                runs[name].append(
                    load.run(urls[name], "get", b.duration, READ_CONNECTIONS, THREADS)
                )
        _get(front.port, path)  # stored (the cache entry of the load may have expired)
        status, body, cache = _get(front.port, path)  # then answered by nginx alone
        _s, direct, _c = _get(b.app_port, path)
    finally:
        front.stop()
    rate = {name: median([g["rate"] for g in got]) for name, got in runs.items()}
    figures = {name: _figures(got) for name, got in runs.items()}
    static_row = ratio_row(
        "count via nginx / static",
        figures["nginx"],
        figures["static"] + " (nginx, static file, same bytes)",
        rate["nginx"] / rate["static"],
        at_least=0.8,
    )
    gunicorn_row = ratio_row(
        "count via nginx / gunicorn",
        figures["nginx"],
        figures["gunicorn"] + " (gunicorn alone)",
        rate["nginx"] / rate["gunicorn"],
        at_least=10,
    )
    errors = {
        name: sum(g["errors"] + g["status_errors"] for g in got) for name, got in runs.items()
    }
    static_row.checks += [
        (
            f"{name}: {sum(g['requests'] for g in got)} reads, {errors[name]} errors",
            not errors[name],
        )
        for name, got in runs.items()
    ]
    gunicorn_row.checks.append(
        (
            f"through nginx: {status}, X-Cache {cache or '-'}, body = gunicorn's: {body == direct}",
            status == 200 and body == direct and cache == "HIT",
        )
    )
    return [static_row, gunicorn_row]


def _figures(got):
    return (
        f"{median([g['rate'] for g in got]):,.0f} req/s, "
        f"p50 {median([g['p50_ms'] for g in got]):.1f} ms, "
        f"p99 {median([g['p99_ms'] for g in got]):.1f} ms"
    )


__all__ = ["count", "Row"]
