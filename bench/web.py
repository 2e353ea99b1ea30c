"""Web scenarios, each interleaved with its baseline (A B B A …) so that the
noise of a shared machine hits both sides alike; medians are reported."""

import http.client
import time
from pathlib import Path

from rq import Queue

from petition.jobs import EMAIL_QUEUE

from . import data, load
from .report import Row, median, missing, ratio_row

READ_CONNECTIONS = 32
WRITE_CONNECTIONS = 16
#: Growth compares latency, not throughput: at light load p50 is the time to
#: serve a signature; with the server saturated it would be time spent queuing.
LATENCY_CONNECTIONS = 2


def interleave(rounds, measured, baseline):
    """Run measured/baseline pairs, alternating which goes first."""
    got, base = [], []
    for r in range(rounds):
        pair = [(got, measured), (base, baseline)]
        for results, run in pair if r % 2 == 0 else pair[::-1]:
            results.append(run(r))
    return got, base


def counter(b):
    path = f"/api/v1/petitions/{b.slug}/count"
    if b.status(b.app_port, path) != 200:
        return missing(
            "counter read",
            ">= 0.9x",
            f"GET {path} is not there yet (issue 3); runs as soon as it exists",
        )
    got, base = interleave(
        b.rounds,
        lambda r: load.run(
            f"http://127.0.0.1:{b.app_port}{path}", "get", b.duration, READ_CONNECTIONS
        ),
        lambda r: load.run(
            f"http://127.0.0.1:{b.base_port}/const", "get", b.duration, READ_CONNECTIONS
        ),
    )
    row = ratio_row(
        "counter read",
        _rate(got, "req/s"),
        _rate(base, "req/s"),
        median([g["rate"] for g in got]) / median([g["rate"] for g in base]),
        at_least=0.9,
    )
    errors = sum(g["errors"] + g["status_errors"] for g in got)
    row.checks.append((f"{sum(g['requests'] for g in got)} reads, {errors} errors", errors == 0))
    return row


MIB = 1024 * 1024
#: Made-up slugs the memory row asks (issue 15: 20,000 used to grow a worker by
#: ~55 MiB, for good). Growth above this bound is a miss.
RANDOM_SLUGS, QUICK_RANDOM_SLUGS, FLAT_MIB = 100_000, 2_000, 10.0


def memory(b):
    """Made-up slugs on the count URL: the web processes' memory stays flat
    (services/local_counts.py bounds what each keeps)."""
    pids = _children(b.app_proc.pid)
    known = f"http://127.0.0.1:{b.app_port}/api/v1/petitions/{b.slug}/count"
    load.run(known, "get", 2, READ_CONNECTIONS)  # imports, pools and caches settle first
    load.run(f"http://127.0.0.1:{b.app_port}/", "random_count", 2, READ_CONNECTIONS)
    before = _rss(pids)
    target = QUICK_RANDOM_SLUGS if b.quick else RANDOM_SLUGS
    asked, rates = 0, []
    while asked < target:
        got = load.run(
            f"http://127.0.0.1:{b.app_port}/", "random_count", b.duration, READ_CONNECTIONS
        )
        asked += got["requests"]
        rates.append(got["rate"])
        if not got["requests"]:
            break
    growth = (_rss(pids) - before) / MIB
    row = Row(
        "memory: made-up slugs",
        f"RSS {growth:+.1f} MiB after {asked:,} made-up slugs on the count URL "
        f"({len(pids)} workers, {median(rates):,.0f} req/s)",
        f"{before / MIB:.0f} MiB before",
        None,
        f"< {FLAT_MIB:g} MiB growth",
        growth < FLAT_MIB,
    )
    status = b.status(b.app_port, f"/api/v1/petitions/{b.slug}/count")
    row.checks.append(
        (
            f"{asked:,} slugs asked; the real petition still answers {status}",
            (asked >= target and status == 200),
        )
    )
    return row


