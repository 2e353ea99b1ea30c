"""The outermost WSGI layer: a request id on every request and response, and
the latency of every request by endpoint.

The id is the client's (or the proxy's) `X-Request-ID` when it is a short
token, else a new random one; it goes back in the response's `X-Request-ID`,
which gunicorn's access log prints (gunicorn.conf.py), so the access line
and the app's lines of one request share it. Latency is measured until the
app returns its response (for a live stream: until its headers are ready).
"""

import re
import time
import uuid

from . import logs, metrics

#: A client's id is kept only if it is a short plain token (it is logged and echoed).
ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{8,128}")
#: Set by the Flask app (metrics.note_endpoint) or the count replay.
ENDPOINT = "petition.endpoint"


class RequestTelemetry:
    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        given = environ.get("HTTP_X_REQUEST_ID", "")
        rid = given if ACCEPTED.fullmatch(given) else uuid.uuid4().hex
        environ["HTTP_X_REQUEST_ID"] = rid
        token = logs.request_id.set(rid)
        started = time.perf_counter()

        def start(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            headers.append(("X-Request-ID", rid))
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, start)
        finally:
            metrics.observe_request(environ.get(ENDPOINT), time.perf_counter() - started)
            logs.request_id.reset(token)
