"""Live stream: many SSE viewers on ONE web process (gunicorn gevent worker),
a confirmation made through the regular web processes, delivery measured, and
the Redis connections the viewers cost (one subscription per process)."""

import json
import subprocess
import sys
from pathlib import Path

from . import data
from .report import Row, missing
from .stack import rss_kib

HERE = Path(__file__).resolve().parent
GOAL = "5,000 clients, p99 < 1 s, 1 Redis subscription"
CONFIRMATIONS = 5


def stream(b):
    path = f"/api/v1/petitions/{b.slug}/events"
    try:
        import gevent  # noqa: F401
    except ImportError:
        return missing("live stream (SSE)", GOAL, "gevent is not installed")
    # Every bench viewer comes from 127.0.0.1: lift the per-address cap (10) for them.
    proc, port = b.stack.gunicorn(
        "wsgi:app",
        1,
        1,
        worker_class="gevent",
        SSE_MAX_PER_CLIENT=b.sse_clients,
        SSE_MAX_STREAMS=max(b.sse_clients, 1000),
        GUNICORN_WORKER_CONNECTIONS=b.sse_clients + 100,
    )
    try:
        if b.status(port, f"/api/v1/petitions/{b.slug}/count") == 404:
            return missing(
                "live stream (SSE)",
                GOAL,
                f"GET {path} is not there yet (issue 3); runs as soon as it exists",
            )
        return _measure(b, proc, port, path)
    finally:
        b.stack.stop(proc)


def _measure(b, proc, port, path):
    with b.app.app_context():
        data.bulk_signatures(b.petition_id, CONFIRMATIONS, "pending", "sse")
        tokens = data.tokens_for(data.rows_with_prefix(b.petition_id, "sse"))
    cookie, csrf = b.sessions.read_text().splitlines()[0].split("\t")
    config = b.workdir / "sse.json"
    config.write_text(
        json.dumps(
            {
                "events_url": f"http://127.0.0.1:{port}{path}",
                "clients": b.sse_clients,
                "app_url": f"http://127.0.0.1:{b.app_port}",
                "session": [cookie, csrf],
                "tokens": tokens,
            }
        )
    )
    idle_rss = rss_kib(proc.pid)
    before = _redis_clients(b.redis)
    clients = subprocess.Popen(
        [sys.executable, str(HERE / "sse_clients.py"), str(config)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    ready = clients.stdout.readline()
    held_rss = rss_kib(proc.pid)
    connections, subscribed = _redis_clients(b.redis)
    added = connections - before[0]
    clients.stdin.write("go\n")
    clients.stdin.flush()
    out, _ = clients.communicate(timeout=120)
    line = next((x for x in out.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"SSE clients failed: {ready} {out}")
    r = json.loads(line[len("BENCH_JSON ") :])
    p99 = r["p99_s"] if r["p99_s"] is not None else float("inf")
    row = Row(
        "live stream: SSE clients on 1 process",
        f"{r['held']:,}/{r['clients']:,} held, "
        f"delivery p50 {_s(r['p50_s'])}, p99 {_s(r['p99_s'])}, "
        f"{held_rss / 1024:.0f} MiB ({(held_rss - idle_rss) / max(r['held'], 1):.0f} KiB/client), "
        f"Redis: {subscribed} subscribed connection(s), +{added} in all",
        "-",
        None,
        GOAL if not b.quick else f"{b.sse_clients} clients (quick), p99 < 1 s, 1 subscription",
        r["held"] >= b.sse_clients and p99 < 1.0 and subscribed == 1,
    )
    expected = r["clients"] * CONFIRMATIONS
    row.checks.append(
        (
            f"{CONFIRMATIONS} confirmations answered {r['statuses']}, "
            f"{r['deliveries']}/{expected} deliveries, {r['missed']} missed",
            all(s == 200 for s in r["statuses"])
            and r["missed"] == 0
            and r["connected"] == r["clients"],
        )
    )
    return row


def _redis_clients(redis):
    """(connections, of which subscribed to a channel) Redis holds now."""
    clients = redis.client_list()
    return len(clients), sum(int(c.get("sub", 0)) + int(c.get("psub", 0)) > 0 for c in clients)


def _s(value):
    return "-" if value is None else f"{value * 1000:.0f} ms"