def _children(parent):
    """The gunicorn workers: the processes whose parent is the master."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


def _rss(pids):
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def _rate(results, unit):
    return (
        f"{median([r['rate'] for r in results]):,.0f} {unit}, "
        f"p50 {median([r['p50_ms'] for r in results]):.1f} ms, "
        f"p99 {median([r['p99_ms'] for r in results]):.1f} ms"
    )


def _insert(b, prefix, duration=None):
    return load.run(
        f"http://127.0.0.1:{b.base_port}/insert",
        "insert",
        duration or b.duration,
        WRITE_CONNECTIONS,
        prefix=prefix,
    )


def settled(state, quiet=0.5, within=15.0):
    """`state()` once it stops moving: requests still in flight when the load
    stopped (seconds of them on a loaded machine) finish before the checks."""
    deadline = time.monotonic() + within
    last = state()
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = state()
        if now == last:
            return now
        last = now
    return last


#: Issue 16's goals against the bare INSERT endpoint (throughput; sign's p99).
SIGN_GOAL, CONFIRM_GOAL, SIGN_P99_GOAL = 0.35, 0.35, 4.0


def sign_run(b, slug, petition_id, prefix, connections=WRITE_CONNECTIONS, duration=None):
    """One sign load; checks one row per email sent and one email job per row."""
    figures = load.run(
        f"http://127.0.0.1:{b.app_port}/p/{slug}",
        "sign",
        duration or b.duration,
        connections,
        sessions=b.sessions,
        slug=slug,
        prefix=prefix,
    )
    queue = Queue(EMAIL_QUEUE, connection=b.redis)

    def state():
        with b.app.app_context():
            rows, distinct, _ = data.counts(petition_id, prefix)
            ids = {row.id for row in data.rows_with_prefix(petition_id, prefix)}
        # Jobs of this run's rows only (job id "email-<row id>-<nonce>-<n>"): a
        # request of the previous run still in flight when its queue was emptied
        # (seconds, on a loaded machine) may queue its job during this one.
        queued = [int(job_id.split("-")[1]) for job_id in queue.get_job_ids()]
        return rows, distinct, sum(1 for row_id in queued if row_id in ids)

    rows, distinct, jobs = settled(state)
    queue.empty()  # the emails scenario measures the worker on its own
    figures["check"] = (
        rows == distinct
        and figures["ok"] <= rows <= figures["sent"]
        and jobs == rows
        and figures["bad"] == 0
    )
    figures["check_text"] = (
        f"{prefix}: {figures['sent']} sent, {figures['ok']} answered 302, "
        f"{rows} rows, {distinct} distinct emails, {jobs} email jobs queued"
    )
    return figures


def sign(b):
    # A fresh web process's first signatures pay one-time costs (connections,
    # lazy loads such as the geography): on this shared machine a first
    # round's p99 was 3.3-6.6 s where the next rounds' were 0.3-0.6 s. Two
    # unmeasured seconds of each load first, so the rounds measure the steady
    # state (the warm-up's own checks still have to pass).
    warmup = min(2, b.duration)
    warm = [sign_run(b, b.slug, b.petition_id, "w", duration=warmup), _insert(b, "bw", warmup)]
    got, base = interleave(
        b.rounds,
        lambda r: sign_run(b, b.slug, b.petition_id, f"s{r}"),
        lambda r: _insert(b, f"bs{r}"),
    )
    b.sign_p50 = median([g["p50_ms"] for g in got])
    row = ratio_row(
        "sign",
        _rate(got, "signs/s"),
        _rate(base, "inserts/s"),
        median([g["rate"] for g in got]) / median([g["rate"] for g in base]),
        at_least=SIGN_GOAL,
    )
    row.checks += [(g["check_text"], g["check"]) for g in (*got, warm[0])]
    p99, base_p99 = median([g["p99_ms"] for g in got]), median([g["p99_ms"] for g in base])
    tail = ratio_row(
        "sign p99 under the sign load",
        f"p99 {p99:.1f} ms",
        f"p99 {base_p99:.1f} ms (bare INSERT)",
        p99 / base_p99 if base_p99 else 0.0,
        at_most=SIGN_P99_GOAL,
    )
    return [row, tail]


def confirm_run(b, r, petition_ids=None, prefix=None, tokens=None):
    """One confirm load on tokens of `petition_ids` (the bench's petition by
    default); checks, for each petition, count = verified rows after it."""
    petition_ids = petition_ids or [b.petition_id]
    prefix = prefix or f"c{r}"
    figures = load.run(
        f"http://127.0.0.1:{b.app_port}/confirm/x",
        "confirm",
        b.duration,
        WRITE_CONNECTIONS,
        sessions=b.sessions,
        tokens=tokens or b.token_files[r],
    )

    def state():
        with b.app.app_context():
            got = [data.counts(pid, prefix) + data.count_state(pid) for pid in petition_ids]
        return tuple(tuple(g) for g in got)

    each = settled(state)
    verified = sum(e[2] for e in each)
    consistent = all(stored == counted for *_, stored, counted in each)
    figures["check"] = (
        figures["wrapped"] == 0
        and figures["ok"] <= verified <= figures["sent"]
        and consistent
        and figures["bad"] == 0
    )
    counts = ", ".join(f"{stored} = {counted}" for *_, stored, counted in each)
    figures["check_text"] = (
        f"{prefix}: {figures['sent']} tokens posted, {figures['ok']} answered "
        f"200, {verified} verified; count = verified rows: {counts}"
    )
    return figures


def _token_file(b, name, petition_ids, n, prefix):
    """`n` pending rows spread evenly over `petition_ids`, their tokens
    interleaved (petition 1, 2, …, 1, 2, …) so that concurrent clients confirm
    on different petitions."""
    with b.app.app_context():
        per = [n // len(petition_ids)] * len(petition_ids)
        columns = []
        for pid, count in zip(petition_ids, per, strict=True):
            data.bulk_signatures(pid, count, "pending", prefix)
            columns.append(data.tokens_for(data.rows_with_prefix(pid, prefix)))
    path = b.workdir / f"{name}.txt"
    path.write_text("\n".join(t for row in zip(*columns, strict=True) for t in row))
    return path


def _tokens_needed(b):
    return int(b.duration * 1500) + 500  # more than the fastest run can use


def confirm(b):
    b.token_files = [
        _token_file(b, f"tokens-{r}", [b.petition_id], _tokens_needed(b), f"c{r}")
        for r in range(b.rounds)
    ]
    got, base = interleave(b.rounds, lambda r: confirm_run(b, r), lambda r: _insert(b, f"bc{r}"))
    row = ratio_row(
        "confirm",
        _rate(got, "confirms/s"),
        _rate(base, "inserts/s"),
        median([g["rate"] for g in got]) / median([g["rate"] for g in base]),
        at_least=CONFIRM_GOAL,
    )
    row.checks += [(g["check_text"], g["check"]) for g in got]
    return row


#: Petitions the confirmations of `confirm-spread` are spread over.
SPREAD = 8


def confirm_spread(b):
    """The hot row: every confirmation of a petition updates its `petitions`
    row inside its transaction. The same load on one petition, then spread over
    SPREAD petitions (interleaved rounds): a ratio well under 1 means the row's
    lock is what confirmations wait for."""
    with b.app.app_context():
        spread = [data.create_petition(f"bench-spread-{i}").id for i in range(SPREAD)]
    n = _tokens_needed(b)
    one = [_token_file(b, f"one-{r}", [b.petition_id], n, f"h{r}") for r in range(b.rounds)]
    many = [_token_file(b, f"many-{r}", spread, n, f"m{r}") for r in range(b.rounds)]
    got, base = interleave(
        b.rounds,
        lambda r: confirm_run(b, r, [b.petition_id], f"h{r}", one[r]),
        lambda r: confirm_run(b, r, spread, f"m{r}", many[r]),
    )
    row = ratio_row(
        f"confirm: 1 petition / {SPREAD} petitions",
        _rate(got, "confirms/s"),
        _rate(base, f"confirms/s over {SPREAD} petitions"),
        median([g["rate"] for g in got]) / median([g["rate"] for g in base]),
        at_least=0.9,
    )
    row.checks += [(g["check_text"], g["check"]) for g in got + base]
    return row


def growth(b, big_slug, big_id, empty_slug, empty_id, stored):
    got, base = interleave(
        b.rounds,
        lambda r: sign_run(b, big_slug, big_id, f"gb{r}", LATENCY_CONNECTIONS),
        lambda r: sign_run(b, empty_slug, empty_id, f"ge{r}", LATENCY_CONNECTIONS),
    )
    p50, p50_empty = median([g["p50_ms"] for g in got]), median([g["p50_ms"] for g in base])
    row = ratio_row(
        f"growth: sign p50 at {stored:,} stored ({LATENCY_CONNECTIONS} clients)",
        f"p50 {p50:.1f} ms ({median([g['rate'] for g in got]):,.0f} signs/s)",
        f"p50 {p50_empty:.1f} ms on an empty petition",
        p50 / p50_empty if p50_empty else 0.0,
        at_most=1.1,
    )
    row.checks += [(g["check_text"], g["check"]) for g in got + base]
    return row


def results(b, big_slug, empty_slug, stored):
    """The public results page at `stored` verified rows against the same page
    of an empty petition: answered from the copy cached per count generation,
    so a page view does not scan the rows (the first view after a change does)."""
    url = f"http://127.0.0.1:{b.app_port}/p/{{}}/resultats"
    cold = {}
    for slug in (big_slug, empty_slug):  # the first view computes; then it is cached
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", b.app_port, timeout=600)
        conn.request("GET", f"/p/{slug}/resultats")
        assert conn.getresponse().status == 200
        conn.close()
        cold[slug] = time.monotonic() - started
    got, base = interleave(
        b.rounds,
        lambda r: load.run(url.format(big_slug), "get", b.duration, LATENCY_CONNECTIONS),
        lambda r: load.run(url.format(empty_slug), "get", b.duration, LATENCY_CONNECTIONS),
    )
    p50, p50_empty = median([g["p50_ms"] for g in got]), median([g["p50_ms"] for g in base])
    row = ratio_row(
        f"results page p50 at {stored:,} verified ({LATENCY_CONNECTIONS} clients)",
        f"p50 {p50:.1f} ms ({median([g['rate'] for g in got]):,.0f} pages/s)",
        f"p50 {p50_empty:.1f} ms, same page at 0 rows",
        p50 / p50_empty if p50_empty else 0.0,
        at_most=1.5,
    )
    errors = sum(g["errors"] + g["status_errors"] for g in got + base)
    row.checks.append(
        (f"{sum(g['requests'] for g in got)} results pages, {errors} errors", not errors)
    )
    row.note = (
        f"first view after a change (computes the breakdowns): {cold[big_slug]:.1f} s"
        f" at {stored:,} rows, {cold[empty_slug]:.2f} s at 0"
    )
    return row


__all__ = ["counter", "sign", "confirm", "confirm_spread", "growth", "results", "Row"]
