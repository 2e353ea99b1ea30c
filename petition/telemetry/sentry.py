"""Optional error reports: with SENTRY_DSN set and `sentry-sdk` installed
(not a production requirement), unhandled errors go to Sentry with no
personal data. Sentry's Flask integration hears Flask's
`got_request_exception` (errors.py keeps sending it).

What leaves the process is scrubbed by `scrub`: no request body, cookies,
query string or headers but a short safe list, no user, no local variables,
and every email address in any remaining text replaced, and the bound values
and key details SQLAlchemy and the database add to an error's text. Names
are never logged by the app; they reach an event only through a request
body, a local variable or those values, all dropped.
"""

import importlib.util
import logging
import re

log = logging.getLogger(__name__)

EMAIL = re.compile(r"[^\s@<>\"'(),;:]+@[^\s@<>\"'(),;:]+\.[A-Za-z0-9-]+")
SAFE_HEADERS = {"host", "user-agent", "accept", "accept-language", "x-request-id"}
REDACTED = "[redacted]"


#: What SQLAlchemy and the database add to an error's text: the bound values
#: (names, addresses) and the conflicting key.
SQL_VALUES = re.compile(r"\[parameters: .*?\](?=\n|$)|DETAIL: [^\n]*", re.DOTALL)


def _clean(value):
    if isinstance(value, str):
        return EMAIL.sub(REDACTED, SQL_VALUES.sub(REDACTED, value))
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value


def scrub(event, hint=None):
    """before_send: the event with nothing personal left."""
    event.pop("user", None)
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            request.pop(key, None)
        headers = request.get("headers") or {}
        request["headers"] = {k: v for k, v in headers.items() if k.lower() in SAFE_HEADERS}
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
    for exception in (event.get("exception") or {}).get("values") or []:
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    return _clean(event)


def scrub_breadcrumb(crumb, hint=None):
    return _clean(crumb)


def init_app(app):
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    if importlib.util.find_spec("sentry_sdk") is None:
        log.warning("SENTRY_DSN is set but sentry-sdk is not installed: no error reports")
        return
    import sentry_sdk  # optional: only when configured and installed

    sentry_sdk.init(
        dsn=dsn,
        environment=app.config.get("APP_ENV"),
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub,
        before_breadcrumb=scrub_breadcrumb,
        traces_sample_rate=0,
    )
