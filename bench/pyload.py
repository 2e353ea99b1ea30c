"""The load generator when wrk is not installed: asyncio HTTP/1.1 keep-alive
clients in one process, doing what bench/lua/*.lua do, printing the same
`BENCH_JSON` line. `python pyload.py SCRIPT URL SECONDS CONNECTIONS`; the
parameters come from BENCH_* variables like for wrk.

About a third of wrk's rate on the same machine: fine for the write
scenarios (the server is far slower), a ceiling for the counter read (then
install wrk: `apt-get install wrk`).
"""

import asyncio
import json
import os
import random
import sys
import time
from urllib.parse import urlsplit

FORM = "application/x-www-form-urlencoded"


class Script:
    """Builds the n-th request and judges its status, like one Lua script."""

    def __init__(self, name, path):
        self.name, self.path, self.sent, self.wrapped = name, path, 0, 0
        self.expect = {
            "get": None,
            "get_gzip": None,
            "random_count": None,
            "sign": 302,
            "confirm": 200,
            "insert": 204,
        }[name]
        env = os.environ.get
        self.prefix, self.slug = env("BENCH_PREFIX", "p"), env("BENCH_SLUG", "")
        self.sessions = []
        if env("BENCH_SESSIONS"):
            with open(env("BENCH_SESSIONS")) as f:
                self.sessions = [line.rstrip("\n").split("\t") for line in f if "\t" in line]
        self.tokens = []
        if env("BENCH_TOKENS"):
            with open(env("BENCH_TOKENS")) as f:
                self.tokens = f.read().split()

    def request(self, host):
        self.sent += 1
        n = self.sent
        headers = {"Host": host, "X-Forwarded-For": f"10.1.{n // 256 % 256}.{n % 256}"}
        method, path, body = "GET", self.path, ""
        if self.name == "get_gzip":
            headers["Accept-Encoding"] = "gzip"
        if self.name in ("sign", "confirm"):
            cookie, token = self.sessions[n % len(self.sessions)]
            headers["Cookie"] = cookie
        if self.name == "sign":
            method, path = "POST", f"/p/{self.slug}"
            body = (
                f"csrf_token={token}&first_name=Jean&last_name=Dupont&postal_code=42000"
                f"&category=developer&consent=y&email={self.prefix}-1-{n}%40gmail.com"
            )
        elif self.name == "confirm":
            if n > len(self.tokens):
                self.wrapped += 1
            method, path = "POST", f"/confirm/{self.tokens[(n - 1) % len(self.tokens)]}"
            body = f"csrf_token={token}"
        elif self.name == "random_count":  # bench/lua/random_count.lua
            path = f"/api/v1/petitions/x-{n}-{random.randrange(10**9)}/count"
        elif self.name == "insert":
            method, path = "POST", "/insert"
            body = f"email={self.prefix}-1-{n}%40gmail.com"
        if method == "POST":
            headers["Content-Type"] = FORM
            headers["Content-Length"] = str(len(body))
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        return f"{method} {path} HTTP/1.1\r\n{head}\r\n{body}".encode()


async def read_response(reader):
    """(status, keep-alive) of one response, body consumed."""
    status = int((await reader.readline()).split()[1])
    length, chunked, close = 0, False, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and value == "close":
            close = True
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, not close


async def client(script, parts, deadline, stats):
    reader = writer = None
    while time.monotonic() < deadline:
        if writer is None:
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        started = time.perf_counter()
        writer.write(script.request(parts.netloc))
        try:
            status, keep = await read_response(reader)
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            stats["errors"] += 1
            writer.close()
            writer = None
            continue
        stats["latencies"].append(time.perf_counter() - started)
        if script.expect is None or status == script.expect:
            stats["ok"] += 1
        else:
            stats["bad"] += 1
            stats["status_errors"] += status >= 400
        if not keep:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


def pct(sorted_values, p):
    if not sorted_values:
        return 0
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


async def main(name, url, seconds, connections):
    parts = urlsplit(url)
    script = Script(name, parts.path)
    stats = {"latencies": [], "ok": 0, "bad": 0, "errors": 0, "status_errors": 0}
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(*(client(script, parts, deadline, stats) for _ in range(connections)))
    elapsed = time.monotonic() - started
    lat = sorted(stats["latencies"])
    print(
        "BENCH_JSON "
        + json.dumps(
            {
                "requests": len(lat),
                "duration_us": int(elapsed * 1e6),
                "p50_us": int(pct(lat, 50) * 1e6),
                "p90_us": int(pct(lat, 90) * 1e6),
                "p99_us": int(pct(lat, 99) * 1e6),
                "sent": script.sent,
                "ok": stats["ok"],
                "bad": stats["bad"],
                "wrapped": script.wrapped,
                "errors": stats["errors"],
                "status_errors": stats["status_errors"],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])))
