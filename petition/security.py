"""Response headers: a Content-Security-Policy with per-request nonces (no
inline script runs without one), no framing except where a view allows it,
and the usual hardening headers. HSTS in production only. And one request
check: no NUL byte anywhere."""

import secrets

from flask import abort, g, request


def csp_nonce():
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def allow_framing():
    """Called by a view whose page may be put in an iframe on any site (embed)."""
    g.allow_framing = True


def refuse_nul_bytes():
    """No person types a NUL byte, and PostgreSQL refuses them in text: a 400,
    not a database error, for any path, query or form carrying one."""
    values = [request.path]
    values += [v for _, vs in request.args.lists() for v in vs]
    if request.method == "POST" and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        values += [v for _, vs in request.form.lists() for v in vs]
    if any("\x00" in value for value in values):
        abort(400)


def init_app(app):
    """Call after csrf and limiter.init_app: their checks come first."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.before_request(refuse_nul_bytes)

    @app.after_request
    def security_headers(response):
        if response.mimetype == "application/json":
            _data_headers(response)
        else:
            _document_headers(response)
        if app.config.get("APP_ENV") == "production":
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response


#: JSON is never rendered as a document: it may load nothing, be framed
#: nowhere. Four short headers instead of the page's ~430 bytes, on the
#: response every widget polls (and nginx replays from its cache).
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"


def _data_headers(response):
    response.headers.setdefault("Content-Security-Policy", DATA_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")  # for browsers without CSP 2
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")


def _document_headers(response):
    framing = "*" if g.get("allow_framing") else "'none'"
    policy = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{csp_nonce()}'; "
        "style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "font-src 'self'; object-src 'none'; base-uri 'none'; "
        f"form-action 'self'; frame-ancestors {framing}"
    )
    response.headers.setdefault("Content-Security-Policy", policy)
    if not g.get("allow_framing"):
        response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
