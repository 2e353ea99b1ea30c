"""Time one `stock.import_file` inside an app that is already up, as `flask
sirene import` runs it: `python sirene_probe.py FILE` prints one BENCH_JSON
line (seconds, rows, resident memory before and at peak; export_probe.py says
why the sampled difference is the figure that matters)."""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.export_probe import Sampler, rss_mib  # noqa: E402


def main(path):
    from sqlalchemy import select

    from petition import create_app
    from petition.extensions import db
    from petition.sirene import stock

    app = create_app()
    with app.app_context():
        db.session.execute(select(1))  # connect before the clock starts
        before, sampler = rss_mib(), Sampler()
        sampler.start()
        started = time.monotonic()
        done = stock.import_file(path)
        seconds = time.monotonic() - started
        sampler.running = False
        sampler.join()
        peak = max(sampler.peak, rss_mib())
        print(
            "BENCH_JSON "
            + json.dumps({"seconds": seconds, "rows": done.rows, "before": before, "peak": peak}),
            flush=True,
        )
        db.engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1])
