"""Logs: plain text by default (`make run`), one JSON object per line with
LOG_FORMAT=json (production, read by a log shipper). Each line carries its
level, logger, the request id and, inside a request for a petition, its slug.

The request id lives in a context variable set by the middleware
(telemetry/middleware.py), so a line logged by a stream's body or by code
outside Flask's request context still carries it; under gevent each greenlet
has its own.
"""

import contextvars
import logging
import sys

from flask import has_request_context, request
from pythonjsonlogger.json import JsonFormatter

request_id = contextvars.ContextVar("request_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
JSON_FIELDS = ["asctime", "levelname", "name", "message", "request_id", "slug"]
RENAMED = {"levelname": "level", "name": "logger", "asctime": "time"}


class RequestContext(logging.Filter):
    """Adds `request_id` and `slug` to every record (None outside a request)."""

    def filter(self, record):
        record.request_id = getattr(record, "request_id", None) or request_id.get() or "-"
        slug = None
        if has_request_context() and request.view_args:
            slug = request.view_args.get("slug")
        record.slug = getattr(record, "slug", None) or slug
        return True


class JsonLines(JsonFormatter):
    """One JSON object per line: time, level, logger, message, request_id, slug,
    and the exception's traceback as one string."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", RENAMED)
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(JSON_FIELDS, *args, **kwargs)

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        if log_record.get("slug") is None:
            log_record.pop("slug", None)


class AccessJsonLines(JsonLines):
    """gunicorn's access log as JSON: gunicorn passes its atoms as the record's
    args; the request id is the response's X-Request-ID."""

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        atoms = record.args if isinstance(record.args, dict) else {}
        log_record["request_id"] = atoms.get("{x-request-id}o") or "-"
        for key, atom in (("remote", "h"), ("method", "m"), ("path", "U"), ("status", "s")):
            log_record[key] = atoms.get(atom)
        log_record["duration_ms"] = atoms.get("M")
        log_record["bytes"] = atoms.get("B")


def handler(log_format):
    out = logging.StreamHandler(sys.stderr)
    out.setFormatter(JsonLines() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    out.addFilter(RequestContext())
    return out


def init_app(app):
    """Outside debug and tests, the root logger writes to stderr in LOG_FORMAT.
    Tests and the debugger keep Python's default handling."""
    if app.debug or app.testing:
        return
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not getattr(h, "petition", False)]
    out = handler(app.config.get("LOG_FORMAT", "text"))
    out.petition = True
    root.addHandler(out)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
