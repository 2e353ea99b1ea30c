"""Scenarios without HTTP load: confirmation emails by one worker, CSV export."""

import codecs
import csv
import hashlib
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rq import Queue
from sqlalchemy import make_url, select

from petition import jobs
from petition.config import _database_url
from petition.extensions import db
from petition.jobs.signatures import send_confirmation
from petition.models import Petition
from petition.services import exports
from petition.services.exports import columns as export_columns

from . import data
from .report import median, missing, ratio_row
from .web import interleave

HERE = Path(__file__).resolve().parent


def _arrivals(sink, start, n, timeout):
    """Wait for `n` messages after index `start`; (messages, first, last arrival)."""
    deadline = time.monotonic() + timeout
    while len(sink.handler.times) < start + n and time.monotonic() < deadline:
        time.sleep(0.05)
    with sink.handler.lock:
        times = sink.handler.times[start:]
        messages = sink.handler.messages[start:]
        raw = sink.handler.raw[start:]
    return messages, times, raw


def _rate(times):
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


def _cpu_seconds(pid):
    """User + system CPU of a live process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _first_arrival(sink, start, timeout):
    deadline = time.monotonic() + timeout
    while len(sink.handler.times) <= start and time.monotonic() < deadline:
        time.sleep(0.005)


def worker_run(b, r):
    """Queue n confirmations, start one worker.py, time first to last arrival."""
    prefix = f"e{r}"
    # A sign request still in flight when its scenario emptied the queue (seconds
    # on a loaded machine) may have queued a job since: not this run's to send.
    Queue(jobs.EMAIL_QUEUE, connection=b.redis).empty()
    with b.app.app_context():
        data.bulk_signatures(b.petition_id, b.emails, "pending", prefix)
        ids = data.rows_with_prefix(b.petition_id, prefix)
        for row in ids:
            jobs.enqueue_email(send_confirmation, row, 1)
    start = len(b.stack.sink.handler.times)
    worker = b.stack.worker("emails")
    # The worker's CPU from its first email to its last: what an email costs it,
    # however busy the machine (its start, the app's import, is left out).
    _first_arrival(b.stack.sink, start, timeout=60)
    cpu = _cpu_seconds(worker.pid)
    messages, times, raw = _arrivals(b.stack.sink, start, len(ids), timeout=60 + b.emails / 5)
    cpu = _cpu_seconds(worker.pid) - cpu
    b.stack.stop(worker)
    recipients = [m["To"] for m in messages]
    expected = {f"{prefix}-{i}@{data.DOMAIN}" for i in range(1, b.emails + 1)}
    b.last_messages = raw
    return {
        "rate": _rate(times),
        "cpu_ms": cpu / max(len(times) - 1, 1) * 1000,
        "check": len(recipients) == len(set(recipients)) == b.emails
        and set(recipients) == expected,
        "check_text": f"{prefix}: {b.emails} jobs, {len(recipients)} emails, "
        f"{len(set(recipients))} distinct recipients",
    }


def smtplib_run(b, r):
    """The same messages again, sent by smtplib over one connection from another process."""
    messages = b.last_messages
    path = b.workdir / "messages.pickle"
    path.write_bytes(pickle.dumps(messages))
    start = len(b.stack.sink.handler.times)
    process = subprocess.Popen(
        [sys.executable, str(HERE / "smtp_baseline.py"), str(path), str(b.stack.sink.port)]
    )
    _pid, status, usage = os.wait4(process.pid, 0)  # its CPU, interpreter start included
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("bench/smtp_baseline.py failed")
    _messages, times, _raw = _arrivals(b.stack.sink, start, len(messages), timeout=30)
    cpu = (usage.ru_utime + usage.ru_stime) / max(len(messages), 1) * 1000
    return {"rate": _rate(times), "cpu_ms": cpu}


def emails(b):
    got, base = [], []
    for r in range(b.rounds):  # the baseline needs the worker's messages: worker first
        got.append(worker_run(b, r))
        base.append(smtplib_run(b, r))
    rate, base_rate = median([g["rate"] for g in got]), median([g["rate"] for g in base])
    row = ratio_row(
        "confirmation emails, 1 worker process",
        f"{rate:,.0f} emails/s",
        f"{base_rate:,.0f} emails/s (smtplib, one connection)",
        rate / base_rate if base_rate else 0.0,
        at_least=0.5,
    )
    row.checks += [(g["check_text"], g["check"]) for g in got]
    row.note = (
        f"CPU per email (medians): worker {median([g['cpu_ms'] for g in got]):.2f} ms, "
        f"smtplib {median([x['cpu_ms'] for x in base]):.2f} ms"
    )
    return row


def _timed(argv, out_path, env=None):
    """Run argv with stdout to a file; (seconds, peak RSS MiB, returncode, stderr)."""
    with open(out_path, "wb") as out:
        started = time.monotonic()
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.PIPE, env=env, cwd=HERE.parent
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
    err = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), err


def _export_sql(petition_id):
    """The export's columns, rows and order, raw: the stored values, none of the
    cells the export computes (formula guard, labels, local/outside). Built from
    petition/services/exports/columns.py so the two cannot drift apart: by 4
    December this baseline still read the 10 columns of issue 4 while the export
    had 21 (issue 12's register columns through a join, the paper columns)."""
    cells = ", ".join(exports.REGISTER.get(c, f"s.{c}") for _h, c in exports.COLUMNS)
    return (
        f"SELECT {cells} FROM {export_columns.FROM} WHERE s.petition_id = {int(petition_id)} "
        "AND s.status = 'verified' ORDER BY s.verified_at, s.id"
    )


def _baseline_argv(b, petition_id):
    sql = _export_sql(petition_id)
    if b.stack.database.kind == "postgresql":
        url = make_url(_database_url(b.stack.database.url, None)).set(drivername="postgresql")
        return [
            "psql",
            "-X",
            "-q",
            url.render_as_string(hide_password=False),
            "-c",
            f"COPY ({sql}) TO STDOUT CSV HEADER",
        ]
    return ["sqlite3", "-csv", "-header", str(b.stack.database.path), sql]


def _probe(b, slug, mode="export", out="export.csv"):
    """The export inside a started app (bench/export_probe.py): (seconds, MiB, rows, MiB idle)."""
    done = subprocess.run(
        [sys.executable, str(HERE / "export_probe.py"), slug, str(b.workdir / out), mode],
        env=b.stack.env(),
        cwd=HERE.parent,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"export probe failed: {done.stdout}\n{done.stderr[-2000:]}")
    r = json.loads(line[len("BENCH_JSON ") :])
    megabytes = r["rss_peak_mib"] - r["rss_before_mib"]
    return r["seconds"], megabytes, r["rows"], r["rss_peak_mib"], r.get("counts")


#: Issue 16: the SQLite export within 2x the sqlite3 CLI; PostgreSQL's within
#: 1.3x its own COPY through psql.
EXPORT_GOAL = {"sqlite": 2.0, "postgresql": 1.3}


def export(b, slug, petition_id, stored):
    limit = EXPORT_GOAL[b.stack.database.kind]
    goal = f"<= {limit:g}x, <= 64 MiB"
    if not (HERE.parent / "petition" / "services" / "exports").exists():
        return missing("CSV export", goal, "petition/services/exports/ is not there yet (issue 4)")
    tool = _baseline_argv(b, petition_id)[0]
    if not shutil.which(tool):
        return missing("CSV export", goal, f"{tool} is not installed (apt-get install {tool})")
    got, base = interleave(
        b.rounds,
        lambda r: _probe(b, slug),
        lambda r: _timed(_baseline_argv(b, petition_id), b.workdir / "baseline.csv"),
    )
    seconds, extra = median([g[0] for g in got]), max(g[1] for g in got)
    base_seconds = median([g[0] for g in base])
    row = ratio_row(
        f"CSV export of {stored:,} verified",
        f"{seconds:.2f} s, +{extra:.0f} MiB RSS at peak "
        f"({max(g[3] for g in got):.0f} MiB with the app)",
        f"{base_seconds:.2f} s ({Path(tool).name})",
        seconds / base_seconds,
        at_most=limit,
        goal=goal,
    )
    row.passed = row.passed and extra <= 64
    lines = _count_lines(b.workdir / "export.csv")
    row.checks.append(
        (
            f"{[g[2] for g in got]} rows exported, {lines:,} lines for {stored:,} signers",
            all(g[2] == stored for g in got) and lines == stored + 1,
        )
    )
    if b.stack.database.kind == "sqlite":
        row.checks.append(_same_as_csv_writer(b, slug, b.workdir / "export.csv"))
    cli = [
        str(Path(sys.executable).with_name("flask")),
        "--app",
        "wsgi",
        "petition",
        "export",
        slug,
        "--output",
        str(b.workdir / "cli.csv"),
    ]
    seconds_cli, _rss, code, err = _timed(cli, b.workdir / "cli.out", b.stack.env())
    row.note = (
        f"`flask petition export` end to end (interpreter start, app import, export): "
        f"{seconds_cli:.2f} s"
    )
    row.checks.append(
        ("flask petition export exits 0" + (f": {err[-300:]}" if code else ""), code == 0)
    )
    return row


def _same_as_csv_writer(b, slug, path):
    """SQLite writes the lines and Python checks them by batch: every byte must be
    what csv.writer gives for the cells, as before (hashes compared, streamed)."""
    with b.app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
        filters = exports.parse_filters(petition, {})
        sql, params = exports._sqlite_query(petition.id, filters)
        digest, out = hashlib.sha256(codecs.BOM_UTF8), io.StringIO()
        writer = csv.writer(out, delimiter=filters.delimiter, lineterminator="\r\n")
        writer.writerow([h for h, _c in exports.COLUMNS])
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor().execute(sql, params)
            while batch := cursor.fetchmany(5000):
                writer.writerows(batch)
                digest.update(out.getvalue().encode())
                out.seek(0)
                out.truncate()
        finally:
            raw.close()
        digest.update(out.getvalue().encode())
    with open(path, "rb") as f:
        same = hashlib.file_digest(f, "sha256").hexdigest() == digest.hexdigest()
    return ("the SQLite export is byte for byte csv.writer over the same cells", same)


def _count_lines(path):
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def attestation(b, slug, petition_id, stored):
    """A signed attestation (JSON, the export and its hash, PDF) against the export alone."""
    goal = "<= 1.5x"
    got, base = interleave(
        b.rounds,
        lambda r: _probe(b, slug, "attest", "attested.csv"),
        lambda r: _probe(b, slug),
    )
    seconds, base_seconds = median([g[0] for g in got]), median([g[0] for g in base])
    row = ratio_row(
        f"attestation of {stored:,} verified",
        f"{seconds:.2f} s, +{max(g[1] for g in got):.0f} MiB RSS at peak",
        f"{base_seconds:.2f} s (the CSV export alone, same process kind)",
        seconds / base_seconds,
        at_most=1.5,
        goal=goal,
    )
    same = (b.workdir / "attested.csv").read_bytes() == (b.workdir / "export.csv").read_bytes()
    row.checks.append(
        (
            f"{[g[2] for g in got]} verified attested for {stored:,}; its CSV is the export's",
            all(g[2] == stored for g in got) and same,
        )
    )
    counts = [g[4] for g in got]
    row.checks.append(
        (
            f"category x commune adds up to the total, local part = the stored local count: "
            f"{counts}",
            all(c["breakdown"] == stored and c["local"] == c["local_count"] for c in counts),
        )
    )
    return row
