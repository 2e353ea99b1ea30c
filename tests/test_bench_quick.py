"""`make bench` stays runnable: `bench/run.py --quick` completes, prints its
table, and its own checks hold (one row per email signed, count = confirmed,
one email per job, every SSE viewer served, the export complete).

No duration or ratio is asserted: the figures depend on the machine.

It starts a dozen processes for about a minute (loading both cores), so it runs only
with RUN_BENCH_SMOKE=1 (.ci/run sets it once, on SQLite); a plain `make test`
stays fast. It uses DATABASE_URL when set, like the bench itself.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    os.environ.get("RUN_BENCH_SMOKE") != "1",
    reason="the bench smoke test starts a dozen processes for about a minute: "
    "set RUN_BENCH_SMOKE=1",
)

SCENARIOS = (
    "counter read",
    "memory: made-up slugs",
    "sign",
    "sign p99 under the sign load",
    "confirm",
    "confirmation emails",
    "live stream",
    "CSV export",
    "attestation",
    "growth",
)


def test_quick_bench_completes_with_a_table_and_passing_self_checks():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = done.stdout
    assert done.returncode == 0, f"bench failed:\n{out[-4000:]}\n{done.stderr[-4000:]}"
    header = next((line for line in out.splitlines() if line.startswith("| scenario")), "")
    for column in ("measured", "baseline in the same run", "ratio", "goal", "result"):
        assert column in header, f"no {column!r} column:\n{out}"
    for name in SCENARIOS:
        assert any(line.startswith(f"| {name}") for line in out.splitlines()), (
            f"no row for {name!r}:\n{out}"
        )
    assert "Machine:" in out and "Versions:" in out and "Configuration:" in out
    assert "[FAILED]" not in out, out
    assert "SELF-CHECKS PASSED" in out
