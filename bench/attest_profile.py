"""Where an attestation's time goes, piece by piece, in one process.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/attest_profile.py [--rows 1000000] [--root TREE] [--drop]

Keeps a database `attest_profile` on that server (SQLite: a file under /tmp)
with one petition of --rows verified signers loaded as the bench loads them
(bench/data.py), reused by the next run. Then, in this one process, --rounds
times: the CSV export alone, then the attestation, each piece of it timed
(the first attestation pays the geography's load, as the bench's fresh probe
process does; the medians leave it out). --root runs another source
tree's code (e.g. the main branch's) against the same database, for a before
and after on the same rows.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAME = "attest_profile"
SLUG = "bench-big"


def database_url(drop):
    from sqlalchemy import create_engine, make_url, text

    server = os.environ.get("DATABASE_URL")
    if not server:
        path = Path("/tmp") / f"{NAME}.db"
        if drop:
            path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    url = make_url(server.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if drop:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": NAME}):
            conn.execute(text(f'CREATE DATABASE "{NAME}"'))
    admin.dispose()
    return url.set(database=NAME).render_as_string(hide_password=False)


def load(app, rows):
    from flask_migrate import upgrade
    from sqlalchemy import select

    from bench import data
    from petition.extensions import db
    from petition.models import Petition

    with app.app_context():
        upgrade(revision="heads")
        petition = db.session.scalar(select(Petition).where(Petition.slug == SLUG))
        if petition is not None and petition.signature_count == rows:
            return
        if petition is not None:
            raise SystemExit(f"{SLUG} holds {petition.signature_count:,} rows: rerun with --drop")
        started = time.monotonic()
        petition_id = data.create_petition(SLUG).id
        data.bulk_signatures(petition_id, rows, "verified", "big")
        print(f"loaded {rows:,} rows in {time.monotonic() - started:.1f} s", flush=True)


class Timer:
    """Wraps module functions; adds up the seconds each one took."""

    def __init__(self):
        self.seconds = {}

    def wrap(self, module, name, label=None):
        function = getattr(module, name, None)
        if function is None:
            return
        label = label or name

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0) + time.perf_counter() - started

        setattr(module, name, timed)


def profile(app, rounds):
    from sqlalchemy import select

    from petition.extensions import db
    from petition.models import Petition
    from petition.services import attestation_pdf, attestations, exports, sample_audits

    timer = Timer()
    for name in (
        "tallies",
        "by_category_commune",
        "organisations_by_status",
        "method",
        "_verified_total",
        "territory",
        "geography",
    ):
        timer.wrap(attestations, name)
    timer.wrap(exports, "export_to_file")
    timer.wrap(attestation_pdf, "signed_pdf")
    timer.wrap(sample_audits, "attestation_section")
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.slug == SLUG))
        filters = exports.parse_filters(petition, {})
        db.session.execute(select(1))
        ratios, wholes, exports_ = [], [], []
        for round_ in range(1, rounds + 1):
            started = time.perf_counter()
            with tempfile.TemporaryFile() as out:
                rows = exports.export_to_file(petition, filters, "profile", out).rows
            export = time.perf_counter() - started
            timer.seconds.clear()
            started = time.perf_counter()
            with tempfile.TemporaryFile() as out:
                attested = attestations.create(petition, "profile", out).verified_total
            whole = time.perf_counter() - started
            assert rows == attested, (rows, attested)
            pieces = ", ".join(f"{k} {v:.3f}" for k, v in timer.seconds.items())
            nested = {"geography", "by_category_commune" if "tallies" in timer.seconds else ""}
            rest = whole - sum(v for k, v in timer.seconds.items() if k not in nested)
            if round_ > 1:  # the first pays the geography's load: apart
                ratios.append(whole / export)
                wholes.append(whole)
                exports_.append(export)
            print(
                f"round {round_}: export alone {export:.2f} s; attestation {whole:.2f} s "
                f"({whole / export:.2f}x) = {pieces} (geography inside); "
                f"whole minus pieces {rest:.3f} (< 0: they overlapped)",
                flush=True,
            )
        if ratios:
            print(
                f"medians of rounds 2-{rounds}: export alone {statistics.median(exports_):.2f} s, "
                f"attestation {statistics.median(wholes):.2f} s, "
                f"ratio per round {statistics.median(ratios):.2f}x",
                flush=True,
            )
        db.engine.dispose()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--root", default=str(HERE.parent), help="source tree to run")
    parser.add_argument("--rounds", type=int, default=2, help="export, then attestation, x N")
    parser.add_argument("--drop", action="store_true", help="reload the rows first")
    args = parser.parse_args()
    sys.path[:0] = [args.root, str(HERE.parent)]
    from petition import create_app

    url = database_url(args.drop)
    settings = {
        "APP_ENV": "bench",
        "SECRET_KEY": "profile-secret-0123456789abcdef",
        "SQLALCHEMY_DATABASE_URI": url,
        "BASE_URL": "http://127.0.0.1",
    }
    app = create_app(settings)
    load(app, args.rows)
    print(f"code from {args.root}; database {url.rsplit('/', 1)[-1]}", flush=True)
    profile(app, args.rounds)


if __name__ == "__main__":
    main()
