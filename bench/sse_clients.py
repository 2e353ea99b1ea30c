"""Many EventSource-like clients in one asyncio process, and the clock for
delivery: `python sse_clients.py CONFIG.json`.

Opens `clients` streams to `events_url`, prints READY when each got its first
count, waits for a line on stdin, then confirms signatures one by one
through the app (one POST per token, a second apart) and records, for each
stream, when the new count arrived. Prints one BENCH_JSON line.
"""

import asyncio
import http.client
import json
import resource
import sys
import time
from urllib.parse import urlsplit


class Stream:
    def __init__(self):
        self.counts = []  # (monotonic time, signature_count)
        self.open = False
        self.first = asyncio.Event()

    async def run(self, host, port, path):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n"
            "Cache-Control: no-cache\r\n\r\n".encode()
        )
        await writer.drain()
        self.open = True
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                if line.startswith(b"data:"):
                    self._data(line[5:])
        finally:
            self.open = False
            writer.close()

    def _data(self, raw):
        try:
            count = json.loads(raw)["signature_count"]
        except (ValueError, KeyError, TypeError):
            return
        self.counts.append((time.monotonic(), count))
        self.first.set()


def confirm(base, session, token):
    cookie, csrf = session
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request(
        "POST",
        f"/confirm/{token}",
        body=f"csrf_token={csrf}",
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    status = conn.getresponse().status
    conn.close()
    return status


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def main(config):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    parts = urlsplit(config["events_url"])
    streams = [Stream() for _ in range(config["clients"])]
    tasks = []
    for i, stream in enumerate(streams):
        tasks.append(asyncio.create_task(stream.run(parts.hostname, parts.port, parts.path)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # a crowd arriving, not one SYN flood
    try:
        await asyncio.wait_for(asyncio.gather(*(s.first.wait() for s in streams)), 60)
    except TimeoutError:
        pass
    connected = sum(1 for s in streams if s.first.is_set())
    print(f"READY {connected}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    start = max((s.counts[-1][1] for s in streams if s.counts), default=0)
    sends, statuses = [], []
    for k, token in enumerate(config["tokens"], start=1):
        sends.append((k, time.monotonic()))
        statuses.append(
            await asyncio.to_thread(confirm, config["app_url"], config["session"], token)
        )
        await asyncio.sleep(config.get("gap", 1.0))
    await asyncio.sleep(3)  # late deliveries still count, with their real delay
    latencies, missed = [], 0
    for k, sent in sends:
        for s in streams:
            seen = next((t for t, c in s.counts if c >= start + k and t >= sent), None)
            if seen is None:
                missed += 1
            else:
                latencies.append(seen - sent)
    held = sum(1 for s in streams if s.open)
    for task in tasks:
        task.cancel()
    print(
        "BENCH_JSON "
        + json.dumps(
            {
                "clients": len(streams),
                "connected": connected,
                "held": held,
                "statuses": statuses,
                "deliveries": len(latencies),
                "missed": missed,
                "p50_s": percentile(latencies, 50),
                "p99_s": percentile(latencies, 99),
                "max_s": max(latencies, default=None),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        asyncio.run(main(json.load(f)))
