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
# The access log is on in production ("-": stdout; GUNICORN_ACCESS_LOG=off
# turns it off), each line ending with the request's id, the X-Request-ID the
# app returned (petition/telemetry/middleware.py), as the app's own lines.
_production = os.environ.get("APP_ENV", "").strip().lower() == "production"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or ("-" if _production else None)
if accesslog == "off":
    accesslog = None
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    # One JSON object per line for gunicorn too (petition/telemetry/logs.py).
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "petition.telemetry.logs.JsonLines"},
            "access": {"()": "petition.telemetry.logs.AccessJsonLines"},
        },
        "handlers": {
            "error": {"class": "logging.StreamHandler", "formatter": "json"},
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "stream": "ext://sys.stdout",
            },
        },
        # The app's handler (petition/telemetry/logs.py) goes on the root logger.
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"handlers": ["error"], "propagate": False},
            "gunicorn.access": {
                "handlers": ["access"] if accesslog else [],
                "level": "INFO" if accesslog else "CRITICAL",
                "propagate": False,
            },
        },
    }


def child_exit(server, worker):
    """Prometheus multiprocess mode: a dead worker's live gauges (open streams)
    leave the sum (petition/telemetry/metrics.py)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
