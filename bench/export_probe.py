"""Time one CSV export inside an app that is already up, as in a web or CLI
process: `python export_probe.py SLUG OUT.csv` prints one BENCH_JSON line.
`python export_probe.py SLUG OUT.csv attest` times a whole signed attestation
instead (its JSON, the same export with its hash, the PDF), for the ratio
against the export alone.

Memory: a thread samples this process's resident size every 10 ms while the
export runs; the figure that matters, the memory the export itself needed,
is the highest sample minus the size before (the interpreter and the app's
imports weigh the same with or without an export). ru_maxrss would not do:
Linux carries it over from the parent across fork and exec.
"""

import json
import re
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_mib(field="VmRSS"):
    status = open("/proc/self/status").read()
    return int(re.search(rf"{field}:\s+(\d+)", status).group(1)) / 1024


class Sampler(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.peak, self.running = rss_mib(), True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_mib())
            time.sleep(0.01)


def main(slug, out_path, mode="export"):
    from sqlalchemy import select

    from petition import create_app
    from petition.extensions import db
    from petition.models import Petition
    from petition.services import attestations, exports

    app = create_app()
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
        filters = exports.parse_filters(petition, {})
        db.session.execute(select(1))  # connect before the clock starts
        before, sampler = rss_mib(), Sampler()
        sampler.start()
        started = time.monotonic()
        with open(out_path, "w+b") as out:
            if mode == "attest":
                entry = attestations.create(petition, "bench", out)
                rows = entry.verified_total
            else:
                rows = exports.export_to_file(petition, filters, "bench", out).rows
        seconds = time.monotonic() - started
        sampler.running = False
        sampler.join()
        counts = None
        if mode == "attest":  # for the self-check, off the clock
            body = attestations.envelope_of(entry)["payload"]
            db.session.refresh(petition)
            counts = {
                "breakdown": sum(r["count"] for r in body["by_category_commune"]),
                "local": body["local_total"],
                "local_count": petition.local_count,
            }
        print(
            "BENCH_JSON "
            + json.dumps(
                {
                    "seconds": seconds,
                    "rows": rows,
                    "rss_before_mib": before,
                    "rss_peak_mib": max(sampler.peak, rss_mib()),
                    "counts": counts,
                }
            ),
            flush=True,
        )
        db.engine.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:4])
