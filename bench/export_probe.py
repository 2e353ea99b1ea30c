"""Time one CSV export inside an app that is already up, as in a web or CLI
process: `python export_probe.py SLUG OUT.csv` prints one BENCH_JSON line.

Peak RSS is read before and after (ru_maxrss is a high-water mark), so the
figure that matters, the memory the export itself needed, is the difference:
the interpreter and the app's imports weigh the same with or without it.
"""
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(slug, out_path):
    from sqlalchemy import select

    from petition import create_app
    from petition.extensions import db
    from petition.models import Petition
    from petition.services import exports

    app = create_app()
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
        filters = exports.parse_filters(petition, {})
        db.session.execute(select(1))  # connect before the clock starts
        before = peak_mib()
        started = time.monotonic()
        with open(out_path, "wb") as out:
            entry = exports.export_to_file(petition, filters, "bench", out)
        seconds = time.monotonic() - started
        print("BENCH_JSON " + json.dumps({
            "seconds": seconds, "rows": entry.rows, "rss_before_mib": before,
            "rss_peak_mib": peak_mib()}), flush=True)
        db.engine.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:3])
