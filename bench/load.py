"""Load from a separate process: wrk with the Lua scripts of bench/lua/.

Each run prints one `BENCH_JSON {...}` line (bench/lua/common.lua): requests
completed, duration, latency percentiles, and the scripts' own counters
(requests sent, answers with the expected status, token wrap-arounds).
Without wrk, bench/pyload.py does the same with asyncio keep-alive clients.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua"


def generator():
    """wrk when installed (BENCH_LOAD=python forces the fallback)."""
    if os.environ.get("BENCH_LOAD") == "python" or not shutil.which("wrk"):
        return "python"
    return "wrk"


def run(url, script, duration, connections, threads=1, **params):
    """Load `url` for `duration` seconds; returns the figures as a dict."""
    env = dict(
        os.environ,
        BENCH_LUA=str(LUA),
        BENCH_THREADS=str(threads),
        **{f"BENCH_{k.upper()}": str(v) for k, v in params.items()},
    )
    if generator() == "wrk":
        argv = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA / f"{script}.lua"),
            url,
        ]
    else:
        argv = [
            sys.executable,
            str(Path(__file__).with_name("pyload.py")),
            script,
            url,
            str(duration),
            str(connections),
        ]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=duration + 120)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            figures = json.loads(line[len("BENCH_JSON ") :])
            seconds = figures["duration_us"] / 1e6
            figures["rate"] = figures["requests"] / seconds if seconds else 0.0
            figures["p50_ms"] = figures["p50_us"] / 1000
            figures["p99_ms"] = figures["p99_us"] / 1000
            return figures
    raise RuntimeError(f"load generator failed ({done.returncode}): {done.stdout}\n{done.stderr}")
