"""Time one `stock.import_file` inside an app that is already up, as `flask
sirene import` runs it: `python sirene_probe.py FILE` prints one BENCH_JSON
line (seconds, rows, resident memory before and at peak, a helper process's
included; export_probe.py says why the sampled difference is the figure that
matters)."""

import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.export_probe import Sampler, rss_mib  # noqa: E402


def family_rss_mib():
    """This process's resident memory and its children's: on SQLite the
    import parses in a helper process (petition/sirene/chunks.py), whose
    memory is the import's too."""
    total = rss_mib()
    for task in Path("/proc/self/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:  # a thread that ended meanwhile
            continue
        for pid in children:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:  # ended in between
                continue
            found = re.search(r"VmRSS:\s+(\d+)", status)
            total += int(found.group(1)) / 1024 if found else 0
    return total


class FamilySampler(Sampler):
    def run(self):
        while self.running:
            self.peak = max(self.peak, family_rss_mib())
            time.sleep(0.01)


def main(path):
    from sqlalchemy import select

    from petition import create_app
    from petition.extensions import db
    from petition.sirene import stock

    app = create_app()
    with app.app_context():
        db.session.execute(select(1))  # connect before the clock starts
        before, sampler = family_rss_mib(), FamilySampler()
        sampler.start()
        started = time.monotonic()
        done = stock.import_file(path)
        seconds = time.monotonic() - started
        sampler.running = False
        sampler.join()
        peak = max(sampler.peak, family_rss_mib())
        print(
            "BENCH_JSON "
            + json.dumps({"seconds": seconds, "rows": done.rows, "before": before, "peak": peak}),
            flush=True,
        )
        db.engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1])
