"""Where the time of one signature (or confirmation) goes: cProfile in-process.

    python bench/profile_write.py sign 400        # 400 signs through the test client
    python bench/profile_write.py confirm 400     # 400 confirmations
    python bench/profile_write.py emails 400      # 400 confirmation emails by one worker
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/profile_write.py sign

Starts the bench's stack (private database, Redis, sink), makes `n` requests
through Flask's test client in this process under cProfile, and prints the
top functions by own time and by cumulative time. No gunicorn, no load
generator: what is left is the app's own Python.
"""

import cProfile
import gc
import pstats
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from redis.connection import Connection  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench import data  # noqa: E402
from bench.stack import Stack  # noqa: E402
from petition import create_app, jobs  # noqa: E402
from petition.extensions import db  # noqa: E402
from petition.jobs.signatures import send_confirmation  # noqa: E402
from petition.jobs.worker import LeanWorker  # noqa: E402

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _form(client, slug):
    html = client.get(f"/p/{slug}").get_data(as_text=True)
    return CSRF.search(html).group(1)


def sign_requests(app, slug, n, prefix="p"):
    client = app.test_client()
    token = _form(client, slug)

    def run():
        for i in range(n):
            response = client.post(
                f"/p/{slug}",
                data={
                    "csrf_token": token,
                    "first_name": "Jean",
                    "last_name": "Dupont",
                    "postal_code": "42000",
                    "category": "developer",
                    "consent": "y",
                    "email": f"{prefix}-{i}@gmail.com",
                },
                environ_base={"REMOTE_ADDR": f"10.1.{i // 250}.{i % 250}"},
            )
            assert response.status_code == 302, response.status_code

    return run


def confirm_requests(app, slug, petition_id, n, prefix="c"):
    sign_requests(app, slug, n, prefix=prefix)()
    with app.app_context():
        tokens = data.tokens_for(data.rows_with_prefix(petition_id, prefix))
    client = app.test_client()
    csrf = _form(client, slug)

    def run():
        for i, token in enumerate(tokens):
            response = client.post(
                f"/confirm/{token}",
                data={"csrf_token": csrf},
                environ_base={"REMOTE_ADDR": f"10.2.{i // 250}.{i % 250}"},
            )
            assert response.status_code == 200, response.status_code

    return run


def email_jobs(app, slug, petition_id, n, prefix="m"):
    """`n` confirmation jobs queued, then run by worker.py's worker class in
    this process until the queue is empty."""
    sign_requests(app, slug, n, prefix=prefix)()
    with app.app_context():
        jobs.queue(jobs.EMAIL_QUEUE).empty()  # the signing queued them already: once more
        for row in data.rows_with_prefix(petition_id, prefix):
            jobs.enqueue_email(send_confirmation, row, 1)
        connection = app.extensions["redis"]
    jobs.bind_worker_app(app)

    def run():
        worker = LeanWorker([jobs.EMAIL_QUEUE], connection=connection, job_class=jobs.AppJob)
        worker.work(burst=True, with_scheduler=False, logging_level="WARNING")

    return run


def measure(app, what, n, run):
    """Wall and CPU time, SQL statements and Redis commands per request: the
    last two do not depend on how busy the machine is."""
    statements = []
    with app.app_context():
        engine = db.engine
        redis = app.extensions["redis"]

    def count(*_args):
        statements.append(1)

    trips = []
    send = Connection.send_packed_command

    def sent(self, command, *args, **kwargs):
        trips.append(command)
        return send(self, command, *args, **kwargs)

    Connection.send_packed_command = sent
    event.listen(engine, "before_cursor_execute", count)
    pauses = {0: [], 1: [], 2: []}  # the cycle collector's runs, by generation
    began = [0.0]

    def collector(phase, info):
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            pauses[info["generation"]].append(time.perf_counter() - began[0])

    gc.callbacks.append(collector)
    commands = redis.info("stats")["total_commands_processed"]
    started, cpu = time.perf_counter(), time.process_time()
    run()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    # INFO itself is one command.
    commands = redis.info("stats")["total_commands_processed"] - commands - 1
    event.remove(engine, "before_cursor_execute", count)
    Connection.send_packed_command = send
    gc.callbacks.remove(collector)
    print(
        f"{what}: {n} requests, {elapsed / n * 1000:.2f} ms each, CPU {cpu / n * 1000:.2f} ms, "
        f"{len(statements) / n:.1f} SQL statements, {commands / n:.1f} Redis commands in "
        f"{len(trips) / n:.1f} round trips"
        " (no profiler)"
    )
    print(
        "cycle collector: "
        + ", ".join(
            f"generation {g}: {len(p)} runs, longest {max(p, default=0) * 1000:.1f} ms, "
            f"{sum(p) / n * 1000:.2f} ms per request"
            for g, p in pauses.items()
        )
        + f"; {len(gc.get_objects()):,} objects tracked, {gc.get_freeze_count():,} frozen"
    )


def _scenario(app, what, petition_id, n, prefix):
    """The requests (or jobs) to time, set up now: nothing of the set-up is timed."""
    if what == "sign":
        return sign_requests(app, "bench", n, prefix=prefix)
    if what == "emails":
        return email_jobs(app, "bench", petition_id, n, prefix=prefix)
    return confirm_requests(app, "bench", petition_id, n, prefix=prefix)


def main(what="sign", n="400"):
    n = int(n)
    stack = Stack()
    try:
        settings = stack.settings() | {"WTF_CSRF_ENABLED": True, "RATELIMIT_SIGN": "100000/hour"}
        app = create_app(settings)
        with app.app_context():
            upgrade(revision="heads")
            petition_id = data.create_petition("bench").id
        sign_requests(app, "bench", 20, prefix="warm")()
        measure(app, what, n, _scenario(app, what, petition_id, n, "plain"))
        run = _scenario(app, what, petition_id, n, what[0])
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.runcall(run)
        elapsed = time.perf_counter() - started
        print(f"{what}: {n} requests, {elapsed / n * 1000:.2f} ms each (under cProfile)")
        stats = pstats.Stats(profile).strip_dirs()
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
        profile.dump_stats(str(stack.workdir / f"{what}.prof"))
        with app.app_context():
            db.engine.dispose()
    finally:
        stack.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
