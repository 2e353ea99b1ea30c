"""Gunicorn settings for the web processes: `gunicorn -c gunicorn.conf.py wsgi:app`.

Everything comes from the environment so one file serves every role:

- the API and pages (default): `gthread` workers keep HTTP/1.1 connections
  alive (a sync worker closes after each response, so every count refresh
  would pay a new TCP handshake) and serve WEB_THREADS requests at once each;
- the live streams (`/api/v1/petitions/<slug>/events`): set
  GUNICORN_WORKER_CLASS=gevent. An open SSE stream then costs a greenlet
  (a few KiB), not a thread, so one process holds thousands of viewers.
  Route the events path to those processes at the reverse proxy (README,
  section Production).

Slow clients: a gthread worker reads a request's headers in one of its
threads with no time limit, so a client that sends them slowly holds that
thread (a few such clients stopped /healthz). In production nginx reads
whole requests before passing them on and drops stalled clients
(docs/nginx/petition.conf, tests/test_nginx.py); never expose a gthread pool
directly. The live streams each process accepts are capped by the app
(SSE_MAX_STREAMS, SSE_MAX_PER_CLIENT; README, Live counters).

The control socket of gunicorn 27 (`~/.gunicorn/gunicorn.ctl`) is shared by
every gunicorn of the user: it is off, so several instances run side by side.
"""

import multiprocessing
import os


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
# One process per core is enough with threads; the database is the limit well before.
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count())
threads = _int("WEB_THREADS", 8)
# gevent: concurrent connections (SSE viewers) per process.
worker_connections = _int("GUNICORN_WORKER_CONNECTIONS", 4000)
# Seconds an idle kept-alive connection waits for its next request (nginx's
# upstream keepalive reuses them); a worker silent for `timeout` is restarted.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
# Restart workers now and then so a slow leak never takes a process down at peak.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10
control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None  # "-" for stdout
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
