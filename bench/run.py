"""`make bench`: the real stack under load, side by side with its ceilings.

    python bench/run.py            # full run (about 10 minutes)
    python bench/run.py --quick    # every scenario briefly (CI smoke test)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/run.py

Starts gunicorn (gunicorn.conf.py), RQ workers, a private redis-server, a
private database (PostgreSQL when DATABASE_URL names a server, else SQLite)
and an SMTP sink; loads them from another process (wrk + bench/lua/, or
bench/pyload.py); prints one table. Exit status 1 when a self-check fails
(a goal missed is reported, not an error: the machine may be busy).
"""

import argparse
import http.client
import logging
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from redis import Redis  # noqa: E402

from bench import data, front, load, offline, panorama, report, sirene, sse, web  # noqa: E402
from bench.baseline_app import create_table  # noqa: E402
from bench.stack import Stack  # noqa: E402
from petition import create_app  # noqa: E402
from petition.extensions import db  # noqa: E402

WEB_WORKERS, WEB_THREADS = 2, 8


class Bench:
    """What the scenarios share: the stack, the app, ports and sizes."""

    def __init__(self, args):
        self.quick = args.quick
        self.rounds = 1 if args.quick else args.rounds
        self.duration = 2 if args.quick else args.duration
        self.emails = 100 if args.quick else 1500
        self.stored = 20_000 if args.quick else args.rows
        self.sse_clients = 100 if args.quick else 5000
        self.workers, self.threads = args.workers, args.threads
        self.stack = Stack()
        self.workdir = self.stack.workdir
        self.app = create_app(self.stack.settings())
        self.redis = Redis.from_url(self.stack.redis.url)

    def status(self, port, path):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", path)
        status = conn.getresponse().status
        conn.close()
        return status

    def start(self):
        logging.getLogger("alembic").setLevel(logging.WARNING)
        with self.app.app_context():
            upgrade(revision="heads")
            create_table(db.engine)
            self.slug = "bench"
            self.petition_id = data.create_petition(self.slug).id
        self.app_proc, self.app_port = self.stack.gunicorn("wsgi:app", self.workers, self.threads)
        self.base_proc, self.base_port = self.stack.gunicorn(
            "bench.baseline_app:create_app()", self.workers, self.threads
        )
        self.sessions = data.fetch_sessions(
            self.app_port, self.slug, 64, self.workdir / "sessions.txt"
        )


def machine():
    mem = next(
        line
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    return (
        f"{os.cpu_count()} cores ({cpu}), {int(mem.split()[1]) / 1048576:.1f} GiB RAM, "
        f"load average {os.getloadavg()[0]:.2f} at start, {platform.platform()}"
    )


def versions(b):
    from importlib.metadata import version

    import gunicorn
    import rq
    import sqlalchemy

    with b.app.app_context():
        server = db.session.connection().dialect.server_version_info
    redis_v = b.redis.info("server")["redis_version"]
    wrk = (
        subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
        if load.generator() == "wrk"
        else "bench/pyload.py"
    )
    return (
        f"Python {platform.python_version()}, Flask {version('flask')}, SQLAlchemy "
        f"{sqlalchemy.__version__}, gunicorn {gunicorn.__version__}, RQ {rq.__version__}, "
        f"{b.stack.database.kind} {'.'.join(map(str, server or ()))}, Redis {redis_v}; "
        f"load: {wrk.strip()}"
    )


def configuration(b):
    return (
        f"web: gunicorn gthread, {b.workers} workers x {b.threads} threads, keep-alive "
        f"(baseline app: same); SSE: 1 gevent worker; worker: 1 worker.py "
        f"(LeanWorker: RQ's SimpleWorker, one reused SMTP connection); "
        f"load: {web.READ_CONNECTIONS} connections for reads, "
        f"{web.WRITE_CONNECTIONS} for writes, {b.duration} s per run, {b.rounds} interleaved "
        f"round(s), medians; {b.stored:,} rows for export and growth"
    )


SCENARIOS = (
    "counter",
    "nginx",
    "memory",
    "sign",
    "confirm",
    "confirm-spread",
    "emails",
    "sse",
    "export",
    "attestation",
    "growth",
    "results",
    "sirene",
    "panorama",
    "panorama-map",
)


def scenarios(b, only):
    steps = {
        "counter": web.counter,
        "nginx": front.count,
        "memory": web.memory,
        "sign": web.sign,
        "confirm": web.confirm,
        "confirm-spread": web.confirm_spread,
        "emails": offline.emails,
        "sse": sse.stream,
        "sirene": sirene.import_rows,
        "panorama": panorama.page,
        "panorama-map": panorama.svg_map,
    }
    rows = []
    for name in SCENARIOS:
        if name in steps and name in only:
            got = steps[name](b)
            rows.extend(got if isinstance(got, list) else [got])
    if not {"export", "attestation", "growth", "results"} & set(only):
        return rows
    with b.app.app_context():
        big = data.create_petition("bench-big")
        empty = data.create_petition("bench-empty")
        big_id, empty_id = big.id, empty.id
        started = time.monotonic()
        data.bulk_signatures(big_id, b.stored, "verified", "big")
        loaded = time.monotonic() - started
    if "export" in only:
        rows.append(offline.export(b, "bench-big", big_id, b.stored))
    if "attestation" in only:
        rows.append(offline.attestation(b, "bench-big", big_id, b.stored))
    if "growth" in only:
        rows.append(web.growth(b, "bench-big", big_id, "bench-empty", empty_id, b.stored))
    if "results" in only:
        rows.append(web.results(b, "bench-big", "bench-empty", b.stored))
    rows[-1].note = (
        rows[-1].note + f"; {b.stored:,} verified rows bulk-loaded in {loaded:.1f} s"
    ).lstrip("; ")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description="Benchmarks side by side with their baselines.")
    parser.add_argument("--quick", action="store_true", help="every scenario briefly (CI)")
    parser.add_argument("--duration", type=int, default=12, help="seconds per load run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="rows for export, growth and results"
    )
    parser.add_argument("--workers", type=int, default=WEB_WORKERS, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=WEB_THREADS, help="threads per process")
    parser.add_argument(
        "--only",
        default=",".join(SCENARIOS),
        help=f"comma-separated subset of: {', '.join(SCENARIOS)}",
    )
    args = parser.parse_args(argv)
    b = Bench(args)
    try:
        b.start()
        print(f"Machine: {machine()}", flush=True)
        print(f"Versions: {versions(b)}", flush=True)
        print(f"Configuration: {configuration(b)}\n", flush=True)
        rows = scenarios(b, args.only.split(","))
    finally:
        b.stack.close()
    print(report.render(rows))
    ok = report.all_checks_pass(rows)
    print("\nSELF-CHECKS PASSED" if ok else "\nSELF-CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
