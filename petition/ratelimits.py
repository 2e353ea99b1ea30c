"""Rate limits (Flask-Limiter on Redis) put on the views by endpoint, the 429
page, and the capture of event QR tokens (an event window lifts the per-IP
signing limit).

Limits name their views by endpoint in LIMITS, and health checks are exempted
by endpoint in EXEMPT: `init_app` refuses to start when one names an endpoint
the app does not have, so a renamed view never silently loses its limit.

The signing POST's limits are not Flask-Limiter limits (`sign_limits`): the
per-address budget (RATELIMIT_EMAIL) cannot be one, since a check before the
view and a count after it let simultaneous requests all pass; it is reserved
atomically before the signature is stored and given back when the request did
not end in one. The per-IP limit (RATELIMIT_SIGN) is checked in the same Lua
script (petition/throttle.py): one Redis round trip instead of one per window
of each limit. So are the token pages' (`token_attempts`).

Limits are read from config at each request (RATELIMIT_* in config.py), so
tests and deployments tune them without code. The client address is
`request.remote_addr`: behind proxies it is right only through ProxyFix with
PROXY_COUNT (create_app), never from a header a client can send itself.
"""

import functools
import time

from flask import current_app, request
from flask_limiter.errors import RateLimitExceeded

from . import throttle
from .addresses import canonical_email
from .errors import render_error
from .extensions import limiter
from .services.abuse import remember_event_token, request_window


def _config(key):
    return lambda: current_app.config[key]


sign_ip_limit_default = _config("RATELIMIT_SIGN")
email_limit = _config("RATELIMIT_EMAIL")
token_limit = _config("RATELIMIT_TOKEN")


def sign_ip_limit():
    """Per IP and petition; much higher while an event window is open for it."""
    key = "RATELIMIT_SIGN_EVENT" if request_window() is not None else "RATELIMIT_SIGN"
    return current_app.config[key]


def ip_and_petition():
    return f"{request.remote_addr}|{(request.view_args or {}).get('slug', '')}"


def submitted_address():
    """The canonical address of the form: one person, across every petition."""
    address = (request.form.get("email") or "").strip()
    return "email|" + (canonical_email(address) if "@" in address else address.lower())


def remote_ip():
    return request.remote_addr or ""


def _signed(response):
    """Count an address only when a signature went through (the redirect)."""
    return response.status_code == 302


def sign_limits(view):
    """The signing POST's two limits, in one Redis call (throttle.admit):
    RATELIMIT_SIGN per IP and petition (sign_ip_limit), counted on every
    attempt, and RATELIMIT_EMAIL per submitted address: one unit reserved
    (check and count in one step) before the view stores anything, refunded
    unless the view answered with the redirect of a stored signature. A
    request the address budget refuses is not counted against the IP."""

    @functools.wraps(view)
    def reserved(*args, **kwargs):
        if request.method != "POST":
            return view(*args, **kwargs)
        try:
            reservation = throttle.admit(
                ("sign-ip", sign_ip_limit(), ip_and_petition()),
                ("email", email_limit(), submitted_address()),
            )
        except throttle.Exhausted as exc:
            return _too_many(exc.retry_after)
        response = None
        try:
            response = current_app.make_response(view(*args, **kwargs))
            return response
        finally:
            if response is None or not _signed(response):
                throttle.refund(reservation)

    return reserved


def token_attempts(view):
    """RATELIMIT_TOKEN per IP, one budget for every token page (guessing
    tokens costs the same everywhere), every request counted, in one Redis
    call (throttle.admit). Flask-Limiter made two per request (its hook and
    the decorator) on the confirmation POST, a sixth of its time profiled."""

    @functools.wraps(view)
    def counted(*args, **kwargs):
        try:
            throttle.admit(("token", token_limit(), remote_ip()))
        except throttle.Exhausted as exc:
            return _too_many(exc.retry_after)
        return view(*args, **kwargs)

    return counted


#: endpoint -> the limits put on it (shared limit objects: registering them
#: for each app made by create_app adds nothing twice).
LIMITS = {
    # Both signing limits in one Redis round trip, not a Flask-Limiter limit.
    "public.petition": [sign_limits],
    # "Send the email again" is signing again: the same limit per address and petition.
    "public.resend": [limiter.limit(sign_ip_limit, key_func=ip_and_petition)],
    # One budget for every token page, in one Redis call (not a Flask-Limiter limit).
    **{
        endpoint: [token_attempts]
        for endpoint in (
            "public.confirm",
            "public.confirm_post",
            "public.withdraw",
            "public.withdraw_post",
            "news.unsubscribe",
            "news.unsubscribe_post",
            "panorama.publish",
        )
    },
}

#: Endpoints no limit applies to: the load balancer's health checks.
EXEMPT = ("health.healthz", "health.readyz")


class UnknownEndpoint(RuntimeError):
    """A limit or an exemption names a view the app does not have."""


def check_endpoints(app):
    """Raise UnknownEndpoint unless every endpoint LIMITS and EXEMPT name is a view of `app`."""
    missing = sorted((set(LIMITS) | set(EXEMPT)) - set(app.view_functions))
    if missing:
        raise UnknownEndpoint(
            f"petition/ratelimits.py names endpoint(s) this app does not have: "
            f"{', '.join(missing)}. A renamed or removed view would lose its limit: "
            f"update LIMITS or EXEMPT."
        )


def init_app(app):
    """Call after the blueprints are registered."""
    check_endpoints(app)
    for endpoint, limits in LIMITS.items():
        view = app.view_functions[endpoint]
        for limit in limits:
            view = limit(view)
        app.view_functions[endpoint] = view
    for endpoint in EXEMPT:
        limiter.exempt(app.view_functions[endpoint])
    throttle.init_app(app)
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    app.before_request(capture_event_token)


def too_many_requests(exc):
    """The 429 page in the user's language, with Retry-After in seconds."""
    retry_after = 60
    current = limiter.current_limit
    if current is not None:
        retry_after = max(1, int(current.reset_at - time.time()))
    return _too_many(retry_after)


def _too_many(retry_after):
    body, code = render_error(429)
    response = current_app.make_response((body, code))
    response.headers["Retry-After"] = str(retry_after)
    return response


def capture_event_token():
    """`/p/<slug>?event=<token>` (the QR link) opens the window for this browser."""
    token = request.args.get("event")
    if token and request.endpoint == "public.petition" and request.method == "GET":
        remember_event_token(request.view_args.get("slug", ""), token)
